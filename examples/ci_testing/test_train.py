"""Tests of train() with runlog's pytest fixture ``runlog_run`` (a run on the memory backend)."""

from itertools import pairwise

import pytest
from train import train


def test_the_loss_goes_down_every_step(runlog_run):
    train(steps=10)
    losses = [loss for _step, loss in runlog_run.backends["memory"].values("train/loss")]
    assert len(losses) == 10
    assert all(later < earlier for earlier, later in pairwise(losses))


def test_each_step_is_one_row(runlog_run):
    train(steps=2, lr=0.1)
    rows = runlog_run.backends["memory"].history_without_timing()
    # mean(x²) = 1.875: weight 0 → 1.125 → 1.828125, loss = (weight - 3)² · 1.875
    assert rows == [
        {"train": {"loss": pytest.approx(6.591796875)}, "weight": 1.125, "_step": 0},
        {"train": {"loss": pytest.approx(2.574920654296875)}, "weight": 1.828125, "_step": 1},
    ]


def test_the_final_weight_is_in_the_summary(runlog_run):
    weight = train(steps=50)
    assert weight == pytest.approx(3.0, abs=1e-6)
    assert runlog_run.backends["memory"].summary["final_weight"] == weight
