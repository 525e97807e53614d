"""Faults between a job and a real collector: kill -9, restarts, a collector that is never up,
a wrong token. After the run every row is stored exactly once, in order."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import runlog
from _http_collector import NO_SIGNALS, Collector, free_port, run_cli, wait_for
from runlog.backends.files.reader import FilesRun
from runlog.backends.http import factory
from runlog.server.store import StoredRun
from runlog.typespec.jsonform import record_to_json
from runlog.typespec.records import Row, RunStarted

pytestmark = pytest.mark.slow

JOB = """
import sys, time, runlog
url, run_id, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
run = runlog.init(project="p", id=run_id, backends=[{"http": {"url": url}}],
                  settings={"handle_signals": False, "batch_delay": 0.01}, resume="allow")
for step in range(run.step, n):
    run.log({"x": step})
    time.sleep(0.002)
run.finish()
"""


def steps(run_dir: Path) -> list[int]:
    return [row["_step"] for row in FilesRun(run_dir).history]


def stored_rows(collector: Collector, run_id: str) -> int:
    response = collector.get(f"/v1/runs/p/{run_id}")
    return response.json().get("rows", 0) if response.status_code == 200 else 0


def test_collector_killed_mid_run_and_restarted_keeps_every_row_once(tmp_path: Path) -> None:
    collector = Collector(tmp_path / "D").start()
    try:
        run = runlog.init(project="p", id="k9", settings={**NO_SIGNALS, "batch_delay": 0.01},
                          backends=[{"http": {"url": collector.url, "retry_for": 1}}])
        for step in range(400):
            run.log({"x": step, "img": runlog.Image(np.full((2, 2), step % 256, np.uint8))})
            if step == 100:
                wait_for(lambda: stored_rows(collector, "k9") > 0, what="rows stored")
                collector.kill()
            if step == 250:
                collector.start()
            time.sleep(0.002)
        run.finish()
        run_dir = tmp_path / "D" / "p" / "k9"
        assert steps(run_dir) == list(range(400))
        history = FilesRun(run_dir).history
        assert [h["x"] for h in history] == list(range(400))
        assert history[399]["img"].payload().data == runlog.Image(
            np.full((2, 2), 399 % 256, np.uint8)).payload().data
        assert FilesRun(run_dir).status == "finished"
    finally:
        collector.stop()


def test_a_batch_stored_but_not_acknowledged_is_cut_and_stored_once(tmp_path: Path) -> None:
    """What a kill -9 between writing a batch and acknowledging it leaves behind."""
    run_dir = tmp_path / "p" / "r"
    session = "a" * 32
    started = RunStarted(id="r", project="p", name="r", start_time=1.0)
    batch1 = [record_to_json(started), record_to_json(Row(0, 1.0, 0.0, {("x",): 0}))]
    batch2 = [record_to_json(Row(s, 1.0, 0.0, {("x",): s})) for s in (1, 2)]
    store = StoredRun(run_dir)
    store.create()
    assert store.ingest(session, [(1, batch1)]) == 1
    store.ingest(session, [(2, batch2)])
    store.close()
    ack = (run_dir / "ingest.json").read_bytes()
    # back to the state after batch 1 with batch 2's records already in records.jsonl
    (run_dir / "ingest.json").write_text(json.dumps({"sessions": {session: 1}, "records": 2}))
    assert ack != (run_dir / "ingest.json").read_bytes()

    restarted = StoredRun(run_dir)
    assert restarted.ingest(session, [(1, batch1), (2, batch2)]) == 2  # client re-sends both
    restarted.close()
    assert steps(run_dir) == [0, 1, 2]
    assert len((run_dir / "records.jsonl").read_text().splitlines()) == 4


def test_a_killed_job_leaves_no_gap_and_no_duplicate(tmp_path: Path) -> None:
    with Collector(tmp_path / "D") as collector:
        job = subprocess.Popen([sys.executable, "-c", JOB, collector.url, "job", "100000"],
                               cwd=tmp_path, start_new_session=True)
        try:
            wait_for(lambda: stored_rows(collector, "job") >= 200, what="rows stored")
        finally:
            job.kill()
            job.wait(10)
        # a resuming job first delivers what the killed one spooled, then asks where to go on
        backend = factory({"url": collector.url}, tmp_path / "runlog-runs" / "p" / "job")
        state = backend.existing_run()
        assert state is not None and state.next_step >= 200
        assert steps(tmp_path / "D" / "p" / "job") == list(range(state.next_step))
        assert state.summary.leaves()[("x",)] == state.next_step - 1
        assert not list((tmp_path / "runlog-runs" / ".http-spool").rglob("0*.json"))


def test_a_collector_down_for_the_whole_run_gets_it_through_sync(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    run = runlog.init(project="p", id="down", settings=NO_SIGNALS, backends=[
        {"http": {"url": url, "retry_for": 0.2, "close_timeout": 0.5}}])
    for step in range(50):
        run.log({"x": step, "nested": {"y": step / 2}})
    run.log({"img": runlog.Image(np.zeros((3, 3, 3), np.uint8))})
    run.finish()  # returns although nothing could be delivered
    spool = tmp_path / "runlog-runs" / ".http-spool"
    assert list(spool.rglob("*.json"))

    with Collector(tmp_path / "D", port=port):
        result = run_cli("sync", str(spool))
        assert result.returncode == 0, result.stderr
        assert "p/down" in result.stdout and "delivered" in result.stdout
    assert steps(tmp_path / "D" / "p" / "down") == list(range(51))
    assert FilesRun(tmp_path / "D" / "p" / "down").status == "finished"
    assert not (spool / "p" / "down").exists()


def test_a_wrong_token_is_one_clear_error_and_the_data_stays_spooled(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with Collector(tmp_path / "D", token="right") as collector:
        no_token = collector.get("/v1/runs", headers={})
        assert no_token.status_code == 401
        assert no_token.json()["error"]["code"] == "unauthorized"
        run = runlog.init(project="p", id="tok", settings=NO_SIGNALS, backends=[
            {"http": {"url": collector.url, "token": "wrong"}}])
        with caplog.at_level(logging.WARNING, logger="runlog"):
            for step in range(30):
                run.log({"x": step})
                time.sleep(0.005)
            run.finish()
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1, errors
        assert "refused the token" in errors[0] and "401" in errors[0]
        assert "runlog sync" in errors[0]
        assert not (tmp_path / "D" / "p" / "tok" / "records.jsonl").exists()

        spool = tmp_path / "runlog-runs" / ".http-spool"
        refused = run_cli("sync", str(spool), "--token", "wrong")
        assert refused.returncode == 1 and "401" in refused.stderr
        result = run_cli("sync", str(spool), env={"RUNLOG_HTTP__TOKEN": "right"})
        assert result.returncode == 0, result.stderr
    assert steps(tmp_path / "D" / "p" / "tok") == list(range(30))
