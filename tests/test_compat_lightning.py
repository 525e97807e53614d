"""Lightning's ``WandbLogger`` logging to runlog through ``runlog.compat.install_wandb()``.

Lightning needs torch; this module is skipped where torch is absent (install ``lightning``
next to torch to run it).
"""

from __future__ import annotations

import pytest
import runlog
from _compat_helpers import stand_in

pytest.importorskip("torch", reason="Lightning needs torch")
loggers = pytest.importorskip("lightning.pytorch.loggers", reason="installed with torch")


@pytest.fixture
def wandb(monkeypatch):
    yield from stand_in(monkeypatch)


def test_wandb_logger_records_hyperparameters_and_metrics(wandb, tmp_path):
    logger = loggers.WandbLogger(project="lit", name="tiny", save_dir=str(tmp_path))
    logger.log_hyperparams({"lr": 0.01, "layers": 2})
    for step, loss in ((0, 1.0), (1, 0.8), (2, 0.6)):
        logger.log_metrics({"train/loss": loss}, step=step)
    run = logger.experiment
    assert isinstance(run, runlog.Run) and run.name == "tiny" and logger.version == run.id
    logger.finalize("success")
    wandb.finish()

    recorded = runlog.read(run.dir)
    assert recorded.config["lr"] == 0.01 and recorded.config["layers"] == 2
    rows = [r for r in recorded.history if "train/loss" in r]
    assert [(r["trainer/global_step"], r["train/loss"]) for r in rows] == [
        (0, 1.0), (1, 0.8), (2, 0.6)]


def test_a_run_in_progress_is_reused(wandb):
    run = wandb.init(project="lit", backends=["memory"])
    with pytest.warns(UserWarning, match="reuse"):
        logger = loggers.WandbLogger()
        assert logger.experiment is run
    logger.log_metrics({"acc": 0.5}, step=4)
    memory = run.backends["memory"]
    run.finish()
    assert [(r["trainer/global_step"], r["acc"]) for r in memory.history] == [(4, 0.5)]
