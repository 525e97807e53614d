"""runlog: one ``log()`` call with wandb's step/commit semantics, many backends at once.

Quick use::

    import runlog
    run = runlog.init(project="mnist", backends=["memory"])
    run.log({"loss": 0.5})
    run.finish()

Heavy parts (media types, the plot helpers, ``read``) load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from runlog.typespec.errors import (
    BackendError,
    DataError,
    Error,
    FinishedRunError,
    StaleStepError,
    StaleStepWarning,
    UsageError,
)

from . import _init
from ._registry import plugin_manager
from ._run import NO_DATA, Run
from ._settings import Settings
from ._version import __version__
from ._wandb_calls import login, setup, termerror, termlog, termwarn, unwatch, watch
from .hookspecs import hookimpl

init = _init.init

#: names loaded on first access: name -> (module, attribute or None for the module itself)
_LAZY = {
    "Image": ("runlog.typespec.media.image", "Image"),
    "Video": ("runlog.typespec.media.video", "Video"),
    "Audio": ("runlog.typespec.media.audio", "Audio"),
    "Histogram": ("runlog.typespec.media.histogram", "Histogram"),
    "Table": ("runlog.typespec.media.table", "Table"),
    "Object3D": ("runlog.typespec.media.object3d", "Object3D"),
    "Html": ("runlog.typespec.media.html", "Html"),
    "File": ("runlog.typespec.media.file", "File"),
    "plot": ("runlog.plot", None),
    "plot_table": ("runlog.typespec.media.plot", "plot_table"),
    "sklearn": ("runlog.sklearn", None),
    "read": ("runlog._read", "read"),
    "sync": ("runlog.migrate.sync", "sync"),
    **{n: ("runlog._artifacts", n) for n in ("Artifact", "AlertLevel", "alert",
                                                    "log_artifact", "use_artifact")},
}

__all__ = [
    "Audio",
    "BackendError",
    "DataError",
    "Error",
    "File",
    "FinishedRunError",
    "Histogram",
    "Html",
    "Image",
    "Object3D",
    "Run",
    "Settings",
    "StaleStepError",
    "StaleStepWarning",
    "Table",
    "UsageError",
    "Video",
    "__version__",
    "config",
    "define_metric",
    "finish",
    "hookimpl",
    "init",
    "log",
    "login",
    "plot",
    "plot_table",
    "plugin_manager",
    "read",
    "run",
    "save",
    "setup",
    "sklearn",
    "summary",
    "sync",
    "termerror",
    "termlog",
    "termwarn",
    "unwatch",
    "watch",
]


def log(
    data: dict[str, Any] = NO_DATA,
    step: int | None = None,
    commit: bool | None = None,
    sync: bool | None = None,
) -> None:
    """Log to the current run (see :meth:`Run.log`)."""
    _init.require_run("log").log(data, step=step, commit=commit, sync=sync)


def define_metric(name: str, step_metric: str | None = None, step_sync: bool | None = None,
                  summary: str | None = None, goal: str | None = None,
                  hidden: bool | None = None) -> Any:
    """Customize a metric of the current run (see :meth:`Run.define_metric`)."""
    return _init.require_run("define_metric").define_metric(
        name, step_metric=step_metric, step_sync=step_sync, summary=summary, goal=goal,
        hidden=hidden)


def save(glob_str: Any, base_path: Any = None, policy: str = "now") -> list[str]:
    """Attach files to the current run (see :meth:`Run.save`)."""
    return _init.require_run("save").save(glob_str, base_path=base_path, policy=policy)


def finish(exit_code: int = 0) -> None:
    """Finish the current run, if any."""
    run = _init.current
    if run is not None:
        run.finish(exit_code=exit_code)
        if _init.current is run:
            _init.current = None


class _PreInit:
    """Stands for ``runlog.summary`` / ``runlog.config`` before ``init``: any use raises."""

    def __init__(self, name: str) -> None:
        self._name = name

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise Error(f"You must call runlog.init() before runlog.{self._name}")

    __getitem__ = __setitem__ = __delitem__ = __iter__ = __len__ = _fail
    update = get = keys = items = values = _fail

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return self._fail()

    def __repr__(self) -> str:
        return f"<runlog.{self._name} before runlog.init()>"


def __getattr__(name: str) -> Any:
    if name == "run":
        run = _init.current
        return run if run is not None and not run.finished else None
    if name in ("summary", "config"):
        run = _init.current
        if run is None or run.finished:
            return _PreInit(name)
        return getattr(run, name)
    if name in _LAZY:
        module, attr = _LAZY[name]
        obj = importlib.import_module(module)
        return obj if attr is None else getattr(obj, attr)
    raise AttributeError(f"module 'runlog' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
