"""``wandb.sdk``: the paths under it that integrations import."""

from __future__ import annotations

from runlog._run import Run
from runlog._settings import Settings

from . import data_types, lib, wandb_run

__all__ = ["Run", "Settings", "data_types", "lib", "wandb_run"]
