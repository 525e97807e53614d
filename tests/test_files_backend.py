"""The files backend fed IR records directly: layout, JSON on disk, durability, lock, options."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from runlog.backends import files
from runlog.backends.files.io import complete_size
from runlog.typespec.errors import DataError, UsageError
from runlog.typespec.media.file import File
from runlog.typespec.media.histogram import Histogram
from runlog.typespec.media.image import Image
from runlog.typespec.records import (
    ConfigChanged,
    FileSaved,
    Finished,
    MetricDefined,
    Row,
    RunStarted,
    StaleRow,
    SummaryChanged,
)


def started(run_id: str = "abc", **kw) -> RunStarted:
    return RunStarted(id=run_id, project="proj", name=kw.pop("name", "first"), start_time=1000.0,
                      config=kw.pop("config", {"lr": 0.1}), host="h", version="0.1", **kw)


def row(step: int, **values) -> Row:
    leaves = {tuple(k.split(".")): v for k, v in values.items()}
    return Row(step, 1000.0 + step, float(step), leaves)


def open_backend(run_dir: Path, **options) -> files.FilesBackend:
    backend = files.factory(options, run_dir)
    first = started()
    backend.start(first)
    backend.write([first])
    return backend


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_a_whole_run_lands_in_the_documented_files(tmp_path):
    run_dir = tmp_path / "proj" / "abc"
    backend = open_backend(run_dir)
    backend.write([
        row(0, loss=0.5, **{"train.acc": 0.25}),
        ConfigChanged({"batch": 32}),
        MetricDefined("loss", summary=("min",)),
        row(1, loss=0.25),
        StaleRow(0, 2, 1003.0, {("late",): 7}, "warn"),
        SummaryChanged({("best",): 0.25}, ()),
    ])
    done = Finished(0, "finished", {"loss": {"min": 0.25}, "best": 0.25}, 2000.0, 2)
    backend.write([done])
    assert backend.flush(None) is True
    backend.close(done)

    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["format"] == "runlog-files" and meta["format_version"] == 1
    assert (meta["id"], meta["project"], meta["name"], meta["status"]) == (
        "abc", "proj", "first", "finished")
    assert meta["config"] == {"lr": 0.1, "batch": 32}
    assert (meta["start_time"], meta["end_time"], meta["exit_code"]) == (1000.0, 2000.0, 0)
    assert (meta["rows"], meta["last_step"], meta["records"], meta["pid"]) == (2, 1, 8, os.getpid())
    history = lines(run_dir / "history.jsonl")
    assert history == [
        {"loss": 0.5, "train": {"acc": 0.25}, "_step": 0, "_runtime": 0.0, "_timestamp": 1000.0},
        {"loss": 0.25, "_step": 1, "_runtime": 1.0, "_timestamp": 1001.0},
    ]
    assert lines(run_dir / "stale.jsonl") == [
        {"step": 0, "current_step": 2, "timestamp": 1003.0, "policy": "warn",
         "values": {"late": 7}}]
    assert json.loads((run_dir / "summary.json").read_text()) == done.summary
    records = lines(run_dir / "records.jsonl")
    assert [r["type"] for r in records] == [
        "run_started", "row", "config_changed", "metric_defined", "row", "stale_row",
        "summary_changed", "finished"]
    assert all(r["v"] == 1 for r in records)


def test_nan_and_infinity_are_literals_that_json_pandas_and_jq_read(tmp_path):
    run_dir = tmp_path / "r"
    backend = open_backend(run_dir)
    backend.write([row(0, a=math.nan, b=math.inf, c=-math.inf), row(1, a=1.5, b=2.0, c=3.0)])
    backend.flush(None)
    text = (run_dir / "history.jsonl").read_text()
    assert '"a":NaN' in text and '"b":Infinity' in text and '"c":-Infinity' in text
    first = json.loads(text.splitlines()[0])
    assert math.isnan(first["a"]) and first["b"] == math.inf and first["c"] == -math.inf
    pd = pytest.importorskip("pandas")
    frame = pd.read_json(run_dir / "history.jsonl", lines=True)
    assert math.isnan(frame["a"][0]) and frame["b"][0] == math.inf and frame["c"][0] == -math.inf
    assert list(frame["a"][1:]) == [1.5]
    if shutil.which("jq"):
        query = "[.a, .b > 1e300, .c < -1e300]"
        out = subprocess.run(["jq", "-c", query, str(run_dir / "history.jsonl")],
                             capture_output=True, text=True, check=True).stdout.splitlines()
        assert out[0] == "[null,true,true]"
    backend.close(Finished(0, "finished", {}, 1.0))


def test_media_are_content_addressed_files_referenced_by_path_and_sha(tmp_path):
    from PIL import Image as PILImage

    run_dir = tmp_path / "r"
    backend = open_backend(run_dir)
    pixels = np.zeros((6, 5, 3), dtype=np.uint8)
    pixels[..., 0] = 200
    img = Image(pixels, caption="red")
    backend.write([row(0, img=img), row(1, img=Image(pixels, caption="red")),
                   row(2, h=Histogram([1, 2, 2, 3], num_bins=3))])
    backend.flush(None)
    history = lines(run_dir / "history.jsonl")
    sha = img.payload().sha256
    assert history[0]["img"] == {
        "_type": "image", "caption": "red", "path": f"media/{sha}.png", "sha256": sha,
        "size": img.payload().size, "mime": "image/png", "meta": img.payload().meta}
    assert history[1]["img"]["path"] == history[0]["img"]["path"]
    assert sorted(p.name for p in (run_dir / "media").iterdir()) == [f"{sha}.png"]
    with PILImage.open(run_dir / history[0]["img"]["path"]) as im:
        assert im.size == (5, 6) and im.getpixel((0, 0)) == (200, 0, 0)
    assert history[2]["h"] == {"_type": "histogram", "values": [1, 2, 1],
                               "bins": [1.0, 1 + 2 / 3, 1 + 4 / 3, 3.0]}
    backend.close(Finished(0, "finished", {}, 1.0))


def test_a_user_dict_with_a_type_key_cannot_pass_for_media(tmp_path):
    run_dir = tmp_path / "r"
    backend = open_backend(run_dir)
    backend.write([row(0, **{"meta._type": "image", "meta.path": "x"})])
    backend.flush(None)
    assert lines(run_dir / "history.jsonl")[0]["meta"] == {
        "_type": "dict", "items": {"_type": "image", "path": "x"}}
    backend.close(Finished(0, "finished", {}, 1.0))


def test_saved_files_appear_under_files_with_their_name(tmp_path):
    run_dir = tmp_path / "r"
    backend = open_backend(run_dir)
    backend.write([FileSaved("conf/model.yaml", File(b"layers: 3\n", name="model.yaml"))])
    backend.write([FileSaved("conf/model.yaml", File(b"layers: 4\n", name="model.yaml"))])
    backend.flush(None)
    assert (run_dir / "files" / "conf" / "model.yaml").read_bytes() == b"layers: 4\n"
    saved = [r for r in lines(run_dir / "records.jsonl") if r["type"] == "file_saved"]
    first_ref = saved[0]["payload"]["payload"]["ref"]
    assert (run_dir / first_ref).read_bytes() == b"layers: 3\n"
    with pytest.raises(DataError, match=r"\.\."):
        backend.write([FileSaved("../escape.txt", File(b"x", name="escape.txt"))])
    backend.close(Finished(0, "finished", {}, 1.0))


def test_rows_stay_buffered_until_flush_rows_or_flush(tmp_path):
    run_dir = tmp_path / "r"
    backend = open_backend(run_dir, flush_interval=3600, flush_rows=5)
    assert json.loads((run_dir / "run.json").read_text())["id"] == "abc"  # RunStarted: at once
    backend.write([row(i, x=i) for i in range(4)])
    assert complete_size(run_dir / "history.jsonl") == 0
    backend.write([row(4, x=4)])  # 5 records buffered: written out
    assert [r["x"] for r in lines(run_dir / "history.jsonl")] == [0, 1, 2, 3, 4]
    backend.write([row(5, x=5)])
    assert len(lines(run_dir / "history.jsonl")) == 5
    backend.flush(None)
    assert [r["x"] for r in lines(run_dir / "history.jsonl")] == [0, 1, 2, 3, 4, 5]
    backend.close(Finished(0, "finished", {}, 1.0))


def test_caches_are_replaced_by_time_and_the_reader_folds_records_meanwhile(tmp_path):
    run_dir = tmp_path / "proj" / "r"
    backend = open_backend(run_dir, flush_interval=3600, flush_rows=5)
    for i in range(12):
        backend.write([row(i, x=i)])  # 10 rows written out (flush_rows), 2 buffered
    assert len(lines(run_dir / "records.jsonl")) == 11  # the logs went to the OS...
    meta = json.loads((run_dir / "run.json").read_text())
    assert (meta["rows"], meta["records"]) == (0, 1)  # ...the caches wait for the interval
    view = files.FilesRun(run_dir)  # caches behind records.jsonl: folded from the records
    assert view.rows == 10 and [r["x"] for r in view.history] == list(range(10))
    assert view.summary["x"] == 9
    backend.flush(None)  # flush replaces the caches too
    assert json.loads((run_dir / "run.json").read_text())["rows"] == 12
    assert json.loads((run_dir / "summary.json").read_text())["x"] == 11
    backend.close(Finished(0, "finished", {}, 1.0))


def test_the_flush_interval_writes_out_an_idle_buffer(tmp_path):
    run_dir = tmp_path / "r"
    backend = open_backend(run_dir, flush_interval=0.05, flush_rows=10_000)
    backend.write([row(0, x=1)])  # no further write: only the timer can write it out
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if json.loads((run_dir / "run.json").read_text())["rows"] == 1:  # written last
            break
        time.sleep(0.01)
    assert lines(run_dir / "history.jsonl")[0]["x"] == 1
    backend.close(Finished(0, "finished", {}, 1.0))


def test_flush_interval_zero_writes_every_batch_through(tmp_path):
    run_dir = tmp_path / "r"
    backend = open_backend(run_dir, flush_interval=0)
    backend.write([row(0, x=1)])
    assert len(lines(run_dir / "history.jsonl")) == 1
    backend.close(Finished(0, "finished", {}, 1.0))


@pytest.mark.parametrize(("options", "message"), [
    ({"flush_every": 1}, "unknown option.*flush_every.*accepted: flush_interval"),
    ({"flush_interval": -1}, "flush_interval must be a number of seconds >= 0, got -1"),
    ({"flush_interval": "soon"}, "flush_interval .* got 'soon' \\(str\\)"),
    ({"flush_rows": 0}, "flush_rows must be an int >= 1"),
    ({"flush_rows": 2.5}, "flush_rows must be an int >= 1, got 2.5"),
    ({"flush_rows": True}, "flush_rows must be an int >= 1, got True \\(bool\\)"),
])
def test_bad_options_are_usage_errors_naming_the_option(tmp_path, options, message):
    with pytest.raises(UsageError, match=message):
        files.factory(options, tmp_path / "r")


def test_a_second_opener_gets_a_usage_error_naming_the_run_and_the_pid(tmp_path):
    run_dir = tmp_path / "proj" / "abc"
    backend = open_backend(run_dir)
    holder = rf"run 'abc' .* another live process \(pid {os.getpid()} on "
    with pytest.raises(UsageError, match=holder):
        files.factory({}, run_dir).existing_run()  # the lock is taken before the state is read
    backend.close(Finished(0, "finished", {}, 1.0))
    again = files.factory({}, run_dir)
    assert again.existing_run().next_step == 0  # free again after close: a run with no rows
    again.release()


def test_the_lock_is_released_when_its_process_dies(tmp_path):
    run_dir = tmp_path / "proj" / "abc"
    code = (
        "import sys, os\nfrom pathlib import Path\nfrom runlog.backends import files\n"
        f"b = files.factory({{}}, Path({str(run_dir)!r}))\nb.existing_run()\n"
        "print('locked', flush=True)\n"
        "sys.stdin.readline()\nos._exit(0)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "locked"
        with pytest.raises(UsageError, match=f"pid {child.pid} "):
            files.factory({}, run_dir).existing_run()
    finally:
        child.kill()
        child.wait(timeout=10)
        child.stdin.close()
        child.stdout.close()
    assert files.factory({}, run_dir).existing_run() is None  # taken again: nothing recorded


def test_different_runs_in_one_directory_do_not_block_each_other(tmp_path):
    a = open_backend(tmp_path / "proj" / "a")
    b = open_backend(tmp_path / "proj" / "b")
    a.write([row(0, x=1)])
    b.write([row(0, x=2)])
    for backend in (a, b):
        backend.close(Finished(0, "finished", {}, 1.0))
    assert lines(tmp_path / "proj" / "a" / "history.jsonl")[0]["x"] == 1
    assert lines(tmp_path / "proj" / "b" / "history.jsonl")[0]["x"] == 2


def test_reopening_cuts_a_torn_tail_and_rebuilds_lagging_caches(tmp_path):
    run_dir = tmp_path / "proj" / "abc"
    backend = open_backend(run_dir, flush_interval=0)
    backend.write([row(0, x=0), row(1, x=1), StaleRow(0, 2, 1.0, {("y",): 1}, "warn")])
    backend.close(Finished(1, "failed", {}, 1.0))
    # a crash: history.jsonl lost its last row, records.jsonl ends in half a line
    hist = (run_dir / "history.jsonl").read_text().splitlines(keepends=True)
    (run_dir / "history.jsonl").write_text(hist[0])
    (run_dir / "stale.jsonl").write_text("")
    with open(run_dir / "records.jsonl", "a") as f:
        f.write('{"v":1,"type":"row","step":2,"timesta')
    again = files.factory({"flush_interval": 0}, run_dir)
    resumed = started(name="second", resumed=True, resumed_step=2)
    again.start(resumed)
    again.write([resumed, row(2, x=2)])
    done = Finished(0, "finished", {"x": 2}, 3000.0, 3)
    again.write([done])
    again.close(done)
    assert [r["x"] for r in lines(run_dir / "history.jsonl")] == [0, 1, 2]
    assert len(lines(run_dir / "stale.jsonl")) == 1
    types = [r["type"] for r in lines(run_dir / "records.jsonl")]  # every line parses
    assert types.count("run_started") == 2 and types.count("row") == 3
    meta = json.loads((run_dir / "run.json").read_text())
    assert (meta["name"], meta["sessions"], meta["rows"], meta["status"], meta["start_time"]) == (
        "second", 2, 3, "finished", 1000.0)


def test_a_record_that_cannot_be_encoded_writes_nothing_of_its_batch(tmp_path):
    run_dir = tmp_path / "r"
    backend = open_backend(run_dir, flush_interval=0)
    with pytest.raises(DataError):
        backend.write([row(0, x=1), row(1, x=object())])
    backend.write([row(0, x=2)])
    assert [r["x"] for r in lines(run_dir / "history.jsonl")] == [2]
    backend.close(Finished(0, "finished", {}, 1.0))


def test_media_sync_fsyncs_every_file_and_reports_a_failure_after_the_rest(tmp_path):
    from runlog.backends.files.media import MediaStore, fsync_all

    store = MediaStore(tmp_path)
    refs = [store.store(Image(np.full((4, 4, 3), i, np.uint8)).payload()) for i in range(20)]
    store.sync()  # 20 files and their directories, side by side
    assert all((tmp_path / ref).is_file() for ref in refs)
    with pytest.raises(FileNotFoundError, match="gone"):
        fsync_all([tmp_path / refs[0], tmp_path / "gone", tmp_path / refs[1]])
