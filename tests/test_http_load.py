"""Many clients at once: 8 jobs x 5 000 rows into one collector, every row stored once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _http_collector import Collector
from runlog.backends.files.reader import FilesRun

pytestmark = pytest.mark.slow

CLIENTS = 8
ROWS = 5000
JOB = """
import sys, runlog
run = runlog.init(project="load", id=sys.argv[2], backends=[{"http": {"url": sys.argv[1]}}],
                  settings={"handle_signals": False})
for step in range(int(sys.argv[3])):
    run.log({"x": step, "y": {"z": step * 0.5}})
run.finish()
"""


def test_eight_concurrent_clients_store_exactly_every_row(tmp_path: Path) -> None:
    with Collector(tmp_path / "D") as collector:
        jobs = [subprocess.Popen([sys.executable, "-c", JOB, collector.url, f"c{i}", str(ROWS)],
                                 cwd=tmp_path, start_new_session=True)
                for i in range(CLIENTS)]
        try:
            codes = [job.wait(120) for job in jobs]
        finally:
            for job in jobs:
                if job.poll() is None:
                    job.kill()
                    job.wait(10)
        assert codes == [0] * CLIENTS
    total = 0
    for i in range(CLIENTS):
        run = FilesRun(tmp_path / "D" / "load" / f"c{i}")
        history = run.history
        assert [row["_step"] for row in history] == list(range(ROWS))
        assert [row["x"] for row in history] == list(range(ROWS))
        assert run.status == "finished"
        total += len(history)
    assert total == CLIENTS * ROWS == 40_000
    assert not list((tmp_path / "runlog-runs" / ".http-spool").rglob("*.json"))
