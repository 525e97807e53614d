"""``wandb.wandb_run``: ``Run`` is :class:`runlog.Run`."""

from __future__ import annotations

from runlog._run import Run

__all__ = ["Run"]
