"""Registers runlog's built-in backends through the same hook as third-party plugins."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pluggy

from ._contract import Backend, BackendFactory

hookimpl = pluggy.HookimplMarker("runlog")

#: name -> module holding ``factory(options, run_dir)``; imported only when selected.
BUILTIN_BACKENDS: dict[str, str] = {
    "memory": "runlog.backends.memory",
    "files": "runlog.backends.files",
    "tb": "runlog.backends.tb",
    "http": "runlog.backends.http",
    "mlflow": "runlog.backends.mlflow",
}


def _lazy_factory(module: str) -> BackendFactory:
    def factory(options: dict[str, Any], run_dir: Path) -> Backend:
        return importlib.import_module(module).factory(options, run_dir)

    factory.__qualname__ = f"{module}.factory"
    return factory


@hookimpl
def runlog_backends() -> dict[str, BackendFactory]:
    """The built-in backends."""
    return {name: _lazy_factory(module) for name, module in BUILTIN_BACKENDS.items()}
