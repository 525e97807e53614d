"""One backend's worker: a bounded queue, a thread that writes batches, retries and flushes.

The caller's side (:meth:`Worker.put`) is an append to a deque, plus a wakeup only when a batch
is full; the worker thread otherwise wakes every ``batch_delay`` seconds. Everything that can
be slow or fail (fallbacks, media encoding, ``start``/``write``/``flush``/``close``) runs on
the worker thread, isolated: errors are reported once, retried with backoff, and after the
retry limit the backend is disabled with a message saying what was lost.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from runlog.backends import bytes_written_of, capabilities_of
from runlog.typespec.records import Finished, Row, RunStarted, StaleRow

from . import _encoder_pool
from ._encoder_pool import may_carry_media

logger = logging.getLogger("runlog")
_now = time.monotonic
_DROPPABLE = (Row, StaleRow)  # drop_oldest drops history, never run, config or summary records


class FlushTicket:
    """A flush barrier: done once everything enqueued before it is durably written."""

    __slots__ = ("deadline", "done", "ok", "target")

    def __init__(self, target: int, deadline: float | None) -> None:
        self.target = target
        self.deadline = deadline
        self.done = threading.Event()
        self.ok = False

    def resolve(self, ok: bool) -> None:
        """Record the outcome and wake the waiter."""
        self.ok = ok
        self.done.set()


class Worker:
    """Feeds one backend from a bounded queue on its own daemon thread.

    ``fallback`` maps a record carrying media to what the backend receives (None when the
    backend renders every kind); ``elsewhere`` names where the rest of the run is recorded, for
    the message when this backend is disabled.
    """

    def __init__(
        self,
        name: str,
        backend: Any,
        settings: Any,
        fallback: Callable[[Any], Any] | None,
        elsewhere: Callable[[str], str],
    ) -> None:
        self.name = name
        self.backend = backend
        self._fallback = fallback
        self._elsewhere = elsewhere
        self._queue: deque[Any] = deque()
        self._cap = max(1, int(settings.queue_size))
        caps = capabilities_of(backend)
        self._batch = max(1, int(caps.batch_size or settings.batch_size))
        self._delay = float(settings.batch_delay if caps.batch_delay is None else caps.batch_delay)
        self._drop_oldest = settings.queue_policy == "drop_oldest"
        self._block_timeout = float(settings.block_timeout)
        self._retries = int(settings.retries)
        self._backoff = float(settings.retry_backoff)
        self._wake = threading.Event()
        self._abort = threading.Event()  # cuts a backoff sleep short (disabled / out of time)
        self._cond = threading.Condition()  # guards tickets and waiting callers
        self._take_lock = threading.Lock()  # worker taking a batch vs. drop_oldest
        self._tickets: list[FlushTicket] = []
        self._blocked = 0
        self._closing: Finished | None = None
        self._thread: threading.Thread | None = None
        # counters; each has a single writing thread (caller or worker), so no lock is needed
        self.state = "ok"
        self.error: str | None = None
        self.appended = 0  # caller: records put in the queue
        self.refused = 0  # caller: records not queued (backend disabled or stalled)
        self.dropped_full = 0  # caller: records dropped by drop_oldest
        self.taken = 0  # worker: records taken off the queue
        self.written = 0  # worker: records the backend accepted
        self.rows = 0  # worker: Row records the backend accepted
        self.errors = 0  # worker: exceptions raised by the backend
        self.progress = 0  # worker: backend calls completed (returned or raised)
        self._inflight: list[Any] = []  # the batch being written
        self._since: float | None = None  # when the queue last went from empty to non-empty
        self._inflight_since: float | None = None
        self._warned_drop = False

    # -- caller side ---------------------------------------------------------------------------
    def start(self, started: RunStarted) -> None:
        """Start the thread; it calls ``backend.start(started)`` before anything else."""
        self._thread = threading.Thread(
            target=self._main, args=(started,), name=f"runlog-{self.name}", daemon=True
        )
        self._thread.start()

    def put(self, record: Any) -> None:
        """Enqueue one record (the caller's hot path)."""
        q = self._queue
        if self.state == "disabled" or (len(q) >= self._cap and not self._make_room()):
            self.refused += 1
            return
        if not q:
            self._since = _now()
        q.append(record)
        self.appended += 1
        if len(q) >= self._batch and not self._wake.is_set():
            self._wake.set()

    def _make_room(self) -> bool:
        """Queue full: drop the oldest record, or wait up to ``block_timeout`` for space."""
        if self._drop_oldest:
            with self._take_lock:  # the worker cannot take a batch meanwhile
                q = self._queue
                victim = next((i for i, r in enumerate(q) if type(r) in _DROPPABLE), None)
                if victim is None:  # only run/config records: keep them, exceed the bound
                    return True
                del q[victim]
            self.dropped_full += 1
            if not self._warned_drop:
                self._warned_drop = True
                logger.warning(
                    "runlog: backend %r cannot keep up; its queue of %d records is full and the "
                    "oldest records are being dropped (queue_policy='drop_oldest'); run.stats"
                    "['backends'][%r]['dropped'] counts them", self.name, self._cap, self.name,
                )
            return True
        deadline = _now() + self._block_timeout
        self._wake.set()
        with self._cond:
            self._blocked += 1
            try:
                while len(self._queue) >= self._cap and self.state != "disabled":
                    left = deadline - _now()
                    if left <= 0:
                        break
                    self._cond.wait(min(left, 0.5))
            finally:
                self._blocked -= 1
        if self.state == "disabled":
            return False
        if len(self._queue) >= self._cap:
            self._disable(
                f"it made no progress for {self._block_timeout:g} s (block_timeout) while its "
                f"queue of {self._cap} records was full"
            )
            return False
        return True

    def request_flush(self, deadline: float | None) -> FlushTicket:
        """A barrier for everything enqueued so far; the worker resolves it."""
        ticket = FlushTicket(self.appended, deadline)
        with self._cond:
            if self.state == "disabled":
                ticket.resolve(False)
                return ticket
            self._tickets.append(ticket)
        self._wake.set()
        return ticket

    def request_close(self, finished: Finished) -> None:
        """Drain, flush and close, then let the thread end."""
        self._closing = finished
        self._wake.set()

    def join(self, deadline: float | None) -> bool:
        """Wait for the thread to end; True if it did before ``deadline``."""
        if self._thread is None:
            return True
        self._thread.join(None if deadline is None else max(0.0, deadline - _now()))
        return not self._thread.is_alive()

    def give_up(self, why: str) -> None:
        """Disable this backend: it stalled, or ran out of time to finish."""
        self._disable(why)

    def stats(self) -> dict[str, Any]:
        """This backend's counters (read without locks; a snapshot, not a transaction)."""
        queued = len(self._queue) + len(self._inflight)
        disabled = self.state == "disabled"
        starts = [t for t in (self._since if self._queue else None,
                              self._inflight_since if self._inflight else None) if t is not None]
        return {
            "state": self.state,
            "rows": self.rows,
            "records": self.written,
            "bytes": bytes_written_of(self.backend),
            "queued": 0 if disabled else queued,
            "dropped": (self.appended + self.refused - self.written) if disabled
            else self.dropped_full + self.refused,
            "errors": self.errors,
            "flush_lag_s": 0.0 if disabled or not starts else round(_now() - min(starts), 4),
            "error": self.error,
        }

    # -- worker thread -------------------------------------------------------------------------
    def _main(self, started: RunStarted) -> None:
        ok, _ = self._call("start", self.backend.start, started)
        while ok and self.state != "disabled":
            if len(self._queue) < self._batch and not self._tickets and self._closing is None:
                self._wake.wait(self._delay)  # coalesce: a full batch or a flush wakes it early
                self._wake.clear()
            while self._queue and self.state != "disabled":
                self._write_batch()
                self._serve_tickets()
            self._serve_tickets()
            if self._closing is not None and not self._queue:
                self._finish(self._closing)
                return

    def _write_batch(self) -> None:
        q = self._queue
        batch = []
        pop = q.popleft
        with self._take_lock:
            try:
                for _ in range(self._batch):
                    batch.append(pop())
            except IndexError:
                pass
        self._inflight_since = self._since
        self._inflight = batch
        self._since = _now() if q else None
        self.taken += len(batch)
        if self._blocked:
            with self._cond:
                self._cond.notify_all()
        try:
            ok, _ = self._call("write", self._write, batch)
        finally:
            self._inflight = []
        if ok:
            self.written += len(batch)
            self.rows += sum(1 for r in batch if type(r) is Row)

    def _write(self, batch: list[Any]) -> None:
        rich = [may_carry_media(r) for r in batch]
        if any(rich):
            _encoder_pool.prefetch([r for r, m in zip(batch, rich) if m])
            if self._fallback is not None:
                fallback = self._fallback
                batch = [fallback(r) if m else r for r, m in zip(batch, rich)]
        self.backend.write(batch)

    def _serve_tickets(self) -> None:
        if not self._tickets:
            return
        removed = self.taken + self.dropped_full
        with self._cond:
            due = [t for t in self._tickets if t.target <= removed]
            if not due:
                return
            self._tickets = [t for t in self._tickets if t.target > removed]
        deadlines = [t.deadline for t in due]
        timeout = None if None in deadlines else max(0.0, max(deadlines) - _now())
        ok, durable = self._call("flush", self.backend.flush, timeout)
        for ticket in due:
            ticket.resolve(ok and durable is not False)

    def _finish(self, finished: Finished) -> None:
        ok, _ = self._call("flush", self.backend.flush, None)
        if ok:
            self._call("close", self.backend.close, finished)

    def _call(self, what: str, fn: Callable[[Any], Any], arg: Any) -> tuple[bool, Any]:
        """``fn(arg)`` with retries and backoff; after the limit the backend is disabled."""
        for attempt in range(self._retries + 1):
            if self.state == "disabled":
                return False, None
            try:
                result = fn(arg)
            except Exception as exc:
                self.progress += 1
                self.errors += 1
                self.error = f"{what} raised {type(exc).__name__}: {exc}"
                if self.errors == 1:  # the traceback, once; the ERROR comes if it is disabled
                    logger.warning(
                        "runlog: backend %r: %s (retrying up to %d times; further errors of "
                        "this backend are counted in run.stats, not printed)",
                        self.name, self.error, self._retries, exc_info=True,
                    )
                if attempt < self._retries:
                    self.state = "retrying"
                    self._abort.wait(self._backoff * 2**attempt)
                continue
            self.progress += 1
            if self.state == "retrying":
                self.state = "ok"
            return True, result
        self._disable(f"{what} failed {self._retries + 1} times; last error: {self.error}")
        return False, None

    # -- either thread -------------------------------------------------------------------------
    def _disable(self, why: str) -> None:
        with self._cond:
            if self.state == "disabled":
                return
            self.state = "disabled"
            self.error = f"disabled: {why}"
            pending = self._inflight + list(self._queue)
            self._queue.clear()
            tickets, self._tickets = self._tickets, []
            self._cond.notify_all()
        self._abort.set()
        self._wake.set()
        for ticket in tickets:
            ticket.resolve(False)
        logger.error(
            "runlog: backend %r is disabled for the rest of this run: %s. %s %s",
            self.name, why, _lost(pending, self.written), self._elsewhere(self.name),
        )


def _lost(pending: list[Any], written: int) -> str:
    """What a disabled backend did not receive, in words."""
    if not pending:
        return (f"It has {written} records; nothing queued was lost, but it receives nothing "
                "more.")
    steps = [r.step for r in pending if type(r) is Row]
    rows = f", rows of steps {min(steps)}–{max(steps)}" if steps else ""
    return (f"Not written to it: {len(pending)} queued or in-flight records{rows}, and "
            "everything logged from now on.")
