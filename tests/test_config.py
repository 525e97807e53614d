"""run.config: dict, Namespace or object; changes reach backends; changing values needs consent."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
import runlog
from runlog.typespec import ConfigChanged


def test_config_from_dict_namespace_and_object():
    ns = argparse.Namespace(lr=0.1, layers=3)
    run = runlog.init(backends=["memory"], config=ns)
    assert dict(run.config) == {"lr": 0.1, "layers": 3}
    assert run.config.lr == 0.1

    class Cfg:
        def __init__(self):
            self.batch = np.int64(32)
            self.name = "resnet"

    run = runlog.init(backends=["memory"], config=Cfg())
    assert dict(run.config) == {"batch": 32, "name": "resnet"}
    assert type(run.config["batch"]) is int
    assert run.backends["memory"].config == {"batch": 32, "name": "resnet"}


def test_new_keys_reach_backends_and_changes_need_allow_val_change():
    run = runlog.init(backends=["memory"], config={"lr": 0.1})
    run.config["epochs"] = 5
    run.config.update({"lr": 0.1})  # same value: fine, nothing emitted
    with pytest.raises(runlog.UsageError, match="allow_val_change"):
        run.config["lr"] = 0.2
    run.config.update({"lr": 0.2}, allow_val_change=True)
    run.config.opt = {"name": "adam", "betas": (0.9, 0.99)}
    mem = run.backends["memory"]
    changes = [r.values for r in mem.records if isinstance(r, ConfigChanged)]
    assert changes == [
        {"epochs": 5}, {"lr": 0.2}, {"opt": {"name": "adam", "betas": [0.9, 0.99]}}
    ]
    assert mem.config == {"lr": 0.2, "epochs": 5, "opt": {"name": "adam", "betas": [0.9, 0.99]}}


def test_bad_config_is_rejected_with_the_key():
    with pytest.raises(runlog.UsageError, match="config must be"):
        runlog.init(backends=["memory"], config=42)
    run = runlog.init(backends=["memory"])
    with pytest.raises(runlog.DataError, match="lr"):
        run.config["lr"] = object()
    with pytest.raises(runlog.DataError, match="config keys must be str"):
        run.config.update({1: 2})


def test_config_change_after_finish_is_refused():
    run = runlog.init(backends=["memory"], config={"a": 1})
    run.finish()
    with pytest.raises(runlog.FinishedRunError):
        run.config["b"] = 2
    assert dict(run.config) == {"a": 1}
