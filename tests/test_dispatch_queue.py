"""Queues, batches, back-pressure policies, flush barriers and run.stats."""

from __future__ import annotations

import logging
import threading
import time

import pytest
import runlog
from _dispatch_helpers import Collector, plugin, steps
from runlog.typespec.records import Finished, Row, RunStarted, StaleRow

QUIET = {"handle_signals": False}


@pytest.fixture
def gate():
    gate = threading.Event()
    yield gate
    gate.set()


def test_every_record_reaches_a_worker_backend_in_log_order_between_start_and_close():
    with plugin("t", col=lambda: Collector("col")):
        run = runlog.init(backends=["memory", "col"], settings=QUIET, config={"lr": 0.1})
        run.config["bs"] = 32
        for i in range(50):
            run.log({"i": i}, step=i * 2)
        run.finish()
    col = run.backends["col"]
    assert col.started.id == run.id
    records = col.records
    assert type(records[0]) is RunStarted and type(records[-1]) is Finished
    assert records == run.backends["memory"].records
    assert steps(col.rows) == [i * 2 for i in range(50)]
    assert col.finished.status == "finished" and col.flushes >= 1
    assert {t for t in col.threads} == {"runlog-col"}  # start and write ran on the worker


def test_flush_is_a_barrier_for_everything_logged_before_it():
    with plugin("t", slow=lambda: Collector("slow", delay=0.02)):
        run = runlog.init(backends=["slow"], settings={**QUIET, "batch_size": 10})
        for i in range(100):
            run.log({"i": i})
        assert run.flush(30) is True
        assert steps(run.backends["slow"].rows) == list(range(100))
        assert run.stats["backends"]["slow"]["queued"] == 0
        run.finish()


def test_flush_returns_false_when_the_timeout_passes_first(gate):
    with plugin("t", gated=lambda: Collector("gated", gate=gate)):
        run = runlog.init(backends=["memory", "gated"], settings=QUIET)
        run.log({"x": 1})
        assert run.flush(0.2) is False
        assert run.stats["backends"]["gated"]["queued"] >= 1
        assert run.stats["backends"]["gated"]["state"] == "ok"
        gate.set()
        assert run.flush(30) is True
        assert steps(run.backends["gated"].rows) == [0]
        run.finish()


def test_records_are_coalesced_into_batches_of_at_most_batch_size():
    with plugin("t", col=lambda: Collector("col")):
        run = runlog.init(backends=["col"],
                          settings={**QUIET, "batch_size": 64, "batch_delay": 30})
        for i in range(1000):
            run.log({"i": i})
        run.flush(30)  # the long delay never passes: full batches and the flush wake it
        sizes = [len(b) for b in run.backends["col"].batches]
        run.finish()
    assert sum(sizes) == 1001 and max(sizes) == 64
    assert len(sizes) < 1001 / 8  # coalesced, not one write per record


def test_a_backend_may_set_its_own_batch_size():
    with plugin("t", col=lambda: Collector("col", batch_size=5)):
        run = runlog.init(backends=["col"], settings={**QUIET, "batch_delay": 30})
        for i in range(100):
            run.log({"i": i})
        run.finish()
    assert max(len(b) for b in run.backends["col"].batches) == 5


def test_drop_oldest_never_waits_counts_drops_and_warns_once(gate, caplog):
    caplog.set_level(logging.WARNING, logger="runlog")
    with plugin("t", gated=lambda: Collector("gated", gate=gate)):
        run = runlog.init(backends=["memory", "gated"], settings={
            **QUIET, "queue_size": 10, "queue_policy": "drop_oldest", "batch_size": 1,
        })
        for i in range(200):
            run.log({"i": i})
        stats = run.stats["backends"]["gated"]
        assert stats["dropped"] > 0 and stats["queued"] <= 11 and stats["state"] == "ok"
        gate.set()
        run.finish()
    stats = run.stats["backends"]["gated"]
    got = steps(run.backends["gated"].rows)
    assert len(got) >= 8 and got == list(range(200 - len(got), 200))  # the newest survive
    records = run.backends["gated"].records  # only rows are dropped, never run records
    assert type(records[0]) is RunStarted and type(records[-1]) is Finished
    assert stats["records"] + stats["dropped"] == 202  # RunStarted + 200 rows + Finished
    assert len(run.backends["memory"].history) == 200  # inline memory is never dropped
    warnings = [r for r in caplog.records if "oldest records are being dropped" in r.getMessage()]
    assert len(warnings) == 1


def test_block_waits_for_space_and_loses_nothing_from_a_slow_backend():
    with plugin("t", slow=lambda: Collector("slow", delay=0.01)):
        run = runlog.init(backends=["slow"], settings={
            **QUIET, "queue_size": 5, "batch_size": 2, "block_timeout": 30,
        })
        for i in range(60):
            run.log({"i": i})
        run.finish()
    stats = run.stats["backends"]["slow"]
    assert steps(run.backends["slow"].rows) == list(range(60))
    assert stats["dropped"] == 0 and stats["state"] == "ok"


def test_block_disables_a_backend_that_makes_no_progress(gate, caplog):
    caplog.set_level(logging.WARNING, logger="runlog")
    with plugin("t", gated=lambda: Collector("gated", gate=gate)):
        run = runlog.init(backends=["memory", "gated"], settings={
            **QUIET, "queue_size": 5, "block_timeout": 0.3,
        })
        for i in range(50):
            run.log({"i": i})
        stats = run.stats["backends"]["gated"]
        assert stats["state"] == "disabled" and stats["queued"] == 0
        assert stats["dropped"] == 51 and stats["records"] == 0
        assert "made no progress for 0.3 s" in stats["error"]
        run.finish()
    assert len(run.backends["memory"].history) == 50


def test_finish_gives_up_on_a_backend_after_finish_timeout(gate, caplog):
    caplog.set_level(logging.WARNING, logger="runlog")
    with plugin("t", gated=lambda: Collector("gated", gate=gate)):
        run = runlog.init(backends=["files", "gated"], settings={
            **QUIET, "finish_timeout": 0.3, "block_timeout": 30,
        })
        run.log({"i": 1})
        run.finish()
    assert "finish_timeout=0.3 s" in run.stats["backends"]["gated"]["error"]
    assert run.stats["backends"]["files"]["rows"] == 1
    assert (run.dir / "history.jsonl").read_text().count("\n") == 1


@pytest.mark.parametrize("policy", ["warn", "keep"])
def test_stale_rows_reach_only_backends_declaring_stale_rows_with_their_policy(policy):
    with plugin("t", keeper=lambda: Collector("keeper", stale_rows=True),
                ordered=lambda: Collector("ordered")):
        run = runlog.init(backends=["memory", "keeper", "ordered", "tb"],
                          settings={**QUIET, "on_stale_step": policy})
        run.log({"a": 1}, step=5)
        with pytest.warns(runlog.StaleStepWarning) if policy == "warn" else _nothing():
            run.log({"a": 2}, step=3)
        run.finish()

    def stale(name):
        return [(r.step, r.current_step, r.policy) for r in run.backends[name].records
                if type(r) is StaleRow]

    assert stale("memory") == stale("keeper") == [(3, 5, policy)]
    assert stale("ordered") == []
    assert steps(run.backends["ordered"].rows) == [5]
    # tb renders a stale row only under "keep": read back with TensorBoard's own reader
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run.dir))
    acc.Reload()
    assert sorted((e.step, e.value) for e in acc.Scalars("a")) == (
        [(3, 2.0), (5, 1.0)] if policy == "keep" else [(5, 1.0)])


def test_stats_keys_and_counts():
    with plugin("t", col=lambda: Collector("col")):
        run = runlog.init(backends=["memory", "files", "col"], settings=QUIET)
        for i in range(10):
            run.log({"i": i})
        run.flush(30)
        stats = run.stats
        run.finish()
    keys = {"state", "rows", "records", "bytes", "queued", "dropped", "errors", "skipped",
            "flush_lag_s", "error"}
    assert set(stats["backends"]) == {"memory", "files", "col"}
    for name, s in stats["backends"].items():
        assert set(s) == keys, name
        assert (s["state"], s["rows"], s["records"], s["queued"], s["dropped"], s["errors"]) == (
            "ok", 10, 11, 0, 0, 0), name
        assert s["flush_lag_s"] == 0.0
    assert stats["backends"]["files"]["bytes"] > 0  # the files backend counts what it wrote
    assert stats["backends"]["col"]["bytes"] is None  # unknown for a backend that does not


def test_flush_lag_grows_while_a_backend_is_behind(gate):
    with plugin("t", gated=lambda: Collector("gated", gate=gate)):
        run = runlog.init(backends=["gated"], settings=QUIET)
        run.log({"x": 1})
        assert run.flush(0.3) is False
        assert run.stats["backends"]["gated"]["flush_lag_s"] >= 0.3
        gate.set()
        run.finish()
    assert run.stats["backends"]["gated"]["flush_lag_s"] == 0.0


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_rows_reach_backends_as_rows():
    with plugin("t", col=lambda: Collector("col")):
        run = runlog.init(backends=["col"], settings=QUIET)
        run.log({"a": {"b": 1.5}})
        run.finish()
    (row,) = run.backends["col"].rows
    assert type(row) is Row and row.values[("a", "b")] == 1.5


class Stuck(Collector):
    """Hangs in its first ``write`` until the gate opens; ``entered`` says it is there."""

    def __init__(self, name: str, gate: threading.Event) -> None:
        super().__init__(name, gate=gate)
        self.entered = threading.Event()

    def write(self, records):
        self.entered.set()
        super().write(records)


def test_one_log_call_waits_at_most_block_timeout_for_all_stalled_backends(caplog):
    """Three stalled backends, one full queue each: one call waits one block_timeout in all,
    not one per backend (it holds the run lock meanwhile)."""
    caplog.set_level(logging.WARNING, logger="runlog")
    gates = [threading.Event() for _ in range(3)]
    names = ["g0", "g1", "g2"]
    try:
        with plugin("t", **{n: (lambda g=g, n=n: Stuck(n, g)) for n, g in zip(names, gates)}):
            run = runlog.init(backends=["memory", *names], settings={
                **QUIET, "queue_size": 2, "batch_size": 1, "block_timeout": 0.5,
            })
            assert all(run.backends[n].entered.wait(30) for n in names)  # RunStarted in flight
            for i in range(2):  # the queues fill up
                run.log({"i": i})
            began = time.monotonic()
            run.log({"i": 2})
            waited = time.monotonic() - began
            stats = run.stats["backends"]
    finally:
        for gate in gates:
            gate.set()
    run.finish()
    assert 0.5 <= waited < 1.2, waited  # one block_timeout; three would be >= 1.5 s
    assert stats["g0"]["state"] == "disabled"  # stalled for the whole block_timeout
    assert [stats[n]["state"] for n in names[1:]] == ["ok", "ok"]  # not proven stalled yet
    assert [stats[n]["dropped"] for n in names[1:]] == [1, 1]  # this call's row, counted
    assert len(run.backends["memory"].history) == 3
    assert sum("waited block_timeout=0.5 s for other backends" in r.getMessage()
               for r in caplog.records) == 2


def test_flush_is_false_after_a_backend_was_disabled_and_lost_data(gate):
    with plugin("t", gated=lambda: Collector("gated", gate=gate)):
        run = runlog.init(backends=["memory", "gated"], settings={
            **QUIET, "queue_size": 5, "block_timeout": 0.3,
        })
        assert run.stats["last_flush"] is None
        for i in range(20):
            run.log({"i": i})
        assert run.stats["backends"]["gated"]["state"] == "disabled"
        assert run.flush(5) is False
        problem = run.stats["last_flush"]["problems"]["gated"]
        assert problem.startswith("lost 21 records since the last flush (disabled: it made no")
        assert run.flush(5) is True  # nothing logged since the last flush: nothing more lost
        assert run.stats["last_flush"] == {"ok": True, "problems": {}}
        run.log({"i": 20})
        assert run.flush(5) is False  # the disabled backend loses every new record
        assert run.stats["last_flush"]["problems"]["gated"].startswith("lost 1 records")
        run.finish()
    assert len(run.backends["memory"].history) == 21
