"""The ``runlog`` console script, run through its entry point in a subprocess."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import runlog
from runlog._read import default_root

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).with_name("runlog")
NO_SIGNALS = {"handle_signals": False}


def cli(*args: str, cwd: Path | None = None, columns: int = 200,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if k != "RUNLOG_DIR"},
           "COLUMNS": str(columns), **(env or {})}
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=60,
                          env=env, cwd=cwd)


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the rich tables in ``text``, as lists of stripped cells."""
    return [[cell.strip() for cell in line.split("│")[1:-1]]
            for line in text.splitlines() if line.count("│") > 5]


def one_error_line(result: subprocess.CompletedProcess, code: int, text: str) -> None:
    assert result.returncode == code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("runlog: error: ") and text in lines[0], lines


@pytest.fixture
def runs(tmp_path):
    """p/good (finished, 5 rows), p/bad (failed), q/live (open in this process)."""
    good = runlog.init(project="p", id="good", name="Good run", dir=tmp_path,
                       config={"lr": 0.5}, backends=["files"], settings=NO_SIGNALS)
    for i in range(5):
        good.log({"loss": [4.0, 3.0, 2.0, 1.5, 1.0][i], "val": {"acc": i / 4},
                  "weird": math.nan if i == 2 else 1.0})
    good.finish()
    bad = runlog.init(project="p", id="bad", dir=tmp_path, backends=["files"],
                      settings=NO_SIGNALS)
    bad.log({"loss": 9.0})
    bad.finish(exit_code=2)
    live = runlog.init(project="q", id="live", dir=tmp_path, backends=["files"],
                       settings=NO_SIGNALS, reinit="create_new")
    live.log({"loss": 7.0})
    live.flush()
    yield tmp_path
    live.finish()


def test_the_entry_point_is_installed_and_has_help():
    assert BIN.exists()
    result = cli("--help")
    assert result.returncode == 0
    for command in ("ls", "show", "export", "backends"):
        assert command in result.stdout
    for module in ("runlog", "runlog._cli"):
        result = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0 and "export" in result.stdout, module


def test_ls_lists_runs_with_status_steps_and_last_values(runs):
    shutil.copytree(runs / "q" / "live", runs / "q" / "copy")  # nobody holds the copy's lock
    result = cli("ls", "--dir", str(runs))
    assert result.returncode == 0, result.stderr
    rows = table_rows(result.stdout)
    by_status = {row[3]: row for row in rows}
    assert sorted(by_status) == ["crashed", "failed", "finished", "running"]
    assert by_status["finished"][:5] == ["p", "good", "Good run", "finished", "5"]
    assert by_status["finished"][6].startswith("loss=1 val/acc=1")
    assert by_status["failed"][:2] == ["p", "bad"]
    # two runs claim q/live: the path column tells them apart
    assert by_status["running"][:2] == by_status["crashed"][:2] == ["q", "live"]
    assert (by_status["running"][7], by_status["crashed"][7]) == ("q/live", "q/copy")
    assert by_status["finished"][7] == "p/good"


def test_ls_has_no_path_column_when_every_run_is_unique(runs):
    result = cli("ls", "--dir", str(runs))
    assert "path" not in result.stdout.splitlines()[1]
    assert {len(row) for row in table_rows(result.stdout)} == {7}


def test_ls_defaults_to_the_default_directory_and_says_when_empty(tmp_path):
    (tmp_path / default_root()).mkdir(parents=True)
    result = cli("ls", cwd=tmp_path)
    assert result.returncode == 0 and f"no runs under {default_root()}" in result.stdout
    one_error_line(cli("ls", "--dir", str(tmp_path / "missing")), 1, "is not a directory")


def test_show_prints_metadata_config_summary_and_sparklines(runs):
    result = cli("show", "good", "--dir", str(runs))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for text in ("Good run", "finished", "lr", "0.5", "summary", "val/acc", "metrics"):
        assert text in out
    loss = [line for line in out.splitlines() if line.startswith("│ loss ")][-1]  # metrics
    assert loss.split("│")[2].strip() == "█▆▃▂▁"  # 4, 3, 2, 1.5, 1 scaled to 8 levels
    assert loss.split("│")[3].strip() == "1" and loss.split("│")[4].strip() == "4"
    by_path = cli("show", str(runs / "p" / "bad"))
    assert by_path.returncode == 0 and "failed (exit code 2)" in by_path.stdout


def test_show_leaves_a_gap_for_nan_and_never_wraps_the_sparkline(tmp_path):
    run = runlog.init(project="p", id="gap", dir=tmp_path, backends=["files"],
                      settings=NO_SIGNALS)
    for i in range(60):
        run.log({"x": math.nan if i == 3 else float(i)})
    run.finish()
    result = cli("show", "gap", "--dir", str(tmp_path), "--width", "60", columns=120)
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if "▁▁▁ ▁" in line]  # one line
    trend = line.split("│")[2].strip()
    assert trend[3] == " " and " " not in trend[4:] and len(trend) <= 60, trend


def test_show_unknown_run_is_one_error_line(runs):
    one_error_line(cli("show", "nope", "--dir", str(runs)), 1, "no run 'nope'")


def test_export_csv_has_one_column_per_leaf(runs, tmp_path):
    result = cli("export", "p/good", "--dir", str(runs), "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0])[:3] == ["_step", "_runtime", "_timestamp"]
    assert [r["_step"] for r in rows] == ["0", "1", "2", "3", "4"]
    assert [float(r["val/acc"]) for r in rows] == [0.0, 0.25, 0.5, 0.75, 1.0]
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert math.isnan(frame["weird"][2]) and frame["loss"].tolist() == [4.0, 3.0, 2.0, 1.5, 1.0]


def test_export_jsonl_to_a_file_with_a_progress_bar(runs, tmp_path):
    target = tmp_path / "out.jsonl"
    result = cli("export", str(runs / "p" / "good"), "--format", "jsonl", "-o", str(target),
                 "--progress")
    assert result.returncode == 0, result.stderr
    exported = target.read_text().splitlines()
    stored = (runs / "p" / "good" / "history.jsonl").read_text().splitlines()
    assert [json.loads(x)["loss"] for x in exported] == [json.loads(x)["loss"] for x in stored]
    assert "5/5" in result.stderr


def test_export_with_media_writes_their_paths(tmp_path):
    import numpy as np

    run = runlog.init(project="p", id="m", dir=tmp_path, backends=["files"], settings=NO_SIGNALS)
    run.log({"img": runlog.Image(np.zeros((2, 2, 3), dtype=np.uint8)), "x": 1})
    run.finish()
    result = cli("export", str(tmp_path / "p" / "m"))
    assert result.returncode == 0, result.stderr
    row = next(csv.DictReader(io.StringIO(result.stdout)))
    assert row["img"].startswith("media/") and (tmp_path / "p" / "m" / row["img"]).is_file()


def test_usage_mistakes_are_one_line_with_exit_code_2(runs):
    one_error_line(cli("export"), 2, "Missing argument 'RUN'")
    one_error_line(cli("export", "good", "--format", "xml"), 2, "'xml' is not one of")


def test_backends_lists_installed_backends_and_their_plugin():
    result = cli("backends")
    assert result.returncode == 0
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines()
             if line.count("│") == 4}
    assert "builtin" in lines["files"] and "runlog.backends.files.factory" in lines["files"]
    assert "builtin" in lines["memory"]


# -- --dir everywhere ------------------------------------------------------------------------------
def test_every_run_command_takes_dir_then_runlog_dir_then_the_default(runs, tmp_path):
    elsewhere = runs / "elsewhere"
    elsewhere.mkdir()
    for args in (("ls",), ("show", "good"), ("export", "p/good")):
        by_option = cli(*args, "--dir", str(runs))
        assert by_option.returncode == 0 and "loss" in by_option.stdout, args
        by_variable = cli(*args, env={"RUNLOG_DIR": str(runs)}, cwd=tmp_path)
        assert by_variable.returncode == 0, (args, by_variable.stderr)
        assert by_variable.stdout == by_option.stdout, args
        missing = cli(*args, cwd=elsewhere)  # no default directory here: a hint, not a trace
        one_error_line(missing, 1, f"no run directory {(elsewhere / default_root()).absolute()}")
        assert "--dir" in missing.stderr and "RUNLOG_DIR" in missing.stderr


# -- show -----------------------------------------------------------------------------------------
def test_show_fits_80_columns_and_never_shows_two_identical_truncated_names(tmp_path):
    run = runlog.init(project="p", id="wide", dir=tmp_path, backends=["files"],
                      notes="a long note " * 20, config={"optimizer/" + "x" * 70: "adam"},
                      settings=NO_SIGNALS)
    long = "encoder/layer_00/attention/output/gradient_norm_"
    for i in range(100):
        run.log({long + "query": float(i), long + "value": float(-i), "loss": 1.0 / (i + 1)})
    run.finish()
    result = cli("show", "wide", "--dir", str(tmp_path), columns=80)
    assert result.returncode == 0, result.stderr
    assert max(map(len, result.stdout.splitlines())) <= 80
    chart = result.stdout[result.stdout.index("metrics"):]
    names = []
    for line in chart.splitlines():
        cells = line.split("│")
        if len(cells) == 7:
            if cells[2].strip():  # a new row starts where the sparkline is
                names.append(cells[1].strip())
            else:  # a wrapped name continues on the next line
                names[-1] += cells[1].strip()
    assert names == [long + "query", long + "value", "loss"]
    sparks = [line.split("│")[2].strip() for line in chart.splitlines()
              if line.count("│") == 6 and line.split("│")[2].strip()]
    assert len(sparks) == 3 and all(8 <= len(s) <= 40 for s in sparks)


@pytest.mark.parametrize("width", ["0", "-5", "ten"])
def test_show_validates_width_before_reading(runs, width):
    one_error_line(cli("show", "good", "--dir", str(runs), "--width", width), 2, "--width")


def test_show_prints_dates_exit_status_and_the_exception_of_a_failed_run(tmp_path):
    script = ("import runlog\n"
              "with runlog.init(project='p', id='boom', dir='.', backends=['files']) as run:\n"
              "    run.log({'loss': 1.0})\n"
              "    raise ValueError('loss exploded at step 1')\n")
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                   timeout=60)
    result = cli("show", "boom", "--dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    fields = {row[0]: row[1] for row in (
        [cell.strip() for cell in line.split("│")[1:-1]] for line in result.stdout.splitlines()
        if line.count("│") == 3)}
    assert fields["status"] == "failed (exit code 1)"
    assert fields["error"] == "ValueError: loss exploded at step 1"
    date = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \w+"
    assert re.fullmatch(date, fields["started"]) and re.fullmatch(date, fields["ended"])
    summary = result.stdout[result.stdout.index("summary"):]
    timestamp = next(line for line in summary.splitlines() if "_timestamp" in line)
    assert re.search(date, timestamp), timestamp


def test_show_checks_metrics_before_printing_anything(runs):
    result = cli("show", "good", "--dir", str(runs), "-m", "loss", "-m", "los")
    one_error_line(result, 1, "no numeric history for 'los'")
    assert "metrics with numeric history: loss, val/acc, weird" in result.stderr
    assert result.stdout == ""


def test_show_reports_progress_on_a_terminal(runs):
    forced = cli("show", "good", "--dir", str(runs), "--progress")
    assert forced.returncode == 0 and "5/5 rows" in forced.stderr
    assert "rows" not in cli("show", "good", "--dir", str(runs)).stderr  # not a terminal
    main, secondary = pty.openpty()  # stderr on a pseudo-terminal: shown without a flag
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen([str(BIN), "show", "good", "--dir", str(runs)], stderr=secondary,
                            stdout=subprocess.DEVNULL, env=env)
    os.close(secondary)
    seen = b""
    try:
        while select.select([main], [], [], 10)[0]:  # read while the child writes
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(main)
        returncode = proc.wait(timeout=60)
    assert returncode == 0 and b"5/5\x1b[0m rows" in seen  # colored on a terminal


def test_a_damaged_history_is_rebuilt_from_records_with_a_warning(runs):
    history = runs / "p" / "good" / "history.jsonl"
    lines = history.read_text().splitlines(keepends=True)
    expected = [json.loads(line)["loss"] for line in lines]
    lines[2] = '{"loss": 2.0, "val": {"acc\n'  # a complete but damaged line
    history.write_text("".join(lines))
    result = cli("export", "p/good", "--dir", str(runs), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["loss"] for line in result.stdout.splitlines()] == expected
    as_csv = cli("export", "p/good", "--dir", str(runs))  # reads the history twice
    assert [float(r["loss"]) for r in csv.DictReader(io.StringIO(as_csv.stdout))] == expected
    for output in (result, as_csv):
        warning = output.stderr.strip().splitlines()
        assert len(warning) == 1 and warning[0].startswith("runlog: warning: ")
        assert "history.jsonl line 3" in warning[0] and "rebuilt from records.jsonl" in warning[0]
    shown = cli("show", "p/good", "--dir", str(runs))
    assert shown.returncode == 0 and "█▆▃▂▁" in shown.stdout


# -- hostile text and damaged runs ----------------------------------------------------------------
def test_user_text_is_printed_literally_without_control_characters(tmp_path):
    run = runlog.init(project="p", id="hostile", dir=tmp_path, backends=["files"],
                      name="[/x]", notes="[link=https://evil.example]click[/link] \x1b[31mred",
                      config={"[bold]key": "\x1b]8;;https://evil.example\x07v"},
                      settings=NO_SIGNALS)
    run.log({"[red]loss": 1.0, "a\x1b[2Jb": 2.0})
    run.finish()
    listed = cli("ls", "--dir", str(tmp_path))
    assert listed.returncode == 0, listed.stderr
    assert "[/x]" in listed.stdout
    shown = cli("show", "hostile", "--dir", str(tmp_path), columns=300)
    assert shown.returncode == 0, shown.stderr
    for text in ("[link=https://evil.example]click[/link] [31mred", "[bold]key",
                 "]8;;https://evil.example", "[red]loss", "a[2Jb"):
        assert text in shown.stdout, text
    for output in (listed.stdout, shown.stdout):
        assert "\x1b" not in output and "\x07" not in output


def test_one_damaged_run_does_not_hide_the_others_from_ls(runs):
    (runs / "p" / "bad" / "run.json").write_text("{not json")
    shutil.copytree(runs / "p" / "good", runs / "p" / "odd")
    meta = json.loads((runs / "p" / "odd" / "run.json").read_text())
    meta.update(start_time="yesterday", last_step="many", id="odd")
    (runs / "p" / "odd" / "run.json").write_text(json.dumps(meta))
    result = cli("ls", "--dir", str(runs))
    assert result.returncode == 0, result.stderr
    rows = {row[1]: row for row in table_rows(result.stdout)}
    assert rows["good"][3] == "finished" and rows["live"][3] == "running"
    assert rows["bad"][3] == rows["odd"][3] == "unreadable"
    assert "run.json is not valid JSON" in rows["bad"][6]


def test_a_damaged_run_is_one_error_line_naming_the_file(runs):
    (runs / "p" / "bad" / "run.json").write_text("{not json")
    for args in (("show", "p/bad"), ("export", "p/bad")):
        result = cli(*args, "--dir", str(runs))
        one_error_line(result, 1, "p/bad/run.json is not valid JSON")
        assert "Traceback" not in result.stderr


def test_export_refuses_a_crafted_media_path(tmp_path):
    import numpy as np

    run = runlog.init(project="p", id="m", dir=tmp_path, backends=["files"], settings=NO_SIGNALS)
    run.log({"img": runlog.Image(np.zeros((2, 2, 3), dtype=np.uint8))})
    run.finish()
    history = tmp_path / "p" / "m" / "history.jsonl"
    row = json.loads(history.read_text())
    row["img"]["path"] = "../../../../etc/passwd"
    history.write_text(json.dumps(row) + "\n")
    for fmt in ("csv", "jsonl"):
        result = cli("export", "p/m", "--dir", str(tmp_path), "--format", fmt)
        one_error_line(result, 1, "history.jsonl row 1: media path '../../../../etc/passwd'")
        assert "etc/passwd" not in result.stdout


def test_a_run_json_with_wrong_types_is_one_error_line_not_a_traceback(runs):
    meta_path = runs / "p" / "good" / "run.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "start_time": "yesterday"}))
    result = cli("show", "p/good", "--dir", str(runs))
    one_error_line(result, 1, "p/good: cannot read the run, its files are damaged (ValueError")
    meta_path.write_text("[1, 2]")  # valid JSON, not an object
    for args in (("show", "p/good"), ("export", "p/good")):
        result = cli(*args, "--dir", str(runs))
        one_error_line(result, 1, "p/good: cannot read the run, its files are damaged")
        assert "Traceback" not in result.stderr
