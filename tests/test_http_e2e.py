"""A run sent through the http backend to a real collector arrives as the memory backend saw it."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import runlog
from _http_collector import NO_SIGNALS, Collector, run_cli
from runlog.backends.files.reader import FilesRun
from runlog.typespec.jsonform import dumps, record_to_json, value_to_json

pytestmark = pytest.mark.slow


def _json(records):
    return [dumps(record_to_json(r)) for r in records]


def _same(tree):
    """Comparable text of a history or summary (media with their bytes; NaN equal to NaN)."""
    return dumps(value_to_json(tree))


def _log_everything(run):
    run.config.update({"batch": 32})
    run.define_metric("loss", summary="min")
    for step in range(5):
        run.log({"loss": 1.0 / (step + 1), "train": {"acc": step / 10, "deep": {"x": step}},
                 "nan": math.nan, "inf": -math.inf}, step=step)
    with pytest.warns(runlog.StaleStepWarning):
        run.log({"late": 1}, step=2)  # a stale step
    img = runlog.Image(np.arange(48, dtype=np.uint8).reshape(4, 4, 3), caption="pic")
    table = runlog.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]])
    run.log({"img": img, "tab": table, "imgs": [img, img]}, step=6)
    run.summary["best"] = {"acc": 0.5}
    Path("model.txt").write_text("weights")
    run.save("model.txt")


def test_a_run_arrives_identical_to_the_memory_backend(tmp_path: Path) -> None:
    with Collector(tmp_path / "D") as collector:
        run = runlog.init(project="p", id="e2e", config={"lr": 0.1, "net": {"depth": 4}},
                          backends=["memory", f"http:url={collector.url}"], settings=NO_SIGNALS)
        _log_everything(run)
        memory = run.backends["memory"]
        run.finish()

        stored = FilesRun(tmp_path / "D" / "p" / "e2e")
        assert _json(stored.records()) == _json(memory.records)
        assert _json(stored.records())[-1].startswith('{"v":1,"type":"finished"')
        assert _same(stored.history) == _same(memory.history)
        assert _same(stored.summary) == _same(memory.summary)
        assert stored.config == memory.config == {"lr": 0.1, "net": {"depth": 4}, "batch": 32}
        assert [s["step"] for s in stored.stale] == [2]
        assert stored.files["model.txt"].read_text() == "weights"
        sent = memory.history[-1]["img"].payload().data
        assert stored.history[-1]["img"].payload().data == sent
        assert stored.history[-1]["tab"].payload().data == memory.history[-1]["tab"].payload(
        ).data

        remote = runlog.read(f"{collector.url}/p/e2e")
        assert remote.status == "finished"
        assert remote.config == memory.config
        assert _same(remote.history) == _same(memory.history)
        assert _same(remote.summary) == _same(memory.summary)
        assert remote.history[-1]["img"].payload().data == sent
        assert (tmp_path / "runlog-runs" / ".http-spool").is_dir()  # the spool was used
        assert not (tmp_path / "runlog-runs" / ".http-spool" / "p").exists()  # all delivered

    listing = run_cli("ls", "--dir", str(tmp_path / "D"))
    assert listing.returncode == 0 and "e2e" in listing.stdout and "finished" in listing.stdout
    shown = run_cli("show", "p/e2e", "--dir", str(tmp_path / "D"))
    assert shown.returncode == 0 and "loss" in shown.stdout, shown.stderr
    exported = run_cli("export", "p/e2e", "--dir", str(tmp_path / "D"), "--format", "jsonl")
    assert exported.returncode == 0, exported.stderr
    assert [line.count('"_step"') for line in exported.stdout.splitlines()] == [1] * 6


def test_read_endpoints_page_filter_and_list(tmp_path: Path) -> None:
    with Collector(tmp_path / "D") as collector:
        run = runlog.init(project="p", id="pages", settings=NO_SIGNALS,
                          backends=[{"http": {"url": collector.url}}])
        for step in range(2500):
            run.log({"x": step, "train": {"acc": step / 2500, "loss": -step}})
        run.finish()

        page = collector.get("/v1/runs/p/pages/history", params={
            "offset": 1000, "limit": 1000, "keys": "train/acc"}).json()
        assert [row["_step"] for row in page["rows"]] == list(range(1000, 2000))
        assert set(page["rows"][0]) == {"_step", "_runtime", "_timestamp", "train"}
        assert page["rows"][0]["train"] == {"acc": 0.4}
        assert page["next_offset"] == 2000

        remote = runlog.read(f"{collector.url}/p/pages")
        assert [row["x"] for row in remote.history] == list(range(2500))  # three pages
        only = list(remote.iter_history(keys=["x"]))
        assert len(only) == 2500 and "train" not in only[0]
        assert remote.summary["train"] == {"acc": 2499 / 2500, "loss": -2499}
        assert list(remote.to_pandas()["train/loss"])[-1] == -2499
        runs = collector.get("/v1/runs").json()["runs"]
        assert [(r["project"], r["id"], r["status"], r["rows"]) for r in runs] == [
            ("p", "pages", "finished", 2500)]
        bad = collector.get("/v1/runs/p/pages/history", params={"limit": "-1"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_query"
