"""Artifacts as a user logs them (``runlog.Artifact``, ``run.log_artifact``, ``use_artifact``),
found again in a later run and seen in TensorBoard, MLflow and through the collector; alerts
and ``run.log_code``."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

import pytest
import runlog
from _http_collector import NO_SIGNALS, Collector, run_cli
from runlog.backends.files import FilesRun, find_artifact
from runlog.typespec.records import ArtifactLogged
from test_tb_support import read, texts

SETTINGS = {"handle_signals": False}


def init(**kwargs):
    return runlog.init(project="p", settings=SETTINGS, **kwargs)


def checkpoint(path: str, seed: int) -> bytes:
    data = bytes((i * seed + 7) % 256 for i in range(50_000))
    Path(path).write_bytes(data)
    return data


def train_and_log(data_seed: int, aliases=None, backends=None):
    """A run that saves a checkpoint the wandb way; returns (run, checkpoint bytes)."""
    run = init(**({"backends": backends} if backends else {}))
    weights = checkpoint("model.pt", data_seed)
    art = runlog.Artifact("resnet", type="model", metadata={"epochs": 3, "lr": 0.1})
    art.add_file("model.pt")
    run.log_artifact(art, aliases=aliases)
    run.finish()
    return run, weights


# -- files: the checkpoint round trip ---------------------------------------------------------
def test_a_checkpoint_is_found_again_by_a_later_run_byte_for_byte():
    _, weights = train_and_log(3, aliases=["best"])
    os.remove("model.pt")

    later = init()
    used = later.use_artifact("resnet:latest")
    path = used.file()
    assert Path(path).read_bytes() == weights
    assert Path(path) == Path("artifacts", "resnet:v0", "model.pt")
    assert used.name == "resnet:v0" and used.version == "v0" and used.type == "model"
    assert used.metadata == {"epochs": 3, "lr": 0.1}
    assert set(used.aliases) == {"latest", "best"}
    assert Path(later.use_artifact("resnet:best").file(root="b")).read_bytes() == weights
    assert Path(runlog.use_artifact("resnet:v0").download("c")) == Path("c")
    assert Path("c", "model.pt").read_bytes() == weights
    later.finish()


def test_versions_follow_the_content_and_aliases_move():
    _, w0 = train_and_log(3, aliases=["best"])
    again, _ = train_and_log(3)  # same bytes: same version, no new one
    _, w1 = train_and_log(5)
    run = init()
    assert run.use_artifact("resnet:latest").version == "v1"
    assert Path(run.use_artifact("resnet:latest").file("l")).read_bytes() == w1
    assert run.use_artifact("resnet:best").version == "v0"  # an alias stays where it was put
    assert Path(run.use_artifact("resnet:v0").file("v")).read_bytes() == w0
    assert run.use_artifact("resnet").version == "v1"
    # in one run, two contents logged back to back get two versions at once
    for seed in (11, 13):
        art = runlog.Artifact("resnet", type="model")
        checkpoint("m.pt", seed)
        art.add_file("m.pt")
        run.log_artifact(art)
    run.finish()
    logged = [a["version"] for a in FilesRun(run.dir).artifacts]
    assert logged == [2, 3]
    assert init().use_artifact("resnet:latest").version == "v3"
    assert [a["version"] for a in FilesRun(again.dir).artifacts] == [0]


def test_dirs_new_files_and_references_and_the_manifest(tmp_path):
    Path("data/train").mkdir(parents=True)
    Path("data/train/a.csv").write_text("x,y\n1,2\n")
    Path("data/labels.txt").write_text("cat\ndog\n")
    run = init()
    art = runlog.Artifact("dataset", type="dataset", description="toy data")
    assert art.add_dir("data", name="raw") == ["raw/labels.txt", "raw/train/a.csv"]
    with art.new_file("stats.json") as f:
        json.dump({"rows": 1}, f)
    with art.new_file("blob.bin", mode="wb") as f:
        f.write(b"\x00\x01")
    art.add_reference("s3://bucket/huge/shard-0.tar")
    run.log_artifact(art)
    run.finish()

    out = init().use_artifact("dataset:latest").download(tmp_path / "dl")
    got = sorted(p.relative_to(out).as_posix() for p in Path(out).rglob("*") if p.is_file())
    assert got == ["blob.bin", "raw/labels.txt", "raw/train/a.csv", "stats.json"]
    assert json.loads(Path(out, "stats.json").read_text()) == {"rows": 1}
    stored = find_artifact(run.dir.parent, "dataset:v0")
    assert stored.entries["shard-0.tar"] == {"uri": "s3://bucket/huge/shard-0.tar"}
    assert stored.description == "toy data"
    manifest = json.loads((run.dir / "artifacts/dataset/v0/manifest.json").read_text())
    assert manifest["entries"]["raw/labels.txt"]["path"].startswith("media/")
    assert (run.dir / manifest["entries"]["raw/labels.txt"]["path"]).read_text() == "cat\ndog\n"


def test_log_artifact_of_a_path_and_the_same_content_under_one_digest():
    checkpoint("w.bin", 2)
    run = init(backends=["memory"])
    run.log_artifact("w.bin", type="weights")
    run.log_artifact("w.bin", name="w-copy", type="weights")
    records = run.backends["memory"].artifacts
    run.finish()
    assert [(r.name, r.artifact_type, r.version) for r in records] == [
        ("w.bin", "weights", 0), ("w-copy", "weights", 0)]
    assert records[0].digest == records[1].digest
    assert records[0].entries["w.bin"].data == Path("w.bin").read_bytes()
    assert records[0].aliases == ("latest",)


def test_add_file_takes_wandbs_policy_and_reads_the_file_now():
    """Lightning's WandbLogger passes ``policy=``; either policy keeps the bytes of the time
    of adding."""
    art = runlog.Artifact("ckpt", type="model")
    for policy in ("mutable", "immutable"):
        Path(f"{policy}.ckpt").write_bytes(policy.encode())
        art.add_file(f"{policy}.ckpt", policy=policy)
        Path(f"{policy}.ckpt").write_bytes(b"changed later")
    run = init(backends=["memory"])
    run.log_artifact(art)
    [record] = run.backends["memory"].artifacts
    assert {name: e.data for name, e in record.entries.items()} == {
        "mutable.ckpt": b"mutable", "immutable.ckpt": b"immutable"}
    with pytest.raises(runlog.UsageError, match=r"policy 'copy' \(str\) is not accepted: "
                                                "'mutable' or 'immutable'"):
        art.add_file("mutable.ckpt", policy="copy")
    run.finish()


def test_bad_artifact_input_is_a_clear_error():
    with pytest.raises(runlog.DataError, match=r"name 'my model' \(str\) is not accepted"):
        runlog.Artifact("my model", type="model")
    art = runlog.Artifact("m", type="model")
    with pytest.raises(runlog.UsageError, match=r"'nope\.pt' is not a file"):
        art.add_file("nope.pt")
    with pytest.raises(runlog.DataError, match=r"'\.\./x' must be a relative path"):
        art.add_reference("s3://b/k", name="../x")
    with pytest.raises(runlog.DataError, match="a URI like"):
        art.add_reference(3)
    run = init(backends=["memory"])
    with pytest.raises(runlog.UsageError, match="artifact 'm' is empty"):
        run.log_artifact(art)
    with pytest.raises(runlog.DataError, match=r"is not accepted: a runlog\.Artifact"):
        run.log_artifact(42)
    with pytest.raises(runlog.UsageError, match="no artifact named 'ghost'"):
        run.use_artifact("ghost:latest")
    with pytest.raises(runlog.DataError, match="alias 'v2' is a version name"):
        Path("f.txt").write_text("x")
        run.log_artifact("f.txt", aliases=["v2"])
    run.finish()


def test_an_unknown_alias_names_what_exists():
    train_and_log(3, aliases=["best"])
    run = init()
    with pytest.raises(runlog.UsageError, match="no version or alias 'prod'; it has: best, "
                                                 "latest, v0"):
        run.use_artifact("resnet:prod")
    with pytest.raises(runlog.UsageError, match="has 2 files; file\\(\\) is for"):
        art = runlog.Artifact("two", type="data")
        with art.new_file("a.txt") as f:
            f.write("a")
        with art.new_file("b.txt") as f:
            f.write("b")
        run.log_artifact(art)
        run.flush()
        run.use_artifact("two").file()
    run.finish()


# -- other backends ---------------------------------------------------------------------------
def test_tensorboard_shows_the_artifact_and_the_alert():
    run = init(backends=["tb"])
    checkpoint("model.pt", 3)
    art = runlog.Artifact("resnet", type="model")
    art.add_file("model.pt")
    art.add_reference("https://example.org/vocab.txt")
    run.log({"loss": 1.0}, step=4, commit=True)
    run.log_artifact(art, aliases=["best"])
    run.alert("loss exploded", "loss is NaN at step 4", runlog.AlertLevel.ERROR)
    digest = art.digest
    run.finish()
    acc = read(run.dir)
    [(step, note)] = texts(acc, "runlog_/artifact/resnet")
    assert step == 4
    assert "**artifact resnet:v0** (type `model`)" in note
    assert "aliases: latest, best" in note and digest in note
    sha = art.entries["model.pt"].payload().sha256
    assert f"| model.pt | 50000 | {sha} |" in note
    assert "| vocab.txt | reference | https://example.org/vocab.txt |" in note
    assert texts(acc, "runlog_/alerts") == [(4, "**[ERROR] loss exploded**\n\nloss is NaN at "
                                                "step 4")]


@pytest.mark.slow
def test_the_collector_stores_the_artifact_and_its_blobs(tmp_path):
    with Collector(tmp_path / "D") as collector:
        run = runlog.init(project="p", backends=[f"http:url={collector.url}"],
                          settings=NO_SIGNALS)
        weights = checkpoint("model.pt", 9)
        art = runlog.Artifact("resnet", type="model")
        art.add_file("model.pt")
        run.log_artifact(art, aliases=["best"])
        run.alert("done", "training finished", "INFO")
        run.finish()
        stored = find_artifact(tmp_path / "D" / "p", "resnet:best")
        assert stored.version == 0 and stored.read("model.pt") == weights
        assert FilesRun(tmp_path / "D" / "p" / run.id).alerts[0]["title"] == "done"


def test_mlflow_gets_the_files_under_artifacts_and_a_tag(tmp_path, monkeypatch):
    from mlflow import MlflowClient

    monkeypatch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    db = f"sqlite:///{tmp_path / 'mlflow.db'}"
    run = init(backends=[f"mlflow:tracking_uri={db}"])
    weights = checkpoint("model.pt", 4)
    art = runlog.Artifact("resnet", type="model")
    art.add_file("model.pt")
    run.log_artifact(art, aliases=["best"])
    run.finish()
    client = MlflowClient(db)
    [mlrun] = client.search_runs([client.get_experiment_by_name("p").experiment_id])
    local = client.download_artifacts(mlrun.info.run_id, "artifacts/resnet/v0/model.pt",
                                      str(tmp_path / "dl"))
    assert Path(local).read_bytes() == weights
    tag = json.loads(mlrun.data.tags["runlog.artifact.resnet"])
    assert tag == {"version": 0, "type": "model", "aliases": ["latest", "best"],
                   "digest": art.digest, "references": {}}


# -- alerts -----------------------------------------------------------------------------------
def test_alerts_are_recorded_and_shown_by_the_cli():
    run = init(backends=["files", "memory"])
    runlog.alert(title="Low accuracy", text="acc 0.1 < 0.5", level=runlog.AlertLevel.WARN,
                 wait_duration=datetime.timedelta(minutes=5))
    run.alert("Done", "all good")
    kept = run.backends["memory"].alerts
    run.finish()
    assert [(a.title, a.level, a.wait_duration) for a in kept] == [
        ("Low accuracy", "WARN", 300.0), ("Done", "INFO", None)]
    assert [a["text"] for a in runlog.read(run.dir).alerts] == ["acc 0.1 < 0.5", "all good"]
    shown = run_cli("show", str(run.dir))
    assert shown.returncode == 0, shown.stderr
    assert "alerts" in shown.stdout and "Low accuracy" in shown.stdout
    assert "WARN" in shown.stdout and "all good" in shown.stdout


def test_bad_alert_input_is_a_clear_error():
    run = init(backends=["memory"])
    with pytest.raises(runlog.DataError, match=r"level 'LOUD' \(str\) is not accepted: "
                                               "AlertLevel.INFO, WARN or ERROR"):
        run.alert("t", "x", level="LOUD")
    with pytest.raises(runlog.DataError, match=r"title must be a str, got 3 \(int\)"):
        run.alert(3, "x")
    with pytest.raises(runlog.DataError, match="wait_duration 'soon'"):
        run.alert("t", "x", wait_duration="soon")
    run.finish()
    assert run.backends["memory"].alerts == []


# -- log_code ---------------------------------------------------------------------------------
def test_log_code_saves_the_source_files_under_code():
    for name, text in {"train.py": "print(1)\n", "pkg/model.py": "X = 1\n",
                       "pkg/notes.txt": "n\n", ".venv/lib/site.py": "", "pkg/__pycache__/m.py": ""
                       }.items():
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text(text)
    run = init()
    assert run.log_code() == ["code/pkg/model.py", "code/train.py"]
    assert run.log_code(".", name="configs",
                        include_fn=lambda path: path.endswith(".txt")) == ["configs/pkg/notes.txt"]
    assert run.log_code(exclude_fn=lambda path, root: path.endswith("train.py"),
                        name="src") == ["src/pkg/model.py"]
    run.finish()
    files = runlog.read(run.dir).files
    assert files["code/pkg/model.py"].read_text() == "X = 1\n"
    assert files["code/train.py"].read_text() == "print(1)\n"
    assert not any("site.py" in name or "__pycache__" in name for name in files)


# -- safety -----------------------------------------------------------------------------------
def test_a_changed_blob_or_a_hostile_name_is_refused(tmp_path):
    _, weights = train_and_log(3)
    stored = find_artifact(Path("runlog-runs", "p"), "resnet:v0")
    blob = stored.run_dir / stored.entries["model.pt"]["path"]
    blob.chmod(0o644)
    blob.write_bytes(weights[:-1] + b"!")
    with pytest.raises(runlog.DataError, match="content does not match its sha256"):
        init().use_artifact("resnet:v0").download(tmp_path / "out")
    assert not (tmp_path / "out" / "model.pt").exists()

    from runlog.backends.files import FilesBackend

    backend = FilesBackend(tmp_path / "proj" / "r1", flush_interval=0)
    backend.start(None)
    hostile = ArtifactLogged(name="../../escape", artifact_type="model", digest="0" * 64,
                             entries={"a": runlog.File(b"x", name="a")}, timestamp=0.0)
    with pytest.raises(runlog.DataError, match=r"name '\.\./\.\./escape' \(str\) is not "
                                               "accepted"):
        backend.write([hostile])
    backend.close(None)
    assert not (tmp_path / "escape").exists() and not (tmp_path / "proj" / "escape").exists()
