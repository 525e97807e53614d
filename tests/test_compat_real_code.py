"""Public code written for wandb (tests/wandb_real/, each file naming its source), run with
``runlog.compat.install_wandb()`` in place and otherwise unchanged; the runs it records are
read back from the files backend."""

from __future__ import annotations

import runpy
import shutil
import sys
from pathlib import Path

import pytest
import runlog
from _compat_helpers import stand_in

SCRIPTS = Path(__file__).parent / "wandb_real"


@pytest.fixture
def wandb(monkeypatch):
    yield from stand_in(monkeypatch)


def recorded_runs() -> set[Path]:
    return {p for p in Path("runlog-runs").glob("*/*") if p.is_dir()}


def run_main(monkeypatch, name: str, *argv: str) -> dict:
    """Copy ``wandb_real/<name>`` to the working directory and run it there as ``__main__``."""
    shutil.copy(SCRIPTS / name, name)
    monkeypatch.setattr(sys, "argv", [name, *argv])
    return runpy.run_path(name, run_name="__main__")


def run_script(monkeypatch, name: str, *argv: str) -> list:
    """Run ``wandb_real/<name>`` as ``__main__`` from the working directory, as its users run
    it; finish its run as wandb does at exit; return the runs it recorded (read from the files
    backend), oldest first."""
    before = recorded_runs()
    run_main(monkeypatch, name, *argv)
    runlog.finish()
    new = [runlog.read(path) for path in recorded_runs() - before]
    return sorted(new, key=lambda run: run.metadata["start_time"])


def media_kind(value) -> str:
    return type(value).__name__


def test_nanogpt_train_py(wandb, monkeypatch):
    (run,) = run_script(monkeypatch, "nanogpt_train.py")
    assert (run.project, run.name) == ("owt", "gpt2")
    assert run.config["learning_rate"] == 6e-4 and run.config["wandb_log"] is True
    assert [row["iter"] for row in run.history] == [0, 2, 4, 6]
    assert [row["train/loss"] for row in run.history] == pytest.approx(
        [4.0 / (i + 1) for i in (0, 2, 4, 6)], rel=1e-6)
    assert run.summary["mfu"] == -100.0
    assert run.status == "finished"


def test_examples_metrics_at_different_steps(wandb, monkeypatch):
    (run,) = run_script(monkeypatch, "examples_metrics_at_different_steps.py",
                        "--max_epochs=25", "--validate_every=10")
    assert run.config == {"max_epochs": 25, "validate_every": 10, "learning_rate": 0.01}
    assert [row["_step"] for row in run.history] == list(range(25))
    assert all("loss" in row and "acc" in row for row in run.history)
    assert [row["_step"] for row in run.history if "val_acc" in row] == [0, 10, 20]


def test_examples_group_and_resume_train(wandb, monkeypatch):
    (run,) = run_script(monkeypatch, "examples_group_train.py", "--group_id=exp-7",
                        "--worker_index=3")
    assert run.metadata["group"] == "exp-7" and run.metadata["job_type"] == "train"
    assert run.config["job_type"] == "training" and run.config["worker_index"] == 3
    assert [row["epoch"] for row in run.history] == list(range(50))
    assert all(0 < row["train/acc"] < 1 for row in run.history)


def test_examples_resume_train(wandb, monkeypatch):
    monkeypatch.setenv("WANDB_RUN_ID", "myrun1")
    (first,) = run_script(monkeypatch, "examples_resume_train.py")
    monkeypatch.setenv("WANDB_RESUME", "allow")
    assert run_script(monkeypatch, "examples_resume_train.py") == []  # the same run, resumed
    resumed = runlog.read(f"{first.project}/myrun1")
    assert [row["_step"] for row in resumed.history] == list(range(20))
    assert all(0 < row["acc"] < 1 for row in resumed.history)
    # The script's docstring resumes with --start_epoch=10; the resumed run's config holds
    # start_epoch=0, so config.update(args) refuses the change, as wandb 0.31 does.
    from wandb.sdk.lib.config_util import ConfigError

    with pytest.raises(ConfigError, match="config key 'start_epoch' is already 0; refusing"):
        run_script(monkeypatch, "examples_resume_train.py", "--start_epoch=10")
    runlog.finish()
    assert len(runlog.read(f"{first.project}/myrun1").history) == 20


def test_examples_numpy_housing(wandb, monkeypatch):
    (run,) = run_script(monkeypatch, "examples_numpy_housing.py")
    assert run.project == "numpy-housing-demo"
    assert run.config == {"lr": 0.000001, "epochs": 1}
    assert len(run.history) == 200 and all(row["Loss"] >= 0 for row in run.history)
    assert (run.files["weights.npy"].read_bytes() == Path("weights.npy").read_bytes())


def test_examples_matplotlib(wandb, monkeypatch):
    (run,) = run_script(monkeypatch, "examples_matplotlib.py")
    (row,) = run.history
    assert media_kind(row["scatter-with-histos"]) in ("Image", "Html")


def test_examples_plotly(wandb, monkeypatch):
    (run,) = run_script(monkeypatch, "examples_plotly.py")
    (row,) = run.history
    assert media_kind(row["contour"]) == media_kind(row["scatter"]) == "Html"
    assert media_kind(row["mpl"]) in ("Image", "Html")


def test_examples_scikit_iris(wandb, monkeypatch):
    (run,) = run_script(monkeypatch, "examples_scikit_iris.py")
    assert run.config == {"gamma": 0.1, "C": 1.0, "test_size": 0.3, "seed": 0}
    first, second = run.history
    assert first["Train Accuracy"] > 0.9 and first["Test Accuracy"] > 0.9
    assert media_kind(second["Data"]) in ("Image", "Html")


def test_cleanrl_ppo_init(wandb, monkeypatch):
    """cleanrl's init call (sync_tensorboard, monitor_gym, save_code) and its TensorBoard
    writer: the writer's scalars become the run's rows."""
    with pytest.warns(UserWarning, match="monitor_gym=True records nothing"):
        (run,) = run_script(monkeypatch, "cleanrl_ppo_init.py")
    assert run.project == "cleanRL" and run.name.startswith("CartPole-v1__ppo__1__")
    assert run.config["total_timesteps"] == 500000 and run.config["wandb_entity"] is None
    rows = [r for r in run.history if "losses/value_loss" in r]
    assert [r["global_step"] for r in rows] == [512, 1024, 1536]
    assert [r["charts/SPS"] for r in rows] == [1000, 2000, 3000]
    # TensorBoard keeps float32 scalars
    assert [r["losses/value_loss"] for r in rows] == pytest.approx([1, 1 / 2, 1 / 3], rel=1e-6)
    assert "code/cleanrl_ppo_init.py" in run.files  # save_code=True


def test_examples_wandb_automations(wandb, monkeypatch):
    # train.py links the model into W&B's model registry at the end: runlog has none and says
    # so in one line, after the artifact is logged
    with pytest.raises(runlog.UsageError) as refused:
        run_script(monkeypatch, "automations_train.py")
    assert str(refused.value).startswith(
        "link_artifact('model-registry/FMNIST_Classifier') is not supported by runlog")
    runlog.finish(exit_code=1)  # what wandb does when the script dies of the exception
    (path,) = recorded_runs()
    train = runlog.read(path)
    assert train.metadata["job_type"] == "train"
    assert [row["train_loss"] for row in train.history] == [1.0, 0.5, 1 / 3, 1 / 3]
    code = train.files["train/automations_train.py"]  # run.log_code(name="train", ...)
    assert code.read_bytes() == (SCRIPTS / "automations_train.py").read_bytes()
    name = f"{train.id}_resnest14d"
    before = recorded_runs()
    result = run_main(monkeypatch, "automations_eval.py", name)
    weights, model_config = result["MODEL"]
    assert weights == bytes(range(256)) * 4  # the checkpoint train.py logged, byte for byte
    assert model_config.model_name == "resnest14d" and model_config.num_classes == 10
    (path,) = recorded_runs() - before
    (row,) = runlog.read(path).history
    assert row["val_acc"] == 1.0 and len(row["predictions"].data) == 4
