"""Fan-out of IR records to backends: inline for the memory backend, a worker for each other.

``emit`` is on the caller's hot path (under the run lock): an inline ``write`` for backends
declaring ``Capabilities(inline=True)`` and an append to each worker's queue. ``flush`` is a barrier
across all workers; ``close`` drains, flushes and closes them within ``finish_timeout``.
A backend that stalls for ``block_timeout`` while the run waits for it is disabled.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runlog.backends import Backend, bytes_written_of, capabilities_of
from runlog.typespec.errors import BackendError
from runlog.typespec.fallback import fallback_record
from runlog.typespec.media import KINDS
from runlog.typespec.records import Finished, Record, RunStarted, StaleRow

from ._worker import WaitBudget, Worker, record_nbytes

logger = logging.getLogger("runlog")
_now = time.monotonic
_SLICE = 0.1  # seconds between stall checks while waiting for workers


class Dispatcher:
    """Sends every record to every backend in log order, each backend isolated on its own
    worker; a backend that is slow, broken or hung never stops the caller or the others."""

    def __init__(self, backends: dict[str, Backend], settings: Any,
                 run_dir: Path | None = None) -> None:
        self._settings = settings
        self._run_dir = run_dir
        self._inline: list[tuple[str, Backend]] = []
        self._workers: list[Worker] = []
        self._stale: list[Callable[[Record], None]] = []
        self._budget = WaitBudget(float(settings.block_timeout))
        self._dropped_at_flush: dict[Worker, int] = {}
        #: the outcome of the last ``flush()``: ``{"ok": bool, "problems": {backend: why}}``
        self.last_flush: dict[str, Any] | None = None
        for name, backend in backends.items():
            caps = capabilities_of(backend)
            if caps.inline:
                self._inline.append((name, backend))
                put = _inline_put(backend)
            else:
                worker = Worker(name, backend, settings, _fallback(name, caps.kinds),
                                self._elsewhere, self._budget)
                self._workers.append(worker)
                put = worker.put
            if caps.stale_rows:
                self._stale.append(put)
        self._inline_writes = [b.write for _, b in self._inline]
        self._puts = [w.put for w in self._workers]

    def start(self, started: RunStarted) -> None:
        """Start every backend (workers call ``start`` on their own thread), then send
        ``RunStarted``."""
        for _name, backend in self._inline:
            backend.start(started)
        for worker in self._workers:
            worker.start(started)
        self.emit(started)

    def new_call(self) -> None:
        """The caller starts a call that emits records: its waits for full queues, across all
        workers, share one ``block_timeout``."""
        self._budget.new_call()

    def emit(self, record: Record, size: int | None = None) -> None:
        """Send one record to every live backend (the caller's hot path); ``size``: its
        :func:`record_nbytes`, if the caller knows it."""
        if type(record) is StaleRow:
            for put in self._stale:
                put(record)
            return
        one = (record,)
        for write in self._inline_writes:
            write(one)
        if self._puts:
            if size is None:
                size = record_nbytes(record)  # once for every worker
            for put in self._puts:
                put(record, size)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every live backend has durably written what was emitted before the call.

        False if ``timeout`` seconds passed first, a backend reported that its data is not
        durable, or a backend lost records since the previous flush (it was disabled, or a
        queue policy dropped them); :attr:`last_flush` says which and why.
        """
        deadline = None if timeout is None else _now() + timeout
        tickets = {w: w.request_flush(deadline) for w in self._workers if w.state != "disabled"}
        self._await([(w, t.done.wait) for w, t in tickets.items()], deadline)
        problems: dict[str, str] = {}
        for worker, ticket in tickets.items():
            if not ticket.ok:
                problems[worker.name] = (
                    (worker.error or "disabled") if worker.state == "disabled"
                    else "not durable" if ticket.done.is_set() else "timed out"
                )
        for worker in self._workers:
            dropped = worker.dropped()
            lost = dropped - self._dropped_at_flush.get(worker, 0)
            self._dropped_at_flush[worker] = dropped
            if lost:
                why = problems.get(worker.name) or worker.error or "dropped by queue_policy"
                problems[worker.name] = f"lost {lost} records since the last flush ({why})"
        for name, backend in self._inline:
            if backend.flush(timeout) is False:
                problems[name] = "not durable"
        self.last_flush = {"ok": not problems, "problems": problems}
        self._raise_if_strict()
        return not problems

    def close(self, finished: Finished, timeout: float | None = None) -> None:
        """Send ``Finished``, then drain, flush and close every backend within ``timeout``."""
        self.new_call()  # Finished gets a block_timeout of its own
        self.emit(finished)
        deadline = None if timeout is None else _now() + timeout
        for worker in self._workers:
            worker.request_close(finished)
        late = self._await(
            [(w, lambda s, w=w: w.join(_now() + s)) for w in self._workers], deadline
        )
        for worker in late:
            worker.give_up(
                f"it did not finish writing within finish_timeout={timeout:g} s"
            )
        for _name, backend in self._inline:
            backend.flush(timeout)
            backend.close(finished)
        self._raise_if_strict()

    def stats(self) -> dict[str, dict[str, Any]]:
        """Per-backend counters for ``run.stats["backends"]``."""
        out = {w.name: w.stats() for w in self._workers}
        for name, backend in self._inline:
            rows = getattr(backend, "rows", None)
            records = getattr(backend, "records", None)
            out[name] = {
                "state": "ok",
                "rows": len(rows) if isinstance(rows, list) else None,
                "records": len(records) if isinstance(records, list) else None,
                "bytes": bytes_written_of(backend),
                "queued": 0, "dropped": 0, "errors": 0, "skipped": 0, "flush_lag_s": 0.0,
                "error": None,
            }
        return out

    def _await(self, waits: list[tuple[Worker, Callable[[float], bool]]],
               deadline: float | None) -> list[Worker]:
        """Wait for each ``wait(slice)`` to return True, until ``deadline``; a worker that makes
        no progress for ``block_timeout`` meanwhile is given up. Returns the workers not done."""
        stall = float(self._settings.block_timeout)
        seen = {w: (w.heartbeat(), _now()) for w, _ in waits}
        pending = list(waits)
        while pending:
            worker, wait = pending[0]
            left = _SLICE if deadline is None else min(_SLICE, deadline - _now())
            if left <= 0:
                break
            if worker.state == "disabled" or wait(left):
                pending.pop(0)
                continue
            beat, since = seen[worker]
            if worker.heartbeat() != beat:
                seen[worker] = (worker.heartbeat(), _now())
            elif _now() - since >= stall:
                worker.give_up(f"it made no progress for {stall:g} s (block_timeout)")
                pending.pop(0)
        return [w for w, _ in pending]

    def _elsewhere(self, name: str) -> str:
        live = [n for n, _ in self._inline] + [
            w.name for w in self._workers if w.name != name and w.state != "disabled"
        ]
        where = f"The rest of the run is recorded by: {', '.join(live)}." if live else (
            "No other backend records this run."
        )
        if self._run_dir is not None:
            where += f" Run directory: {self._run_dir}"
        return where

    def _raise_if_strict(self) -> None:
        if not self._settings.strict:
            return
        failed = [w for w in self._workers if w.errors or w.state == "disabled"]
        if failed:
            raise BackendError(
                "; ".join(f"backend {w.name!r}: {w.errors} error(s), {w.error}" for w in failed),
                failed[0].name,
            )


def _inline_put(backend: Backend) -> Callable[[Record], None]:
    write = backend.write
    return lambda record: write((record,))


def _fallback(name: str, kinds: frozenset[str]) -> Callable[[Record], Record] | None:
    """What the worker of backend ``name`` applies to a record carrying media: fallbacks for
    the ``kinds`` it does not render (one warning per (backend, kind)); None if it renders
    every kind."""
    if kinds >= KINDS:
        return None
    return lambda record: fallback_record(record, kinds, name)
