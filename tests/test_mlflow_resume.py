"""Resuming runs through the mlflow backend: ``existing_run()`` and ``resume="allow"``."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import runlog
from _mlflow_helpers import (
    history,
    mlflow_env,  # noqa: F401 - autouse fixture
    the_run,
)
from mlflow import MlflowClient
from runlog.backends import capabilities_of
from runlog.backends.mlflow import factory

SETTINGS = {"handle_signals": False}


@pytest.fixture(scope="module")
def db_uri(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow-resume') / 'mlflow.db'}"


def _backend(db_uri, tmp_path, project, run_id):
    return factory({"tracking_uri": db_uri}, tmp_path / "root" / project / run_id)


def test_the_backend_declares_resume():
    caps = capabilities_of(factory({"tracking_uri": "sqlite:///x.db"}, Path("r", "p", "id")))
    assert caps.resume and "image" in caps.kinds and "plot" not in caps.kinds


def test_existing_run_reports_step_summary_and_config(db_uri, tmp_path):
    project = f"r{uuid.uuid4().hex[:8]}"
    run = runlog.init(project=project, backends=[f"mlflow:tracking_uri={db_uri}"],
                      config={"lr": 0.1, "opt": {"name": "sgd"}}, settings=SETTINGS)
    for step in range(5):
        run.log({"loss": 10.0 - step, "val": {"acc": step / 10}})
    run.summary["best"] = 3
    run.finish()

    state = _backend(db_uri, tmp_path, project, run.id).existing_run()
    assert state.next_step == 5
    assert state.config == {"lr": 0.1, "opt": {"name": "sgd"}}
    leaves = state.summary.leaves()
    assert leaves[("loss",)] == 6.0 and leaves[("val", "acc")] == 0.4 and leaves[("best",)] == 3
    assert _backend(db_uri, tmp_path, project, "no-such-run").existing_run() is None


def test_existing_run_of_a_run_that_did_not_finish_uses_its_metrics(db_uri, tmp_path):
    project = f"r{uuid.uuid4().hex[:8]}"
    run = runlog.init(project=project, backends=[f"mlflow:tracking_uri={db_uri}"],
                      settings=SETTINGS)
    for step in range(3):
        run.log({"loss": float(step)})
    assert run.flush()
    state = _backend(db_uri, tmp_path, project, run.id).existing_run()
    assert state.next_step == 3
    assert state.summary.leaves()[("loss",)] == 2.0
    run.finish()


def _log_twice(db_uri, project, backends):
    run_id = f"resume-{uuid.uuid4().hex[:6]}"
    first = runlog.init(project=project, id=run_id, backends=backends, settings=SETTINGS)
    for step in range(5):
        first.log({"loss": float(step)})
    first.finish()
    second = runlog.init(project=project, id=run_id, resume="allow", backends=backends,
                         settings=SETTINGS)
    for _ in range(3):
        second.log({"loss": -1.0})
    next_step = second.step
    second.finish()
    return run_id, next_step


def test_resume_with_files_and_mlflow_continues_the_same_mlflow_run(db_uri):
    project = f"r{uuid.uuid4().hex[:8]}"
    run_id, next_step = _log_twice(db_uri, project, ["files", f"mlflow:tracking_uri={db_uri}"])
    assert next_step == 8
    client = MlflowClient(db_uri)
    mlrun = the_run(client, project, run_id)
    assert [(s, v) for s, v, _ in history(client, mlrun.info.run_id, "loss")] == [
        (s, float(s)) for s in range(5)] + [(s, -1.0) for s in range(5, 8)]
    assert mlrun.info.status == "FINISHED"


def test_resume_with_only_mlflow_selected(db_uri):
    project = f"r{uuid.uuid4().hex[:8]}"
    run_id, next_step = _log_twice(db_uri, project, [f"mlflow:tracking_uri={db_uri}"])
    client = MlflowClient(db_uri)
    mlrun = the_run(client, project, run_id)
    assert [(s, v) for s, v, _ in history(client, mlrun.info.run_id, "loss")] == [
        (s, float(s)) for s in range(5)] + [(s, -1.0) for s in range(5, 8)]
    assert next_step == 8
    assert mlrun.info.status == "FINISHED"
