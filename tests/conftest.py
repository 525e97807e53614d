"""Shared fixtures: every test runs in its own directory with a clean runlog environment."""

from __future__ import annotations

import os

import pytest
import runlog
from runlog import _init


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Run in a fresh directory, without RUNLOG_* or WANDB_* variables; finish any open run."""
    for key in list(os.environ):
        if key.startswith(("RUNLOG_", "WANDB_")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    yield
    run = _init.current
    if run is not None and not run.finished:
        run.finish()
    _init.current = None
    _init.setup_settings = None


@pytest.fixture
def mem_run():
    """A run on the memory backend."""
    run = runlog.init(backends=["memory"], settings={"handle_signals": False})
    yield run
    run.finish()
