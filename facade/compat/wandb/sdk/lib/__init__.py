"""``wandb.sdk.lib``: ``RunDisabled`` matches a runlog run started with ``mode="disabled"``."""

from __future__ import annotations

from typing import Any

from runlog._run import Run

from . import config_util


class _DisabledRunCheck(type):
    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Run) and instance._disabled


class RunDisabled(metaclass=_DisabledRunCheck):
    """wandb's class for a disabled run: ``isinstance(run, RunDisabled)`` is true for a runlog
    run started with ``mode="disabled"`` (runlog returns a :class:`runlog.Run` either way)."""


__all__ = ["RunDisabled", "config_util"]
