"""log() from many threads: every row exactly once, in one order on every backend."""

from __future__ import annotations

import itertools
import json
import threading

import pytest
import runlog
from _dispatch_helpers import Collector, plugin

THREADS = 8
CALLS = 10_000


@pytest.mark.slow
def test_eight_threads_log_every_row_once_in_one_order_everywhere():
    with plugin("t", col=lambda: Collector("col")):
        run = runlog.init(backends=["memory", "files", "col"], settings={"handle_signals": False})
        barrier = threading.Barrier(THREADS)
        errors: list[BaseException] = []

        def worker(t: int) -> None:
            try:
                barrier.wait()
                for i in range(CALLS):
                    run.log({"t": t, "i": i})
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        run.finish()

    assert errors == []
    memory = [(r.step, r.values[("t",)], r.values[("i",)]) for r in run.backends["memory"].rows]
    collected = [(r.step, r.values[("t",)], r.values[("i",)]) for r in run.backends["col"].rows]
    with open(run.dir / "history.jsonl") as f:
        on_disk = [(d["_step"], d["t"], d["i"]) for d in map(json.loads, f)]

    assert memory == collected == on_disk  # one order on every backend
    assert [step for step, _, _ in memory] == list(range(THREADS * CALLS))
    assert sorted((t, i) for _, t, i in memory) == [
        (t, i) for t in range(THREADS) for i in range(CALLS)
    ]  # every call exactly once
    for t in range(THREADS):  # each thread's calls keep their order
        assert [i for _, tt, i in memory if tt == t] == list(range(CALLS))
    switches = sum(1 for a, b in itertools.pairwise(memory) if a[1] != b[1])
    assert switches >= THREADS  # the threads really interleaved
    assert (run.summary["t"], run.summary["i"]) == memory[-1][1:]
    assert run.stats["rows"] == THREADS * CALLS
