"""wandb names runlog leaves out on purpose: calling one raises one line that says why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import UnsupportedError

#: wandb name -> why runlog has no such thing, and what to use instead
REFUSED = {
    "Api": "runlog talks to no W&B server; read runs with runlog.read()",
    "sweep": "runlog has no sweep server; use a tuner such as Optuna and log each trial as a run",
    "agent": "runlog has no sweep server; use a tuner such as Optuna and log each trial as a run",
    "controller": "runlog has no sweep server; use a tuner such as Optuna",
    "teardown": "runlog has no service process to tear down; call runlog.finish()",
}


def refuse(name: str) -> Callable[..., Any]:
    """A stand-in for ``wandb.<name>`` that raises :class:`UnsupportedError` when called."""

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise UnsupportedError(f"wandb.{name} is not supported by runlog: {REFUSED[name]}")

    refused.__name__ = refused.__qualname__ = name
    refused.__doc__ = f"Not supported by runlog: {REFUSED[name]}."
    return refused
