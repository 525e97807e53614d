"""Stand-ins that let code written for other tracking libraries log to runlog unchanged.

``install_wandb()`` makes ``import wandb`` (and the ``wandb.*`` import paths integrations
use) give :mod:`runlog.compat.wandb`, so Hugging Face's ``WandbCallback`` and Lightning's
``WandbLogger`` log to runlog's backends without editing those libraries.
"""

from __future__ import annotations

from ._install import install_wandb, uninstall_wandb

__all__ = ["install_wandb", "uninstall_wandb"]
