"""The mlflow backend against a real MLflow sqlite store, read back with ``MlflowClient``."""

from __future__ import annotations

import io
import json
import logging
import math
import sys
import uuid

import numpy as np
import pytest
import runlog
from _mlflow_helpers import (
    artifact_paths,
    history,
    mlflow_env,  # noqa: F401 - autouse fixture
    the_run,
)
from mlflow import MlflowClient
from PIL import Image as PILImage
from runlog.typespec.errors import UsageError

SETTINGS = {"handle_signals": False}


@pytest.fixture(scope="session")
def db_uri(tmp_path_factory):
    """One sqlite store for the session (its migrations take seconds); a project per test."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow-sqlite') / 'mlflow.db'}"


@pytest.fixture
def project():
    return f"p{uuid.uuid4().hex[:10]}"


def start(db_uri, project, **kwargs):
    return runlog.init(project=project, backends=["memory", f"mlflow:tracking_uri={db_uri}"],
                       settings=SETTINGS, **kwargs)


def download(client, run_id, path, tmp_path) -> bytes:
    local = client.download_artifacts(run_id, path, str(tmp_path / uuid.uuid4().hex))
    with open(local, "rb") as f:
        return f.read()


def test_metric_history_values_steps_timestamps_nan_inf(db_uri, project):
    run = start(db_uri, project)
    values = [0.5, float("nan"), float("inf"), -float("inf"), 3, True]
    for v in values:
        run.log({"train/loss": v, "acc": 0.25})
    run.log({"acc": 0.75}, step=10)
    mem = run.backends["memory"].history
    run.finish()

    client = MlflowClient(db_uri)
    mlrun = the_run(client, project, run.id)
    loss = history(client, mlrun.info.run_id, "train/loss")
    assert [s for s, _, _ in loss] == [0, 1, 2, 3, 4, 5]
    got = [v for _, v, _ in loss]
    assert got[0] == 0.5 and math.isnan(got[1]) and got[4:] == [3.0, 1.0]
    # the sqlite store clamps ±inf to ±float max (documented)
    assert got[2] == sys.float_info.max and got[3] == -sys.float_info.max
    assert [t for _, _, t in loss] == [int(r["_timestamp"] * 1000) for r in mem[:6]]
    acc = history(client, mlrun.info.run_id, "acc")
    assert [(s, v) for s, v, _ in acc] == [(i, 0.25) for i in range(6)] + [(10, 0.75)]
    assert mlrun.data.metrics["acc"] == 0.75
    assert mlrun.info.status == "FINISHED"
    assert mlrun.data.tags["runlog.step"] == "10"


def test_run_metadata_params_and_tags(db_uri, project, caplog, tmp_path):
    config = {"lr": 0.1, "opt": {"name": "adam", "betas": [0.9, 0.99], "wd": None},
              "arch": "x" * 7000, "flag": True}
    run = start(db_uri, project, name="first try", config=config, tags=["baseline", "v2"],
                notes="a note", group="sweep-1", job_type="train")
    run.log({"a": 1})
    with caplog.at_level(logging.WARNING, "runlog.backends.mlflow"):
        run.config.update({"lr": 0.2}, allow_val_change=True)
        run.log({"a": 2})
        run.config.update({"lr": 0.3}, allow_val_change=True)
        run.finish()

    client = MlflowClient(db_uri)
    mlrun = the_run(client, project, run.id)
    params = mlrun.data.params
    assert params["lr"] == "0.1" and params["flag"] == "true"
    assert params["opt.name"] == "adam" and params["opt.betas"] == "[0.9, 0.99]"
    assert params["opt.wd"] == "null"
    assert "runlog/params/arch.json" in params["arch"]
    long_value = download(client, mlrun.info.run_id, "runlog/params/arch.json", tmp_path)
    assert json.loads(long_value) == "x" * 7000
    tags = mlrun.data.tags
    assert tags["runlog.config/lr"] == "0.3"
    changed = [r for r in caplog.records if "params cannot change" in r.getMessage()]
    assert len(changed) == 1
    assert tags["mlflow.runName"] == "first try" and mlrun.info.run_name == "first try"
    assert tags["mlflow.note.content"] == "a note"
    assert tags["runlog.group"] == "sweep-1" and tags["runlog.job_type"] == "train"
    assert json.loads(tags["runlog.tags"]) == ["baseline", "v2"]
    assert tags["baseline"] == "true"
    assert tags["runlog.run_id"] == run.id
    assert tags["mlflow.user"] and tags["mlflow.source.name"]
    config_json = json.loads(download(client, mlrun.info.run_id, "runlog/config.json",
                                      tmp_path))
    assert config_json["lr"] == 0.3 and config_json["opt"]["name"] == "adam"


@pytest.mark.parametrize(("exit_code", "preempt", "status"),
                         [(1, False, "FAILED"), (0, True, "KILLED")])
def test_status_from_runlog_status(db_uri, project, exit_code, preempt, status):
    run = start(db_uri, project)
    run.log({"a": 1})
    if preempt:
        run.mark_preempting()
    run.finish(exit_code=exit_code)
    mlrun = the_run(MlflowClient(db_uri), project, run.id)
    assert mlrun.info.status == status
    assert mlrun.info.end_time is not None


def test_images_use_mlflows_step_image_layout_with_equal_pixels(db_uri, project, tmp_path):
    rng = np.random.default_rng(0)
    first = rng.integers(0, 256, (12, 20, 3), dtype=np.uint8)
    pair = [rng.integers(0, 256, (6, 6, 3), dtype=np.uint8) for _ in range(2)]
    run = start(db_uri, project)
    run.log({"samples/pred": runlog.Image(first)}, step=3)
    run.log({"grid": [runlog.Image(p) for p in pair]}, step=4)
    run.finish()

    client = MlflowClient(db_uri)
    mlrun = the_run(client, project, run.id)
    rid = mlrun.info.run_id
    assert mlrun.data.tags["mlflow.loggedImages"] == "True"
    files = artifact_paths(client, rid, "images")
    pngs = sorted(f for f in files if f.endswith(".png"))
    webps = [f for f in files if f.endswith("+compressed.webp")]
    assert len(pngs) == 3 and len(webps) == 3
    pred = next(f for f in pngs if f.startswith("images/samples~pred+step+3+timestamp+"))
    pixels = np.asarray(PILImage.open(io.BytesIO(download(client, rid, pred, tmp_path))))
    assert np.array_equal(pixels, first)
    grid = sorted(np.asarray(PILImage.open(io.BytesIO(download(client, rid, f, tmp_path))))
                  .tobytes() for f in pngs if f.startswith("images/grid+step+4+"))
    assert grid == sorted(p.tobytes() for p in pair)


def test_tables_in_mlflow_table_json(db_uri, project, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", db_uri)  # load_table searches the default store
    run = start(db_uri, project)
    run.log({"preds": runlog.Table(columns=["id", "label", "score"],
                                   data=[[1, "cat", 0.5], [2, "dog", float("nan")]])})
    run.finish()
    client = MlflowClient(db_uri)
    mlrun = the_run(client, project, run.id)
    assert json.loads(mlrun.data.tags["mlflow.loggedArtifacts"]) == [
        {"path": "tables/preds/0.json", "type": "table"}]
    frame = client.load_table(mlrun.info.experiment_id, "tables/preds/0.json",
                              run_ids=[mlrun.info.run_id])
    assert list(frame.columns) == ["id", "label", "score"]
    assert frame["label"].tolist() == ["cat", "dog"]
    assert frame["score"].tolist()[0] == 0.5 and math.isnan(frame["score"].tolist()[1])


def test_histograms_and_other_media_are_artifacts(db_uri, project, tmp_path):
    run = start(db_uri, project)
    hist = runlog.Histogram(np_histogram=([1, 0, 3], [0.0, 1.0, 2.0, 4.0]))
    run.log({"w": hist, "page": runlog.Html("<b>hi</b>"),
             "notes": runlog.File(b"abc", name="n.txt"), "caption": "some text",
             "pts": [1, 2, 3]}, step=2)
    run.finish()
    client = MlflowClient(db_uri)
    mlrun = the_run(client, project, run.id)
    rid = mlrun.info.run_id
    assert json.loads(download(client, rid, "histograms/w/2.json", tmp_path)) == {
        "values": [1, 0, 3], "bins": [0.0, 1.0, 2.0, 4.0]}
    assert history(client, rid, "w/min")[0][:2] == (2, 0.0)
    assert history(client, rid, "w/max")[0][:2] == (2, 4.0)
    assert history(client, rid, "w/mean")[0][1] == pytest.approx((0.5 + 3 * 3.0) / 4)
    assert b"<b>hi</b>" in download(client, rid, "html/page/2.html", tmp_path)
    assert download(client, rid, "files/notes/2.txt", tmp_path) == b"abc"
    assert download(client, rid, "text/caption/2.txt", tmp_path) == b"some text"
    assert json.loads(download(client, rid, "text/pts/2.json", tmp_path)) == [1, 2, 3]


def test_keys_are_sanitized_collision_free_and_mapped_back(db_uri, project, tmp_path):
    run = start(db_uri, project)
    run.log({"a/b": 1.0, "a": {"b": 2.0}, "loss (val)": 3.0, "ü": 4.0, "x:y": 5.0})
    run.finish()
    client = MlflowClient(db_uri)
    mlrun = the_run(client, project, run.id)
    metrics = mlrun.data.metrics
    assert metrics["a/b"] == 1.0 and metrics["a/b 2"] == 2.0
    assert metrics["loss _val_"] == 3.0 and metrics["_"] == 4.0 and metrics["x_y"] == 5.0
    keys = json.loads(download(client, mlrun.info.run_id, "runlog/keys.json", tmp_path))
    back = {k: tuple(v["path"]) for k, v in keys["metrics"].items()}
    assert back == {"a/b 2": ("a", "b"), "loss _val_": ("loss (val)",), "_": ("ü",),
                    "x_y": ("x:y",)}


def test_define_metric_step_metrics_set_the_mlflow_step(db_uri, project, caplog):
    run = start(db_uri, project)
    run.define_metric("val/*", step_metric="epoch")
    run.define_metric("lr", step_metric="frac")
    for epoch in range(3):
        run.log({"val/acc": epoch / 10, "epoch": epoch * 100, "frac": epoch + 0.5, "lr": 1.0})
    with caplog.at_level(logging.WARNING, "runlog.backends.mlflow"):
        run.finish()
    said = [r for r in caplog.records if "not a whole number" in r.getMessage()]
    assert len(said) == 1
    client = MlflowClient(db_uri)
    rid = the_run(client, project, run.id).info.run_id
    assert [s for s, _, _ in history(client, rid, "val/acc")] == [0, 100, 200]
    # 0.5, 1.5, 2.5 are no MLflow steps: plotted at _step, said once
    assert [s for s, _, _ in history(client, rid, "lr")] == [0, 1, 2]
    assert [s for s, _, _ in history(client, rid, "epoch")] == [0, 1, 2]


def test_summary_values_mlflow_cannot_show_become_summary_metrics(db_uri, project, tmp_path):
    run = start(db_uri, project)
    run.define_metric("loss", summary="min")
    for v in (3.0, 1.0, 2.0):
        run.log({"loss": v, "acc": v / 10})
    run.summary["best_epoch"] = 7
    run.finish()
    client = MlflowClient(db_uri)
    mlrun = the_run(client, project, run.id)
    metrics = mlrun.data.metrics
    assert metrics["summary/loss/min"] == 1.0
    assert metrics["summary/best_epoch"] == 7.0
    assert "summary/acc" not in metrics  # MLflow's latest acc is the summary already
    saved = json.loads(download(client, mlrun.info.run_id, "runlog/summary.json", tmp_path))
    assert [["loss", "min"], 1.0] in saved and [["best_epoch"], 7] in saved


def test_default_tracking_uri_is_a_sqlite_file_in_the_run_root(tmp_path):
    run = runlog.init(project="proj", dir=tmp_path / "root", backends=["mlflow"],
                      settings=SETTINGS)
    run.log({"x": 1.0})
    run.finish()
    client = MlflowClient(f"sqlite:///{tmp_path / 'root' / 'mlflow.db'}")
    mlrun = the_run(client, "proj", run.id)
    assert mlrun.data.metrics == {"x": 1.0}
    assert (tmp_path / "root" / "mlartifacts").is_dir()


def test_mlflow_tracking_uri_variable_is_used(db_uri, project, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", db_uri)
    run = runlog.init(project=project, backends=["mlflow"], settings=SETTINGS)
    run.log({"x": 2.0})
    run.finish()
    assert the_run(MlflowClient(db_uri), project, run.id).data.metrics == {"x": 2.0}


@pytest.mark.parametrize("entry", ["mlflow:trackinguri=x", "mlflow:retry_timeout=-1",
                                   {"mlflow": {"experiment": 3}}])
def test_bad_options_are_usage_errors(entry):
    with pytest.raises(UsageError, match=r"mlflow backend: .*(trackinguri|retry_timeout|"
                                         r"experiment)"):
        runlog.init(backends=[entry], settings=SETTINGS)


def test_saved_files_are_artifacts_at_their_names(db_uri, project, tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "model.yaml").write_text("depth: 4\n")
    run = start(db_uri, project)
    assert run.save(str(tmp_path / "conf" / "*.yaml"), base_path=str(tmp_path)) == [
        "conf/model.yaml"]
    run.finish()
    client = MlflowClient(db_uri)
    rid = the_run(client, project, run.id).info.run_id
    assert download(client, rid, "conf/model.yaml", tmp_path) == b"depth: 4\n"


def test_stale_rows_kept_by_policy_reach_mlflow(db_uri, project):
    run = runlog.init(project=project, backends=[f"mlflow:tracking_uri={db_uri}"],
                      settings={**SETTINGS, "on_stale_step": "keep"})
    run.log({"x": 1.0}, step=5)
    run.log({"x": 0.5}, step=2)  # behind the current step: kept, as the policy says
    run.finish()
    client = MlflowClient(db_uri)
    rid = the_run(client, project, run.id).info.run_id
    assert [(s, v) for s, v, _ in history(client, rid, "x")] == [(2, 0.5), (5, 1.0)]
