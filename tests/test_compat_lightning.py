"""Lightning's ``WandbLogger`` logging to runlog through ``runlog.compat.install_wandb()``: a
real ``Trainer.fit`` of a tiny model on the CPU, read back from the files backend.

Lightning needs torch; this module is skipped where torch is absent (neither is in the ``test``
extra: install ``torch`` and ``lightning`` to run it, and ``accelerate`` too, which transformers'
``TrainingArguments`` in test_compat_transformers.py asks for once torch is installed). Last run
here with torch 2.13.0 (CPU), lightning 2.6.6 and accelerate 1.15.0.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import runlog
from _compat_helpers import stand_in

torch = pytest.importorskip("torch", reason="Lightning needs torch")
import lightning  # noqa: E402 - only where torch is installed
from lightning.pytorch.loggers import WandbLogger  # noqa: E402


@pytest.fixture
def wandb(monkeypatch):
    yield from stand_in(monkeypatch)


class TinyRegression(lightning.LightningModule):
    """y = x1 + x2 by a two-layer linear net; keeps the loss of every training step."""

    def __init__(self, lr: float = 0.1, hidden: int = 4) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(torch.nn.Linear(2, hidden), torch.nn.Linear(hidden, 1))
        self.losses: list[float] = []

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train/loss", loss)
        self.losses.append(loss.item())
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def fit(logger: WandbLogger, epochs: int = 2) -> TinyRegression:
    """Train on 16 samples in batches of 4 (4 steps an epoch), on the CPU."""
    torch.manual_seed(0)
    x = torch.randn(16, 2)
    data = torch.utils.data.TensorDataset(x, x.sum(dim=1, keepdim=True))
    model = TinyRegression()
    trainer = lightning.Trainer(
        max_epochs=epochs, logger=logger, log_every_n_steps=1, accelerator="cpu",
        enable_progress_bar=False, enable_model_summary=False, default_root_dir="trainer")
    trainer.fit(model, torch.utils.data.DataLoader(data, batch_size=4))
    return model


def test_trainer_fit_records_hyperparameters_metrics_and_the_checkpoint(wandb):
    logger = WandbLogger(project="lit", name="tiny", save_dir="runs", log_model=True)
    model = fit(logger)
    run = logger.experiment
    assert isinstance(run, runlog.Run) and run.name == "tiny" and logger.version == run.id
    wandb.finish()

    recorded = runlog.read(run.dir)
    assert recorded.config == {"lr": 0.1, "hidden": 4}
    rows = [r for r in recorded.history if "train/loss" in r]
    assert [(r["trainer/global_step"], r["epoch"]) for r in rows] == [
        (step, step // 4) for step in range(8)]
    assert [r["train/loss"] for r in rows] == model.losses
    assert model.losses[-1] < model.losses[0]

    # log_model=True: the last checkpoint is logged when training ends, as wandb's "model-<id>"
    [artifact] = recorded.artifacts
    assert (artifact["name"], artifact["type"]) == (f"model-{run.id}", "model")
    assert set(artifact["aliases"]) == {"latest", "best"}
    assert artifact["entries"] == ["model.ckpt"]

    # a later run gets it back with Lightning's own download_artifact, and it loads
    wandb.init(project="lit", dir="runs")
    folder = WandbLogger.download_artifact(f"model-{run.id}:best", save_dir="restored")
    wandb.finish()
    restored = TinyRegression.load_from_checkpoint(Path(folder) / "model.ckpt")
    assert restored.hparams == {"lr": 0.1, "hidden": 4}
    for name, tensor in model.state_dict().items():
        assert torch.equal(restored.state_dict()[name], tensor), name


def test_log_model_all_logs_a_version_per_checkpoint(wandb):
    logger = WandbLogger(project="lit", save_dir="runs", log_model="all")
    fit(logger, epochs=2)  # a checkpoint at the end of each epoch, logged when it is saved
    run = logger.experiment
    wandb.finish()
    logged = runlog.read(run.dir).artifacts
    assert [(a["name"], a["version"]) for a in logged] == [
        (f"model-{run.id}", 0), (f"model-{run.id}", 1)]
    assert logged[0]["digest"] != logged[1]["digest"]  # the weights changed in between


def test_a_run_in_progress_is_reused(wandb):
    run = wandb.init(project="lit", backends=["memory"])
    with pytest.warns(UserWarning, match="reuse"):
        logger = WandbLogger()
        assert logger.experiment is run
    logger.log_metrics({"acc": 0.5}, step=4)
    memory = run.backends["memory"]
    run.finish()
    assert [(r["trainer/global_step"], r["acc"]) for r in memory.history] == [(4, 0.5)]
