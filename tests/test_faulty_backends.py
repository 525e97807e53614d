"""Broken backends, registered as real plugins, never stop training or the other backends."""

from __future__ import annotations

import json
import logging
import threading

import pytest
import runlog
from _dispatch_helpers import Collector, plugin, steps

FAST_FAIL = {
    "handle_signals": False, "retries": 2, "retry_backoff": 0.01, "block_timeout": 1.0,
    "finish_timeout": 3.0,
}
N = 300


@pytest.fixture
def hang_gate():
    gate = threading.Event()
    yield gate
    gate.set()  # let the hung worker thread end


def _errors(caplog, name):
    return [r for r in caplog.records
            if r.name == "runlog" and r.levelno >= logging.ERROR and repr(name) in r.getMessage()]


def _history(run):
    with open(run.dir / "history.jsonl") as f:
        return [json.loads(line) for line in f]


def test_raising_starting_and_hanging_backends_do_not_stop_the_others(caplog, hang_gate):
    caplog.set_level(logging.WARNING, logger="runlog")
    with plugin(
        "faulty",
        raises=lambda: Collector("raises", fail_write=-1),
        nostart=lambda: Collector("nostart", fail_start=True),
        hangs=lambda: Collector("hangs", gate=hang_gate),
    ):
        run = runlog.init(
            backends=["memory", "files", "raises", "nostart", "hangs"],
            settings={**FAST_FAIL, "queue_size": 100},
        )
        for i in range(N):
            run.log({"loss": 1.0 / (i + 1), "i": i})
        run.finish()

    assert [r["i"] for r in run.backends["memory"].history] == list(range(N))
    assert [r["i"] for r in _history(run)] == list(range(N))
    with open(run.dir / "run.json") as f:
        assert json.load(f)["status"] == "finished"

    stats = run.stats["backends"]
    for name in ("raises", "nostart", "hangs"):
        assert stats[name]["state"] == "disabled", name
        assert len(_errors(caplog, name)) == 1, [r.getMessage() for r in _errors(caplog, name)]
    assert stats["files"]["state"] == "ok" and stats["files"]["rows"] == N
    assert stats["files"]["dropped"] == 0 and stats["files"]["errors"] == 0

    raises = _errors(caplog, "raises")[0].getMessage()
    assert "write failed 3 times" in raises and "disk quota exceeded" in raises
    assert "recorded by: memory, files" in raises and str(run.dir) in raises
    assert stats["raises"]["errors"] == 3 and stats["raises"]["records"] == 0
    assert stats["raises"]["dropped"] == N + 2  # RunStarted, N rows, Finished: none written

    nostart = _errors(caplog, "nostart")[0].getMessage()
    assert "start failed 3 times" in nostart and "cannot reach the tracking server" in nostart
    assert run.backends["nostart"].batches == []

    hangs = _errors(caplog, "hangs")[0].getMessage()
    assert "no progress for 1 s" in hangs
    assert stats["hangs"]["dropped"] > 0 and stats["hangs"]["queued"] == 0


def test_first_failure_is_reported_once_with_its_traceback(caplog):
    caplog.set_level(logging.WARNING, logger="runlog")
    with plugin("flaky", flaky=lambda: Collector("flaky", fail_write=1)):
        run = runlog.init(backends=["memory", "flaky"], settings=FAST_FAIL)
        run.log({"x": 1})
        assert run.flush(5)
        run.log({"x": 2})
        run.finish()
    backend = run.backends["flaky"]
    assert steps(backend.rows) == [0, 1]  # the failed batch was retried, nothing lost
    stats = run.stats["backends"]["flaky"]
    assert stats["state"] == "ok" and stats["errors"] == 1 and stats["dropped"] == 0
    reports = [r for r in caplog.records if r.name == "runlog"]
    assert len(reports) == 1 and reports[0].levelno == logging.WARNING
    assert reports[0].exc_info is not None and reports[0].exc_info[0] is OSError
    assert backend.finished.status == "finished"


def test_strict_turns_backend_errors_into_backend_error():
    with plugin("faulty", raises=lambda: Collector("raises", fail_write=-1)):
        run = runlog.init(backends=["memory", "files", "raises"],
                          settings={**FAST_FAIL, "strict": True})
        run.log({"x": 1})
        with pytest.raises(runlog.BackendError, match="'raises'") as info:
            run.flush(10)
        assert info.value.backend == "raises"
        run.log({"x": 2})
        with pytest.raises(runlog.BackendError, match="disk quota exceeded"):
            run.finish()
    assert run.finished
    assert [r["x"] for r in _history(run)] == [1, 2]  # the others were closed first


def test_a_backend_that_raises_in_flush_and_close_is_isolated(caplog):
    class BadFlush(Collector):
        def flush(self, timeout):
            raise RuntimeError("fsync failed")

    caplog.set_level(logging.WARNING, logger="runlog")
    with plugin("faulty", badflush=lambda: BadFlush("badflush")):
        run = runlog.init(backends=["memory", "badflush"], settings=FAST_FAIL)
        run.log({"x": 1})
        assert run.flush(5) is False  # what badflush wrote was never made durable
        assert "flush failed 3 times" in run.stats["last_flush"]["problems"]["badflush"]
        assert run.flush(5) is True  # nothing logged since: nothing more was lost
        run.log({"x": 2})
        run.finish()
    assert run.stats["backends"]["badflush"]["state"] == "disabled"
    assert "flush failed 3 times" in _errors(caplog, "badflush")[0].getMessage()
    assert [r["x"] for r in run.backends["memory"].history] == [1, 2]
