"""Process-level hooks: finish open runs at exit, mark them failed on an unhandled exception,
flush on SIGTERM/SIGINT (``_signals``), and make a forked child refuse to log to its parent's
run (the child never touches the parent's worker threads; a new ``init`` gets fresh ones)."""

from __future__ import annotations

import atexit
import os
import sys
from typing import Any

from runlog.typespec.records import describe_exception

from . import _signals
from ._run import live_runs

_installed = False
_failed = False


def install(settings: Any = None) -> None:
    """Install the atexit, excepthook and fork hooks once per process, and the signal
    handlers when ``settings.handle_signals`` (from the main thread only)."""
    global _installed
    if settings is not None and settings.handle_signals:
        _signals.install()
    if _installed:
        return
    _installed = True
    atexit.register(_finish_open_runs)
    previous = sys.excepthook

    def excepthook(exc_type: Any, exc: Any, tb: Any) -> None:
        global _failed
        _failed = True
        for run in list(live_runs):
            run._error = describe_exception(exc)
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
