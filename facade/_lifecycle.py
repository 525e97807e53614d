"""Process-level hooks: finish open runs at exit, mark them failed on an unhandled exception,
and make a forked child refuse to log to its parent's run."""

from __future__ import annotations

import atexit
import os
import sys
from typing import Any

from ._run import live_runs

_installed = False
_failed = False


def install() -> None:
    """Install the atexit, excepthook and fork hooks once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    atexit.register(_finish_open_runs)
    previous = sys.excepthook

    def excepthook(exc_type: Any, exc: Any, tb: Any) -> None:
        global _failed
        _failed = True
        previous(exc_type, exc, tb)

    sys.excepthook = excepthook
    if hasattr(os, "register_at_fork"):
        parent = {"pid": os.getpid()}

        def before() -> None:
            parent["pid"] = os.getpid()

        def after_in_child() -> None:
            for run in list(live_runs):
                run._after_fork_in_child(parent["pid"])
            live_runs.clear()

        os.register_at_fork(before=before, after_in_child=after_in_child)


def _finish_open_runs() -> None:
    for run in list(live_runs):
        try:
            run.finish(exit_code=1 if _failed else 0)
        except Exception:  # noqa: BLE001 - exiting anyway; backends already reported
            pass
