"""``runlog import mlflow``: runs written through MLflow's own API into a real sqlite store come
back with metric histories (values, steps, timestamps, NaN), params, tags, status and artifacts."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
import runlog
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient
from runlog import UsageError
from runlog.migrate import import_mlflow

T0 = 1_700_000_000_000  # ms


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A sqlite store with one finished and one failed run, written by MLflow's client."""
    tmp_path = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri)
    # an explicit artifact root: the default is ./mlruns, wherever the test process runs
    exp = client.create_experiment("exp", artifact_location=(tmp_path / "artifacts").as_uri())
    run = client.create_run(exp, run_name="first", start_time=T0,
                            tags={"team": "vision", "mlflow.note.content": "hello"})
    rid = run.info.run_id
    client.log_batch(rid, metrics=[
        Metric(key, value, T0 + 1000 * step, step)
        for step in range(5)
        for key, value in (("loss", 1.0 / (step + 1)), ("acc", step / 10))
    ], params=[])
    client.log_batch(rid, metrics=[Metric("nan_metric", math.nan, T0 + 5000, 5)])
    client.log_param(rid, "lr", "0.1")
    client.log_param(rid, "arch", "resnet")
    artifact = tmp_path / "weights.bin"
    artifact.write_bytes(bytes(range(256)))
    client.log_artifact(rid, str(artifact), "ckpt")
    client.set_terminated(rid, "FINISHED", end_time=T0 + 9000)
    failed = client.create_run(exp, run_name="second", start_time=T0 + 10_000)
    client.log_metric(failed.info.run_id, "loss", 9.0, T0 + 11_000, 0)
    client.set_terminated(failed.info.run_id, "FAILED", end_time=T0 + 12_000)
    return uri, rid, failed.info.run_id


def test_mlflow_run_round_trip(store, tmp_path):
    uri, rid, _ = store

    (report,) = import_mlflow(uri, tmp_path / "runs", run_id=rid)

    back = runlog.read(report.run_dir)
    meta = back.metadata
    assert report.run_dir == tmp_path / "runs" / "exp" / rid
    assert (meta["name"], meta["tags"], meta["notes"]) == ("first", ["team=vision"], "hello")
    assert meta["origin"] == {"tool": "mlflow", "tracking_uri": uri, "experiment": "exp",
                              "run_id": rid}
    assert back.config == {"lr": 0.1, "arch": "resnet"}
    rows = back.history
    assert [r["_step"] for r in rows] == [0, 1, 2, 3, 4, 5]
    assert [r["_timestamp"] for r in rows] == [(T0 + 1000 * s) / 1000 for s in range(6)]
    assert [r["loss"] for r in rows[:5]] == [1.0 / (s + 1) for s in range(5)]
    assert [r["acc"] for r in rows[:5]] == [s / 10 for s in range(5)]
    assert math.isnan(rows[5]["nan_metric"])
    assert meta["start_time"] == T0 / 1000 and meta["end_time"] == (T0 + 9000) / 1000
    assert back.status == "finished"
    assert back.files["ckpt/weights.bin"].read_bytes() == bytes(range(256))


def test_every_run_of_an_experiment_with_its_status(store, tmp_path):
    uri, rid, failed = store

    reports = import_mlflow(uri, tmp_path / "runs", experiment="exp", project="moved")

    by_id = {r.run_dir.name: runlog.read(r.run_dir) for r in reports}
    assert set(by_id) == {rid, failed}
    assert by_id[failed].status == "failed"
    assert by_id[failed].history[0]["loss"] == 9.0
    assert all(r.run_dir.parent.name == "moved" for r in reports)


def test_unknown_experiment_is_a_clear_error(store, tmp_path):
    uri, _, _ = store
    with pytest.raises(UsageError, match="no MLflow experiment named 'nope'"):
        import_mlflow(uri, tmp_path / "runs", experiment="nope")


def test_cli(store, tmp_path):
    uri, rid, _ = store
    out = subprocess.run(
        [sys.executable, "-m", "runlog._cli", "import", "mlflow", "--tracking-uri", uri,
         "--run-id", rid, "--dir", str(tmp_path / "runs")],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert f"imported 6 rows into {tmp_path / 'runs' / 'exp' / rid}" in out.stdout
