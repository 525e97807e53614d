"""A record and its queued size stay paired when the worker takes a batch between the two
appends of ``put`` (a thread switch forced after almost every bytecode makes that likely)."""

from __future__ import annotations

import sys

import runlog


class Counter:
    """A backend that counts what it is given."""

    name = "counter"

    def __init__(self) -> None:
        self.records = 0

    def start(self, run) -> None:
        pass

    def write(self, records) -> None:
        self.records += len(records)

    def flush(self, timeout=None) -> bool:
        return True

    def close(self, finished) -> None:
        pass


def test_every_record_arrives_under_constant_thread_switching(tmp_path):
    backend = Counter()
    rows = 50_000
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        run = runlog.init(project="p", dir=tmp_path, backends=[backend],
                          settings={"handle_signals": False, "system_metrics": False,
                                    "batch_size": 7, "block_timeout": 5})
        for step in range(rows):
            run.log({"x": step})
        run.finish()
    finally:
        sys.setswitchinterval(before)
    assert run.stats["backends"]["counter"]["state"] == "ok"
    assert backend.records == rows + 2  # RunStarted, the rows, Finished
