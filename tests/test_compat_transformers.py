"""Hugging Face ``WandbCallback`` (the real transformers package, no torch needed) logging to
runlog through ``runlog.compat.install_wandb()``, driven through its callback methods the way
``Trainer`` calls them."""

from __future__ import annotations

import pytest
import runlog
from _compat_helpers import stand_in
from transformers import BertConfig, TrainerControl, TrainerState, TrainingArguments
from transformers.integrations import WandbCallback


@pytest.fixture
def wandb(monkeypatch):
    yield from stand_in(monkeypatch)


class TinyModel:
    """What the callback reads from a model: its config and its parameter count."""

    config = BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2)

    def num_parameters(self) -> int:
        return 4242


def train_args(tmp_path, **kwargs) -> TrainingArguments:
    return TrainingArguments(output_dir=str(tmp_path / "out"), report_to="none", **kwargs)


def test_report_to_wandb_records_config_history_and_summary(wandb, tmp_path):
    args = train_args(tmp_path, run_name="bert-tiny", learning_rate=3e-4, logging_steps=5)
    state, control, model = TrainerState(), TrainerControl(), TinyModel()
    callback = WandbCallback()
    callback.on_train_begin(args, state, control, model=model)
    run = wandb.run
    assert isinstance(run, runlog.Run) and run.name == "bert-tiny"
    assert run.project == "huggingface"
    for step, loss in ((5, 0.9), (10, 0.7), (15, 0.5)):
        state.global_step = step
        callback.on_log(args, state, control, model=model,
                        logs={"loss": loss, "learning_rate": 3e-4, "epoch": step / 15})
    state.global_step = 15
    callback.on_log(args, state, control, model=model, logs={"eval_loss": 0.55})
    callback.on_log(args, state, control, model=model,
                    logs={"train_runtime": 1.5, "train_loss": 0.7, "total_flos": 1e9})
    callback.on_train_end(args, state, control, model=model)
    wandb.finish()

    recorded = runlog.read(run.dir)
    assert recorded.config["learning_rate"] == 3e-4
    assert recorded.config["hidden_size"] == 32  # the model config, merged in
    assert recorded.config["model/num_parameters"] == 4242
    rows = [r for r in recorded.history if "train/loss" in r]
    assert [(r["train/global_step"], r["train/loss"]) for r in rows] == [
        (5, 0.9), (10, 0.7), (15, 0.5)]
    assert [r["eval/loss"] for r in recorded.history if "eval/loss" in r] == [0.55]
    assert recorded.summary["train_runtime"] == 1.5
    assert recorded.summary["total_flos"] == 1e9
    assert recorded.status == "finished"


def test_a_run_started_before_the_callback_is_reused(wandb, tmp_path):
    run = wandb.init(project="mine", name="manual", backends=["memory"])
    callback = WandbCallback()
    args, state, control = train_args(tmp_path), TrainerState(), TrainerControl()
    callback.on_train_begin(args, state, control, model=TinyModel())
    state.global_step = 1
    callback.on_log(args, state, control, logs={"loss": 1.25})
    assert wandb.run is run
    memory = run.backends["memory"]
    run.finish()
    assert [r["train/loss"] for r in memory.history if "train/loss" in r] == [1.25]


def test_checkpoints_logged_by_on_save_come_back_byte_for_byte(wandb, tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_LOG_MODEL", "checkpoint")
    args = train_args(tmp_path, save_steps=10)
    checkpoint = tmp_path / "out" / "checkpoint-10"
    checkpoint.mkdir(parents=True)
    (checkpoint / "model.safetensors").write_bytes(bytes(range(256)) * 8)
    (checkpoint / "config.json").write_text('{"hidden_size": 32}')
    state, control = TrainerState(), TrainerControl()
    callback = WandbCallback()
    callback.on_train_begin(args, state, control, model=TinyModel())
    state.global_step, state.epoch = 10, 1.0
    callback.on_log(args, state, control, logs={"loss": 0.5})
    callback.on_save(args, state, control)
    name = f"model-{wandb.run.id}"
    wandb.finish()

    later = wandb.init(project="huggingface", name="evaluate")
    artifact = later.use_artifact(f"{name}:checkpoint_global_step_10")
    folder = artifact.download()
    later.finish()
    for source in checkpoint.iterdir():
        assert (tmp_path / folder / source.name).read_bytes() == source.read_bytes()
