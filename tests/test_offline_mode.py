"""mode="offline": network backends send nothing during the run; ``runlog sync`` delivers it
afterwards. Against the real collector and a real ``mlflow server``."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest
import runlog
from _http_collector import NO_SIGNALS, Collector, run_cli
from _mlflow_helpers import (
    MlflowServer,
    free_port,
    history,
    mlflow_env,  # noqa: F401 - autouse fixture
)
from _mlflow_helpers import the_run as find_run
from runlog.backends.files.reader import FilesRun

pytestmark = pytest.mark.slow


def test_offline_http_spools_and_sync_delivers(tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    with Collector(tmp_path / "D") as collector:
        with caplog.at_level(logging.WARNING, logger="runlog"):
            run = runlog.init(project="p", id="off", mode="offline", settings=NO_SIGNALS,
                              backends=[{"http": {"url": collector.url}}])
            for step in range(20):
                run.log({"x": step})
            assert run.flush(timeout=5)  # the spool is where offline data goes
            run.finish()
        assert not (tmp_path / "D" / "p" / "off").exists()  # the collector got nothing
        assert "off" not in collector.get("/v1/runs").text
        said = [r.getMessage() for r in caplog.records if "offline" in r.getMessage()]
        assert len(said) == 1 and "runlog sync" in said[0]

        spool = tmp_path / "runlog-runs" / ".http-spool"
        result = run_cli("sync", str(spool))
        assert result.returncode == 0, result.stderr
        assert "p/off" in result.stdout
    delivered = FilesRun(tmp_path / "D" / "p" / "off")
    assert [row["x"] for row in delivered.history] == list(range(20))
    assert delivered.status == "finished"


def test_offline_mlflow_server_is_not_contacted_and_sync_delivers(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()  # the server is not even started while the run is offline
    url = f"http://127.0.0.1:{port}"
    project = f"off{uuid.uuid4().hex[:8]}"
    with caplog.at_level(logging.WARNING, logger="runlog"):
        run = runlog.init(project=project, mode="offline", settings=NO_SIGNALS,
                          backends=[f"mlflow:tracking_uri={url}"])
        assert set(run.backends) == {"files"}
        for step in range(5):
            run.log({"loss": 1.0 / (step + 1)})
        run.finish()
    said = [r.getMessage() for r in caplog.records if "offline" in r.getMessage()]
    assert len(said) == 1 and f"runlog sync {run.dir} --to mlflow:tracking_uri={url}" in said[0]

    server = MlflowServer(f"sqlite:///{tmp_path / 'mlflow.db'}", tmp_path / "artifacts",
                          port=port).start()
    try:
        result = run_cli("sync", str(run.dir), "--to", f"mlflow:tracking_uri={url}")
        assert result.returncode == 0, result.stderr
        from mlflow import MlflowClient

        client = MlflowClient(url)
        mlrun = find_run(client, project, run.id)
        assert [(s, v) for s, v, _ in history(client, mlrun.info.run_id, "loss")] == [
            (s, 1.0 / (s + 1)) for s in range(5)]
    finally:
        server.stop()


def test_offline_with_a_local_mlflow_store_writes_it(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'local.db'}"
    run = runlog.init(project="p", mode="offline", settings=NO_SIGNALS,
                      backends=[f"mlflow:tracking_uri={db}"])
    assert set(run.backends) == {"mlflow"}  # a local store is not a network backend
    run.log({"loss": 0.5})
    run.finish()
    from mlflow import MlflowClient

    client = MlflowClient(db)
    mlrun = find_run(client, "p", run.id)
    assert [v for _, v, _ in history(client, mlrun.info.run_id, "loss")] == [0.5]
