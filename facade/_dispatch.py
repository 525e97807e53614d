"""Fan-out of IR records to backends (first version: synchronous, isolated per backend)."""

from __future__ import annotations

import logging
from typing import Any

from runlog.backends import Backend
from runlog.typespec.errors import BackendError
from runlog.typespec.records import Finished, Record, RunStarted, StaleRow

logger = logging.getLogger("runlog")


class _Slot:
    __slots__ = ("backend", "error", "errors", "name", "records", "state")

    def __init__(self, name: str, backend: Backend) -> None:
        self.name = name
        self.backend = backend
        self.state = "ok"
        self.records = 0
        self.errors = 0
        self.error: str | None = None


class Dispatcher:
    """Sends every record to every backend, in log order; a failing backend is reported once,
    disabled, and never stops the caller or the other backends."""

    def __init__(self, backends: dict[str, Backend], settings: Any) -> None:
        self._settings = settings
        self._slots = [_Slot(name, b) for name, b in backends.items()]

    def start(self, started: RunStarted) -> None:
        """Start every backend, then send ``RunStarted``."""
        for slot in self._slots:
            self._call(slot, "start", slot.backend.start, started)
        self.emit(started)

    def emit(self, record: Record) -> None:
        """Send one record to every live backend."""
        keep = self._settings.on_stale_step == "keep"
        for slot in self._slots:
            if slot.state == "disabled":
                continue
            if type(record) is StaleRow and not (
                getattr(slot.backend, "inline", False)
                or slot.name == "files"
                or (keep and slot.backend.accepts_out_of_order)
            ):
                continue
            if self._call(slot, "write", slot.backend.write, [record]):
                slot.records += 1

    def flush(self, timeout: float | None = None) -> bool:
        """Ask every live backend to make what it has durable."""
        ok = True
        for slot in self._slots:
            if slot.state != "disabled":
                ok = bool(self._call(slot, "flush", slot.backend.flush, timeout)) and ok
        self._raise_if_strict()
        return ok

    def close(self, finished: Finished, timeout: float | None = None) -> None:
        """Send ``Finished``, flush and close every backend."""
        self.emit(finished)
        for slot in self._slots:
            if slot.state != "disabled":
                self._call(slot, "flush", slot.backend.flush, timeout)
                self._call(slot, "close", slot.backend.close, finished)
        self._raise_if_strict()

    def stats(self) -> dict[str, dict[str, Any]]:
        """Per-backend counters."""
        return {
            s.name: {"state": s.state, "records": s.records, "bytes": 0, "queued": 0,
                     "dropped": 0, "errors": s.errors, "flush_lag_s": 0.0}
            for s in self._slots
        }

    def _call(self, slot: _Slot, what: str, fn: Any, arg: Any) -> Any:
        try:
            result = fn(arg)
            return True if what != "flush" else result is not False
        except Exception as exc:
            slot.errors += 1
            slot.state = "disabled"
            slot.error = f"{what} failed: {type(exc).__name__}: {exc}"
            logger.error("runlog: backend %r %s; it is disabled for this run",
                         slot.name, slot.error, exc_info=True)
            return None

    def _raise_if_strict(self) -> None:
        if self._settings.strict:
            for slot in self._slots:
                if slot.error:
                    raise BackendError(f"backend {slot.name!r}: {slot.error}", slot.name)
