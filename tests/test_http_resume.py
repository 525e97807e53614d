"""A job on the http backend alone, killed and started again with ``resume="allow"``: the
collector ends up with every step exactly once (the facade asks the http backend, the only
one selected, where the run stands)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _http_collector import Collector, wait_for
from runlog.backends.files import FilesRun

pytestmark = pytest.mark.slow

ROWS = 3000
JOB = """
import sys, time, runlog
run = runlog.init(project="p", id="job", backends=[{"http": {"url": sys.argv[1]}}],
                  settings={"handle_signals": False}, resume="allow")
for step in range(run.step, int(sys.argv[2])):
    run.log({"x": step})
    time.sleep(0.001)
run.finish()
"""


def test_a_killed_job_resumed_with_only_http_has_every_row_once(tmp_path: Path) -> None:
    with Collector(tmp_path / "D") as collector:
        first = subprocess.Popen([sys.executable, "-c", JOB, collector.url, str(ROWS)],
                                 cwd=tmp_path, start_new_session=True)
        try:
            wait_for(lambda: collector.get("/v1/runs/p/job").status_code == 200
                     and collector.get("/v1/runs/p/job").json().get("rows", 0) >= 300,
                     what="rows stored")
        finally:
            first.kill()
            first.wait(10)
        again = subprocess.run([sys.executable, "-c", JOB, collector.url, str(ROWS)],
                               cwd=tmp_path, timeout=120, capture_output=True, text=True)
        assert again.returncode == 0, again.stderr
    history = FilesRun(tmp_path / "D" / "p" / "job").history
    assert [row["_step"] for row in history] == list(range(ROWS))
    assert [row["x"] for row in history] == list(range(ROWS))
