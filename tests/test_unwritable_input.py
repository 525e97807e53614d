"""What log() accepts, every backend can write: input that no backend can write (a lone
surrogate, a NUL in a file name, a WAV rate beyond its header) is a DataError at the call,
naming where it was, and the 300 rows around it all reach memory, files and tb."""

from __future__ import annotations

import os

import numpy as np
import pytest
import runlog
from test_tb_support import read, scalars

BAD = "caf\udce9"  # what os.listdir returns for the latin-1 file name b"caf\xe9"

CASES = {
    "key": (lambda: {BAD: 1}, "key"),
    "nested key": (lambda: {"m": {BAD: 1}}, "under 'm'"),
    "value": (lambda: {"v": BAD}, "key 'v'"),
    "list item": (lambda: {"v": ["ok", BAD]}, "key 'v'"),
    "numpy str": (lambda: {"v": np.str_(BAD)}, "key 'v'"),
    "caption": (lambda: {"h": runlog.Html("<p>x</p>", caption=BAD)}, "Html: caption"),
    "html": (lambda: {"h": runlog.Html(f"<p>{BAD}</p>")}, "Html: data"),
    "table cell": (lambda: {"t": runlog.Table(columns=["a"], data=[[BAD]])}, "column 'a'"),
    "table column": (lambda: {"t": runlog.Table(columns=[BAD], data=[[1]])}, "column 0 name"),
    "chart title": (lambda: {"c": runlog.plot.line(runlog.Table(columns=["x", "y"],
                                                                  data=[[0, 1]]),
                                                   "x", "y", title=BAD)}, "Plot: title"),
    "box label": (lambda: {"i": runlog.Image(np.zeros((4, 4, 3), np.uint8), boxes={"p": {
        "box_data": [{"position": {"minX": 0, "maxX": 1, "minY": 0, "maxY": 1},
                      "class_id": 1}], "class_labels": {1: BAD}}})}, "class_labels"),
    "file name": (lambda: {"f": runlog.File(b"abc", name=BAD)}, "File: name"),
    "file NUL": (lambda: {"f": runlog.File(b"abc", name="a\x00b.txt")}, "NUL"),
    "audio rate": (lambda: {"a": runlog.Audio(np.zeros(10), sample_rate=2**40)}, "sample_rate"),
}


@pytest.fixture(scope="module")
def cases_run(tmp_path_factory):
    """One run on memory + files + tb: 300 rows, each case attempted at its own step."""
    root = tmp_path_factory.mktemp("unwritable")
    run = runlog.init(project="p", id="bad", dir=root,
                      backends=["memory", "files", {"tb": {"flush_secs": 0}}])
    errors = {}
    names = sorted(CASES)
    for i in range(300):
        run.log({"i": i})
        if i % 20 == 5 and names:
            name = names.pop()
            with pytest.raises(runlog.DataError) as info:
                run.log(CASES[name][0]())
            errors[name] = str(info.value)
    assert not names
    run.finish()
    return run, errors


@pytest.mark.parametrize("case", sorted(CASES))
def test_unwritable_input_is_a_data_error_naming_where(cases_run, case):
    _, errors = cases_run
    assert CASES[case][1] in errors[case]


def test_no_row_around_unwritable_input_is_lost(cases_run):
    run, _ = cases_run
    assert [r["i"] for r in run.backends["memory"].history] == list(range(300))
    recorded = runlog.read(run.dir)
    assert recorded.status == "finished"
    assert [r["i"] for r in recorded.history] == list(range(300))
    assert scalars(read(run.dir), "i") == [(i, float(i)) for i in range(300)]
    assert all(s["state"] == "ok" and s["errors"] == 0 for s in run.stats["backends"].values())


def test_a_file_name_with_an_unusable_extension_keeps_its_name(tmp_path):
    name = "notes." + "x" * 300
    run = runlog.init(project="p", id="ext", dir=tmp_path, backends=["memory", "files", "tb"])
    run.log({"f": runlog.File(b"abc", name=name), "i": 0})
    run.log({"f": runlog.File(b"def", name="a.t\x01xt"), "i": 1})
    run.finish()
    history = runlog.read(run.dir).history
    assert history[0]["f"].name == name and history[0]["f"].data == b"abc"
    assert history[1]["f"].name == "a.t\x01xt" and history[1]["f"].data == b"def"
    assert all(s["errors"] == 0 for s in run.stats["backends"].values())


def test_audio_at_the_highest_wav_rate_is_written(tmp_path):
    rate = (2**32 - 1) // 2
    run = runlog.init(project="p", id="rate", dir=tmp_path, backends=["memory", "files"])
    run.log({"a": runlog.Audio(np.zeros(10), sample_rate=rate)})
    run.finish()
    assert runlog.read(run.dir).history[0]["a"].sample_rate == rate


def test_run_save_of_a_non_utf8_file_name_is_a_data_error(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "good.txt").write_bytes(b"good")
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "wb") as f:
        f.write(b"bad")
    run = runlog.init(project="p", id="save", dir=tmp_path / "runs", backends=["files"])
    with pytest.raises(runlog.DataError, match=r"run\.save.*U\+DCE9"):
        run.save(str(folder / "*"))
    assert run.save(str(folder / "good.txt")) == ["good.txt"]
    for i in range(3):
        run.log({"i": i})
    run.finish()
    recorded = runlog.read(run.dir)
    assert [r["i"] for r in recorded.history] == [0, 1, 2]
    assert recorded.status == "finished"
    assert (run.dir / "files" / "good.txt").read_bytes() == b"good"


@pytest.mark.parametrize("kwargs", [{"name": BAD}, {"name": "m", "step_metric": BAD}])
def test_define_metric_with_text_no_backend_can_write_is_refused(tmp_path, kwargs):
    run = runlog.init(project="p", id="metric", dir=tmp_path, backends=["files", "tb"])
    with pytest.raises(runlog.DataError, match="define_metric"):
        run.define_metric(**kwargs)
    run.log({"i": 0})
    run.finish()
    recorded = runlog.read(run.dir)
    assert recorded.status == "finished" and recorded.history[0]["i"] == 0
