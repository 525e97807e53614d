"""``runlog.read`` on runs written by ``runlog.init`` with the files backend, whole or damaged."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
import runlog
from runlog.backends.files.reader import last_state
from runlog.typespec.errors import DataError, UsageError

NO_SIGNALS = {"handle_signals": False}


def make_run(tmp_path, run_id="r1", rows=5, finish=True, **kw):
    run = runlog.init(project="p", id=run_id, dir=tmp_path, config={"lr": 0.1},
                      backends=["files"], settings=NO_SIGNALS, **kw)
    for i in range(rows):
        run.log({"loss": 1.0 / (i + 1), "train": {"acc": i / 10}})
    if finish:
        run.finish()
    return run


def test_read_gives_history_summary_config_and_metadata(tmp_path):
    run = runlog.init(project="p", id="r1", dir=tmp_path, config={"lr": 0.1}, tags=["a", "b"],
                      notes="n", backends=["files"], settings=NO_SIGNALS)
    run.define_metric("loss", summary="min,last")
    for i in range(4):
        run.log({"loss": [0.5, 0.25, 0.4, 0.3][i], "train": {"acc": i / 10}})
    run.log({"bad": math.nan, "big": -math.inf}, commit=False)
    run.config["bs"] = 8
    run.summary["note"] = "done"
    run.finish()

    view = runlog.read(tmp_path / "p" / "r1")
    assert (view.id, view.name, view.project, view.status) == ("r1", "r1", "p", "finished")
    assert view.config == {"lr": 0.1, "bs": 8}
    assert view.metadata["tags"] == ["a", "b"] and view.metadata["notes"] == "n"
    history = view.history
    assert [h["_step"] for h in history] == [0, 1, 2, 3, 4]
    assert [h.get("loss") for h in history] == [0.5, 0.25, 0.4, 0.3, None]
    assert history[2]["train"] == {"acc": 0.2}
    assert math.isnan(history[4]["bad"]) and history[4]["big"] == -math.inf
    assert view.summary["loss"] == {"min": 0.25, "last": 0.3}
    assert view.summary["note"] == "done" and view.summary["_step"] == 4
    rows = view.iter_history()
    assert next(rows) == history[0] and [h["_step"] for h in rows] == [1, 2, 3, 4]


def test_to_pandas_has_flat_columns(tmp_path):
    pytest.importorskip("pandas")
    make_run(tmp_path)
    frame = runlog.read(tmp_path / "p" / "r1").to_pandas()
    assert list(frame["_step"]) == [0, 1, 2, 3, 4]
    assert list(frame["train/acc"]) == [0.0, 0.1, 0.2, 0.3, 0.4]
    assert frame["loss"].iloc[-1] == pytest.approx(0.2)


def test_media_come_back_as_runlog_media_types(tmp_path):
    pixels = (np.arange(48).reshape(4, 4, 3) * 5).astype(np.uint8)
    run = runlog.init(project="p", id="m", dir=tmp_path, backends=["files"], settings=NO_SIGNALS)
    run.log({"img": runlog.Image(pixels, caption="c"), "h": runlog.Histogram([1, 2, 3]),
             "t": runlog.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]]),
             "imgs": [runlog.Image(pixels), runlog.Image(pixels[::-1].copy())]})
    run.finish()
    row = runlog.read(tmp_path / "p" / "m").history[0]
    assert isinstance(row["img"], runlog.Image) and row["img"].caption == "c"
    import io

    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(row["img"].payload().data)) as im:
        assert np.array_equal(np.asarray(im), pixels)
    assert isinstance(row["h"], runlog.Histogram) and sum(row["h"].values) == 3
    assert isinstance(row["t"], runlog.Table) and row["t"].data == [[1, "x"], [2, "y"]]
    assert len(row["imgs"]) == 2 and row["imgs"][1] == runlog.Image(pixels[::-1].copy())
    summary = runlog.read(tmp_path / "p" / "m").summary
    assert summary["img"] == row["img"]


def test_read_by_id_or_project_id_under_a_root(tmp_path, monkeypatch):
    make_run(tmp_path, "r1")
    assert runlog.read("r1", root=tmp_path).id == "r1"
    assert runlog.read("p/r1", root=tmp_path).id == "r1"
    monkeypatch.setenv("RUNLOG_DIR", str(tmp_path))
    assert runlog.read("r1").id == "r1"
    with pytest.raises(UsageError, match="no run 'zz'"):
        runlog.read("zz")
    with pytest.raises(UsageError, match="URL"):
        runlog.read("http://localhost:1/run")


def test_a_torn_last_line_is_skipped_everywhere(tmp_path):
    make_run(tmp_path, rows=3)
    run_dir = tmp_path / "p" / "r1"
    for name in ("records.jsonl", "history.jsonl"):
        with open(run_dir / name, "a") as f:
            f.write('{"v":1,"type":"row","step":3,"values":[[["lo')
    view = runlog.read(run_dir)
    assert [h["_step"] for h in view.history] == [0, 1, 2]
    assert view.status == "finished"


def test_caches_that_lag_are_rebuilt_from_records(tmp_path):
    run = make_run(tmp_path, rows=4, finish=False)
    run.flush()
    run_dir = tmp_path / "p" / "r1"
    records = (run_dir / "records.jsonl").read_bytes()
    run.finish()
    # as if killed after records.jsonl got 4 rows but before any cache caught up
    (run_dir / "records.jsonl").write_bytes(records)
    (run_dir / "history.jsonl").write_text(
        (run_dir / "history.jsonl").read_text().splitlines(keepends=True)[0])
    (run_dir / "summary.json").write_text("{}")
    view = runlog.read(run_dir)
    assert [h["_step"] for h in view.history] == [0, 1, 2, 3]
    assert [h["loss"] for h in view.history] == [1.0, 0.5, 1 / 3, 0.25]
    assert view.summary["loss"] == 0.25 and view.summary["train"] == {"acc": 0.3}
    assert view.status == "crashed"  # no Finished record, and nobody holds the lock


def test_a_live_run_reads_as_running(tmp_path):
    run = make_run(tmp_path, rows=2, finish=False)
    run.flush()
    view = runlog.read(tmp_path / "p" / "r1")
    assert view.status == "running" and len(view.history) == 2
    run.finish()
    assert runlog.read(tmp_path / "p" / "r1").status == "finished"


def test_failed_status_and_stale_rows(tmp_path):
    run = make_run(tmp_path, rows=3, finish=False)
    with pytest.warns(runlog.StaleStepWarning):
        run.log({"late": 1}, step=0)
    run.finish(exit_code=3)
    view = runlog.read(tmp_path / "p" / "r1")
    assert view.status == "failed" and view.metadata["exit_code"] == 3
    assert view.stale == [{"step": 0, "current_step": 3, "timestamp": view.stale[0]["timestamp"],
                           "policy": "warn", "values": {"late": 1}}]


def test_a_damaged_history_line_is_rebuilt_from_records_with_a_warning(tmp_path):
    make_run(tmp_path, rows=3)
    path = tmp_path / "p" / "r1" / "history.jsonl"
    expected = runlog.read(tmp_path / "p" / "r1").history
    text = path.read_text().splitlines(keepends=True)
    path.write_text(text[0] + "{oops\n" + "".join(text[2:]))
    view = runlog.read(tmp_path / "p" / "r1")
    with pytest.warns(UserWarning, match=r"history.jsonl line 2 is not valid JSON.*rebuilt"):
        assert view.history == expected
    records = tmp_path / "p" / "r1" / "records.jsonl"
    lines = records.read_text().splitlines(keepends=True)
    records.write_text(lines[0] + '{"v":1,"type":"row",oops\n' + "".join(lines[2:]))  # truth too
    with pytest.warns(UserWarning), pytest.raises(DataError, match=r"records.jsonl line 2"):
        list(runlog.read(tmp_path / "p" / "r1").iter_history())


def test_not_a_run_directory(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no run"):
        runlog.read(tmp_path / "empty")


def test_a_newer_format_version_is_refused_with_a_clear_error(tmp_path):
    run = make_run(tmp_path)
    meta_path = run.dir / "run.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "format_version": 2}))
    with pytest.raises(DataError, match="files format 2; this runlog reads format 1"):
        runlog.read(run.dir)


def test_last_state_gives_the_next_step_summary_and_config(tmp_path):
    run = make_run(tmp_path, rows=3, finish=False)
    run.log({"x": 1}, step=10)
    run.config["bs"] = 2
    run.finish()
    state = last_state(tmp_path / "p" / "r1")
    assert state.next_step == 11 and state.last_step == 10 and state.rows == 4
    assert state.config == {"lr": 0.1, "bs": 2}
    assert state.summary.nested()["loss"] == pytest.approx(1 / 3)
    assert state.status == "finished"


def test_a_copy_of_a_run_elsewhere_reads_the_same(tmp_path):
    make_run(tmp_path)
    shutil.copytree(tmp_path / "p" / "r1", tmp_path / "copy")
    a, b = runlog.read(tmp_path / "p" / "r1"), runlog.read(tmp_path / "copy")
    assert a.history == b.history and a.summary == b.summary
    assert json.loads((tmp_path / "copy" / "run.json").read_text())["id"] == "r1"


def test_a_run_with_nothing_but_its_record_log_reads(tmp_path):
    make_run(tmp_path, rows=3)
    run_dir = tmp_path / "p" / "r1"
    for name in ("run.json", "summary.json", "history.jsonl", "stale.jsonl"):
        (run_dir / name).unlink()
    view = runlog.read(run_dir)
    assert (view.id, view.status, view.config) == ("r1", "finished", {"lr": 0.1})
    assert [h["loss"] for h in view.history] == [1.0, 0.5, 1 / 3]
    assert view.summary["train"] == {"acc": 0.2}


def test_a_run_killed_before_its_first_record_reads_as_crashed(tmp_path):
    run_dir = tmp_path / "p" / "early"
    run_dir.mkdir(parents=True)
    (run_dir / "records.jsonl").write_text('{"v":1,"type":"run_sta')
    view = runlog.read(run_dir)
    assert (view.id, view.project, view.status, view.history) == ("early", "p", "crashed", [])
