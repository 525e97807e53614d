"""The mlflow backend against a real ``mlflow server`` (sqlite and PostgreSQL 15 behind it), a
PostgreSQL store used directly, and a server killed and restarted in the middle of a run."""

from __future__ import annotations

import logging
import math
import signal
import time
import uuid

import numpy as np
import pytest
import runlog
from _mlflow_helpers import (
    MlflowServer,
    PostgresCluster,
    artifact_paths,
    free_port,
    history,
    mlflow_env,  # noqa: F401 - autouse fixture
)
from _mlflow_helpers import the_run as find_run
from mlflow import MlflowClient
from PIL import Image as PILImage

pytestmark = pytest.mark.slow
SETTINGS = {"handle_signals": False}


@pytest.fixture(scope="session")
def sqlite_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("mlflow-server")
    server = MlflowServer(f"sqlite:///{root / 'mlflow.db'}", root / "artifacts").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def postgres_server(postgres, tmp_path_factory):
    root = tmp_path_factory.mktemp("mlflow-pg-server")
    server = MlflowServer(postgres.uri, root / "artifacts").start()
    yield server
    server.stop()


def _full_run(uri: str, project: str) -> tuple[runlog.Run, np.ndarray, list]:
    pixels = np.random.default_rng(1).integers(0, 256, (10, 14, 3), dtype=np.uint8)
    run = runlog.init(project=project, backends=["memory", f"mlflow:tracking_uri={uri}"],
                      config={"lr": 0.01, "model": {"depth": 4}}, notes="server run",
                      settings=SETTINGS)
    for step in range(1200):  # more than one log_batch request's 1000 metrics per key
        run.log({"loss": 1.0 / (step + 1), "nan": float("nan") if step == 7 else 0.0})
    run.log({"sample": runlog.Image(pixels)})
    rows = run.backends["memory"].history
    run.finish()
    return run, pixels, rows


@pytest.mark.parametrize("store", ["sqlite_server", "postgres_server"])
def test_a_server_holds_the_run_artifacts_through_its_proxy(store, request, tmp_path):
    server = request.getfixturevalue(store)
    project = f"srv{uuid.uuid4().hex[:8]}"
    run, pixels, rows = _full_run(server.url, project)

    client = MlflowClient(server.url)
    mlrun = find_run(client, project, run.id)
    rid = mlrun.info.run_id
    assert mlrun.info.status == "FINISHED"
    assert mlrun.info.artifact_uri.startswith("mlflow-artifacts:")
    loss = history(client, rid, "loss")
    assert [(s, v) for s, v, _ in loss] == [(s, 1.0 / (s + 1)) for s in range(1200)]
    assert [t for _, _, t in loss] == [int(r["_timestamp"] * 1000) for r in rows[:1200]]
    nan = history(client, rid, "nan")
    assert len(nan) == 1200 and math.isnan(nan[7][1]) and nan[8][1] == 0.0
    assert mlrun.data.params == {"lr": "0.01", "model.depth": "4"}
    assert mlrun.data.tags["mlflow.note.content"] == "server run"
    png = next(p for p in artifact_paths(client, rid, "images") if p.endswith(".png"))
    local = client.download_artifacts(rid, png, str(tmp_path))
    assert np.array_equal(np.asarray(PILImage.open(local)), pixels)


def test_a_postgresql_store_used_directly(postgres, tmp_path):
    project = f"pg{uuid.uuid4().hex[:8]}"
    art = (tmp_path / "art").as_uri()
    run = runlog.init(project=project, settings=SETTINGS, backends=[
        {"mlflow": {"tracking_uri": postgres.uri, "artifact_location": art}}])
    for step in range(50):
        run.log({"x": float(step), "y": -float("inf")})
    run.finish()
    client = MlflowClient(postgres.uri)
    mlrun = find_run(client, project, run.id)
    assert [(s, v) for s, v, _ in history(client, mlrun.info.run_id, "x")] == [
        (s, float(s)) for s in range(50)]
    assert history(client, mlrun.info.run_id, "y")[0][1] < -1e300
    assert "runlog/config.json" in artifact_paths(client, mlrun.info.run_id)


@pytest.mark.parametrize("in_flight", [False, True], ids=["idle", "mid-request"])
def test_a_server_killed_and_restarted_mid_run_gets_every_point_once(sqlite_server, caplog,
                                                                     in_flight):
    server = sqlite_server  # restarted on the same port and store, so the session keeps it
    project = f"fault{uuid.uuid4().hex[:8]}"
    run = runlog.init(project=project, backends=[f"mlflow:tracking_uri={server.url}"],
                      settings={**SETTINGS, "batch_delay": 0.02})
    total, logged_while_down = 600, 0
    caplog.set_level(logging.WARNING, "runlog.backends.mlflow")
    try:
        for step in range(total):
            run.log({"a": float(step), "b": step * 2.0})
            if step == 200:
                if not in_flight:  # else the worker is likely sending when the server dies
                    run.flush()
                server.stop(signal.SIGKILL)
            if 200 < step < 400:
                logged_while_down += 1
                time.sleep(0.005)
            if step == 400:
                server.start()
        run.finish()
    finally:
        if server.proc is None:
            server.start()
    assert logged_while_down == 199
    said = [r.getMessage() for r in caplog.records]
    if not in_flight:  # mid-request, MLflow's own HTTP retries may bridge the outage unseen
        assert any("cannot reach" in m for m in said)
        assert any("reachable again" in m for m in said)
    assert run.stats["backends"]["mlflow"]["state"] == "ok"
    client = MlflowClient(server.url)
    rid = find_run(client, project, run.id).info.run_id
    for key, scale in (("a", 1.0), ("b", 2.0)):
        points = history(client, rid, key)
        assert [(s, v) for s, v, _ in points] == [(s, s * scale) for s in range(total)]


def test_loss_is_reported_when_the_store_never_comes_back(caplog):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with caplog.at_level(logging.WARNING, "runlog"):
        run = runlog.init(project="gone", backends=[
            {"mlflow": {"tracking_uri": url, "retry_timeout": 1}}], settings=SETTINGS)
    # the health probe answered "down" at once (not MLflow's own retries, which take minutes)
    told = [r.getMessage() for r in caplog.records if "cannot tell whether run" in r.getMessage()]
    assert len(told) == 1 and "ServerDown" in told[0] and url in told[0]
    caplog.clear()
    for step in range(20):
        run.log({"x": float(step)})
    assert run.flush() is False  # not delivered, and the backend is still live
    assert run.stats["backends"]["mlflow"]["state"] != "disabled"
    with caplog.at_level(logging.WARNING, "runlog.backends.mlflow"):
        run.finish()
    lost = [r for r in caplog.records if "NOT delivered" in r.getMessage()]
    assert len(lost) == 1
    message = lost[0].getMessage()
    assert "20 metric points (steps 0–19)" in message and url in message
