"""The wandb stand-in tests' set-up: ``import wandb`` gives runlog, cleanly undone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import ModuleType

from runlog import _init
from runlog.compat import install_wandb, uninstall_wandb


def stand_in(monkeypatch) -> Iterator[ModuleType]:
    """For a fixture: runlog's stand-in installed as ``wandb``, without WANDB_* variables."""
    for key in list(os.environ):
        if key.startswith("WANDB_"):
            monkeypatch.delenv(key)
    monkeypatch.setattr(_init, "setup_settings", None)
    module = install_wandb()
    try:
        yield module
    finally:
        uninstall_wandb()
