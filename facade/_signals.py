"""SIGTERM and SIGINT: make what was logged durable, then let the previous handler act.

- SIGINT flushes every open run, then chains (the default handler raises KeyboardInterrupt, so
  code that catches it may go on logging).
- SIGTERM marks every open run preempted. If the previous handler is the default one (the
  process is about to end) the runs are finished first; if it is a Python function (a framework
  shutting down gracefully) they are flushed and that function runs; the run is finished later
  by ``finish()`` or at exit, still as ``preempted``.

The handler never takes a run lock: the work runs on a helper thread that the handler waits for
(bounded by ``finish_timeout``). If the signal interrupted runlog's own code (the main thread
may hold the run lock there), the handler re-sends the signal to itself 10 ms later instead, so
the work happens once the main thread is back in user code; a second signal during the wait
chains at once.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType
from typing import Any

from ._run import live_runs

logger = logging.getLogger("runlog")

SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), signal.SIGINT) if s is not None)
_RETRY_S = 0.01
_MAX_DEFERRALS = 100  # then act anyway (flushing needs no run lock)
_previous: dict[int, Any] = {}
_state = {"depth": 0, "deferrals": 0}


def install() -> None:
    """Install the handlers once per process, from the main thread only; a signal that is
    ignored (``SIG_IGN``) or handled outside Python is left alone."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in SIGNALS:
        if sig in _previous:
            continue
        previous = signal.getsignal(sig)
        if previous is None or previous is signal.SIG_IGN:
            continue
        signal.signal(sig, _handle)
        _previous[sig] = previous


def _handle(signum: int, frame: FrameType | None) -> None:
    runs = [r for r in list(live_runs) if r.settings.handle_signals]
    if not runs or _state["depth"]:
        _chain(signum, frame)
        return
    if _inside_runlog(frame) and _state["deferrals"] < _MAX_DEFERRALS:
        _state["deferrals"] += 1
        timer = threading.Timer(_RETRY_S, os.kill, (os.getpid(), signum))
        timer.daemon = True
        timer.start()
        return
    forced = _state["deferrals"] >= _MAX_DEFERRALS  # still inside runlog: flush, no lock
    _state["deferrals"] = 0
    finish = signum != signal.SIGINT and _previous.get(signum) is signal.SIG_DFL and not forced
    _state["depth"] += 1
    try:
        if signum != signal.SIGINT:
            for run in runs:
                run.mark_preempting()
        helper = threading.Thread(
            target=_settle, args=(runs, finish), name="runlog-signal", daemon=True
        )
        helper.start()
        helper.join(max(r.settings.finish_timeout for r in runs) + 1.0)
    finally:
        _state["depth"] -= 1
    _chain(signum, frame)


def _settle(runs: list[Any], finish: bool) -> None:
    """Finish (or only flush) each run; errors are reported, never raised into the handler."""
    for run in runs:
        try:
            if finish:
                run.finish()
            else:
                run.flush(run.settings.finish_timeout)
        except Exception:
            logger.exception("runlog: could not %s run %s on a signal",
                             "finish" if finish else "flush", run.id)


def _inside_runlog(frame: FrameType | None) -> bool:
    """True if the interrupted main thread is executing runlog code (it may hold a lock)."""
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module == "runlog" or module.startswith("runlog."):
            return True
        frame = frame.f_back
    return False


def _chain(signum: int, frame: FrameType | None) -> None:
    """Do what would have happened without runlog."""
    previous = _previous.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)
    elif previous is signal.SIG_DFL:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        signal.signal(signum, _handle)  # still alive (the default action was to continue)
