"""The ``runlog`` console script, run through its entry point in a subprocess."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import runlog

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).with_name("runlog")
NO_SIGNALS = {"handle_signals": False}


def cli(*args: str, cwd: Path | None = None, columns: int = 200) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns)}
    env.pop("RUNLOG_DIR", None)
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=60,
                          env=env, cwd=cwd)


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
    module = subprocess.run([sys.executable, "-m", "runlog._cli", "--help"], capture_output=True,
                            text=True, timeout=60)
    assert module.returncode == 0 and "export" in module.stdout


def test_ls_lists_runs_with_status_steps_and_last_values(runs):
    shutil.copytree(runs / "q" / "live", runs / "q" / "copy")  # nobody holds the copy's lock
    result = cli("ls", str(runs))
    assert result.returncode == 0, result.stderr
    rows = [[cell.strip() for cell in line.split("│")[1:-1]]
            for line in result.stdout.splitlines() if line.count("│") > 5]
    by_status = {row[3]: row for row in rows}
    assert sorted(by_status) == ["crashed", "failed", "finished", "running"]
    assert by_status["finished"][:5] == ["p", "good", "Good run", "finished", "5"]
    assert by_status["finished"][6].startswith("loss=1 val/acc=1")
    assert by_status["failed"][:2] == ["p", "bad"]
    assert by_status["running"][:2] == by_status["crashed"][:2] == ["q", "live"]


def test_ls_defaults_to_runlog_dir_and_says_when_empty(tmp_path):
    (tmp_path / "runlog-runs").mkdir()
    result = cli("ls", cwd=tmp_path)
    assert result.returncode == 0 and "no runs under runlog-runs" in result.stdout
    one_error_line(cli("ls", str(tmp_path / "missing")), 1, "is not a directory")


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
    assert by_path.returncode == 0 and "failed" in by_path.stdout


def test_show_leaves_a_gap_for_nan_and_never_wraps_the_sparkline(tmp_path):
    run = runlog.init(project="p", id="gap", dir=tmp_path, backends=["files"],
                      settings=NO_SIGNALS)
    for i in range(60):
        run.log({"x": math.nan if i == 3 else float(i)})
    run.finish()
    result = cli("show", "gap", "--dir", str(tmp_path), "--width", "60", columns=80)
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
