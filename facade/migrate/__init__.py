"""Moving runs between tracking tools.

``import_tb``, ``import_mlflow`` and ``import_wandb`` bring runs recorded by TensorBoard, MLflow
or wandb into runlog's files layout, keeping steps and wall times as recorded; each returns
:class:`ImportReport` objects that say what could not be carried over. The readers stream, so a
run of any length imports in bounded memory. See ``docs/migration.md``.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._target import ImportReport

__all__ = ["ImportReport", "import_mlflow", "import_tb", "import_wandb"]

_LAZY = {"import_tb": ".tb", "import_mlflow": ".mlflow", "import_wandb": ".wandb"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
