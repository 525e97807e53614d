"""Module-level calls that wandb code makes and runlog answers plainly: ``watch``/``unwatch``,
``termlog``/``termwarn``/``termerror``, ``setup`` and ``login``."""

from __future__ import annotations

import sys
from typing import Any

from runlog.typespec.errors import warn

_PREFIX = "runlog: "
_printed: set[str] = set()  # lines printed by term* calls with repeat=False


def termlog(string: str = "", newline: bool = True, repeat: bool = True,
            prefix: bool = True) -> None:
    """Print a line to stderr, prefixed ``runlog:``; with ``repeat=False`` a line already
    printed that way is not printed again."""
    text = f"{_PREFIX if prefix else ''}{string}"
    if not repeat:
        if text in _printed:
            return
        _printed.add(text)
    print(text, end="\n" if newline else "", file=sys.stderr, flush=True)


def termwarn(string: str, newline: bool = True, repeat: bool = True,
             prefix: bool = True) -> None:
    """Print ``runlog: WARNING <string>`` to stderr."""
    termlog(f"WARNING {string}", newline=newline, repeat=repeat, prefix=prefix)


def termerror(string: str, newline: bool = True, repeat: bool = True,
              prefix: bool = True) -> None:
    """Print ``runlog: ERROR <string>`` to stderr."""
    termlog(f"ERROR {string}", newline=newline, repeat=repeat, prefix=prefix)


def login(key: str | None = None, relogin: bool | None = None, **kwargs: Any) -> bool:
    """runlog needs no login: says so once on stderr and returns True (any wandb argument is
    accepted)."""
    termlog("login() is not needed: runlog writes to its backends without an account")
    return True


def setup(settings: Any = None) -> None:
    """Accepted for wandb code: runlog has no background service to set up. ``settings``
    (checked as ``runlog.Settings`` would check it) become the settings of every later
    ``init`` called without ``settings=``, as in wandb (``Settings(reinit="create_new")``)."""
    from . import _init
    from ._settings import Settings

    _init.setup_settings = Settings.resolve(settings)


def watch(models: Any, criterion: Any = None, log: str | None = "gradients",
          log_freq: int = 1000, idx: int | None = None, log_graph: bool = False) -> None:
    """Accepted for wandb code; records nothing, with one warning saying so.

    wandb's ``watch`` hooks into a PyTorch model to log gradient and parameter histograms;
    runlog does not hook models. Log ``runlog.Histogram(tensor)`` values yourself instead.
    """
    warn("runlog.watch() records nothing: runlog does not hook models; log gradients or "
         "parameters yourself, e.g. run.log({'grad/w': runlog.Histogram(w.grad)})")


def unwatch(models: Any = None) -> None:
    """The counterpart of :func:`watch`: nothing to undo."""
