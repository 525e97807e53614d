"""The run lock: one live writer per run directory (``run.lock``, an OS file lock via filelock).

The holder writes ``<pid> <host>`` into the lock file so that a second opener can say who has
the run. The OS drops the lock when the holder dies, even by ``kill -9``, so a lock that can be
taken means no live process is writing the run.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from filelock import FileLock, Timeout
from runlog.typespec.errors import UsageError

from .format import LOCK
from .io import LinkError

#: seconds an opener waits for the lock (readers probing it hold it for microseconds)
WAIT = 0.5


class RunLock:
    """Held while a files backend has the run open."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / LOCK
        self._lock = FileLock(self.path, thread_local=False)

    def acquire(self) -> None:
        """Take the lock or raise :class:`UsageError` naming the run and the process holding it
        (a ``run.lock`` that is a symbolic link is a :class:`~.io.LinkError`)."""
        if os.path.islink(self.path):
            raise LinkError(f"{self.path} is a symbolic link; runlog does not write through "
                            "links in a run directory (remove it, or use another run id)")
        try:
            self._lock.acquire(timeout=WAIT)
        except Timeout:
            holder = _holder_text(self.path)
            raise UsageError(
                f"run {self.path.parent.name!r} in {self.path.parent} is open in another live "
                f"process ({holder}); finish that run first, or choose another id"
            ) from None
        fd = os.open(self.path, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0))
        with open(fd, "w", encoding="utf-8") as f:
            f.write(f"{os.getpid()} {socket.gethostname()}\n")

    def release(self) -> None:
        """Let another process open the run."""
        if self._lock.is_locked:
            self._lock.release()


def is_locked(run_dir: Path) -> bool:
    """True if a live process holds the run's lock (a missing lock file means no)."""
    path = run_dir / LOCK
    if not path.exists():
        return False
    probe = FileLock(path, thread_local=False)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:  # e.g. a read-only copy of a run: nobody can be writing it
        return False
    probe.release()
    return False


def _holder_text(path: Path) -> str:
    try:
        pid, _, host = path.read_text(encoding="utf-8").strip().partition(" ")
    except OSError:
        return "pid unknown"
    return f"pid {pid} on {host}" if pid else "pid unknown"
