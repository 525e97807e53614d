"""A quick thread-safety smoke test: 4 threads x 1000 logs on the memory backend."""

from __future__ import annotations

import itertools
import sys
import threading

import pytest
import runlog

THREADS = 4
CALLS = 1000


@pytest.fixture
def _frequent_thread_switches():
    """Switch threads every 10 µs so that the calls really interleave."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("_frequent_thread_switches")
def test_every_row_exactly_once_from_four_threads():
    run = runlog.init(backends=["memory"], settings={"handle_signals": False})
    start = threading.Barrier(THREADS)
    errors = []

    def worker(thread):
        try:
            start.wait(timeout=10)
            for i in range(CALLS):
                run.log({"thread": thread, "i": i, "nested": {"t": thread}})
                if i % 100 == 0:
                    run.summary[f"mark{thread}"] = i
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    run.finish()

    history = run.backends["memory"].history
    assert len(history) == THREADS * CALLS
    assert [row["_step"] for row in history] == list(range(THREADS * CALLS))
    seen = sorted((row["thread"], row["i"]) for row in history)
    assert seen == [(t, i) for t in range(THREADS) for i in range(CALLS)]
    assert all(row["nested"] == {"t": row["thread"]} for row in history)
    for thread in range(THREADS):  # each thread's calls keep their own order
        mine = [row["i"] for row in history if row["thread"] == thread]
        assert mine == list(range(CALLS))
    switches = sum(a["thread"] != b["thread"] for a, b in itertools.pairwise(history))
    assert switches > THREADS - 1  # more than one after another: the calls interleaved
    assert run.step == THREADS * CALLS
    assert run.stats["rows"] == THREADS * CALLS
    assert {run.summary[f"mark{t}"] for t in range(THREADS)} == {900}
