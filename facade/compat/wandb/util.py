"""``wandb.util``: the helpers integrations call."""

from __future__ import annotations

import importlib
from types import ModuleType

from runlog._run import new_run_id
from runlog.typespec.errors import UsageError


def generate_id(length: int = 8) -> str:
    """A random run id of ``[a-z0-9]`` characters (runlog's ids are 8 long)."""
    if length != 8:
        raise UsageError(f"runlog's run ids are 8 characters long; generate_id got length={length}")
    return new_run_id()


def get_module(name: str, required: str | None = None, lazy: bool = True) -> ModuleType | None:
    """Import ``name``; ``None`` if it is missing, or a ``UsageError`` with ``required`` as text.

    ``lazy`` is accepted and ignored: the module is imported at once.
    """
    try:
        return importlib.import_module(name)
    except ImportError:
        if required:
            raise UsageError(required) from None
        return None


__all__ = ["generate_id", "get_module"]
