"""One backend's worker: a bounded queue, a thread that writes batches, retries and flushes.

The caller's side (:meth:`Worker.put`) is an append to a deque, plus a wakeup only when a batch
is full; the worker thread otherwise wakes every ``batch_delay`` seconds. The queue is bounded
by records (``queue_size``) and by an estimate of the bytes they hold (``queue_bytes``: array
sizes for media not yet encoded). Everything that can be slow or fail (fallbacks, media
encoding, ``start``/``write``/``flush``/``close``) runs on the worker thread, isolated: errors
(``SystemExit`` and ``KeyboardInterrupt`` included) are reported once, retried with backoff, and
after the retry limit the backend is disabled with a message saying what was lost. A batch
whose ``write`` raises something other than ``OSError`` is written again record by record, so
a record the backend cannot render is skipped and counted alone (``skipped``). A full disk
is waited out rather than retried a fixed number of times (see :meth:`Worker._call`).
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from runlog.backends import bytes_written_of, capabilities_of
from runlog.typespec.fallback import iter_media
from runlog.typespec.records import Finished, Row, RunStarted, StaleRow

from . import _encoder_pool
from ._encoder_pool import may_carry_media

logger = logging.getLogger("runlog")
_now = time.monotonic
_DROPPABLE = (Row, StaleRow)  # drop_oldest drops history, never run, config or summary records
PLAIN_RECORD_BYTES = 256  # what a record without media is counted as in the byte bound
_MEDIA_BYTES = 1024  # at least this much per media value
_SKIP_LIMIT = 3  # records skipped in a row before the backend, not the records, is to blame
_SPACE_POLL = 0.5  # seconds between attempts while the disk is full
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


def record_nbytes(record: Any) -> int:
    """A cheap estimate of the memory a queued record holds (media: their arrays or bytes)."""
    if not may_carry_media(record):
        return PLAIN_RECORD_BYTES
    return PLAIN_RECORD_BYTES + sum(max(m.held_bytes(), _MEDIA_BYTES) for m in iter_media(record))


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


class WaitBudget:
    """How long one call of the caller (a ``log()``, a summary change) may wait for full
    queues, shared by every worker: the first wait of a call starts the clock."""

    __slots__ = ("deadline", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline: float | None = None

    def new_call(self) -> None:
        """A new call begins: it gets the whole budget again."""
        self.deadline = None

    def until(self) -> float:
        """The deadline of the current call's waiting."""
        if self.deadline is None:
            self.deadline = _now() + self.seconds
        return self.deadline


class Worker:
    """Feeds one backend from a bounded queue on its own daemon thread.

    ``fallback`` maps a record carrying media to what the backend receives (None when the
    backend renders every kind); ``elsewhere`` names where the rest of the run is recorded, for
    the message when this backend is disabled; ``budget`` bounds the caller's waiting across
    workers.
    """

    def __init__(
        self,
        name: str,
        backend: Any,
        settings: Any,
        fallback: Callable[[Any], Any] | None,
        elsewhere: Callable[[str], str],
        budget: WaitBudget,
    ) -> None:
        self.name = name
        self.backend = backend
        self._fallback = fallback
        self._elsewhere = elsewhere
        self._queue: deque[Any] = deque()
        self._sizes: deque[int] = deque()  # the estimated bytes of each queued record
        self._cap = max(1, int(settings.queue_size))
        self._cap_bytes = max(1, int(settings.queue_bytes))
        self._batch_bytes = max(1, self._cap_bytes // 4)
        caps = capabilities_of(backend)
        self._batch = max(1, int(caps.batch_size or settings.batch_size))
        self._delay = float(settings.batch_delay if caps.batch_delay is None else caps.batch_delay)
        self._drop_oldest = settings.queue_policy == "drop_oldest"
        self._block_timeout = float(settings.block_timeout)
        self._budget = budget
        self._full_since: float | None = None  # when the caller first found the queue full
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
        self.skipped = 0  # worker: records the backend could not write, skipped one by one
        self.progress = 0  # worker: backend calls completed (returned or raised)
        self._bytes_in = 0  # caller: estimated bytes queued
        self._bytes_dropped = 0  # caller: estimated bytes dropped by drop_oldest
        self._bytes_out = 0  # worker: estimated bytes written or given up
        self._skip_streak = 0  # worker: records skipped since the last successful write
        self._inflight: list[Any] = []  # the batch being written
        self._since: float | None = None  # when the queue last went from empty to non-empty
        self._inflight_since: float | None = None
        self._warned_drop = False
        self._warned_budget = False

    # -- caller side ---------------------------------------------------------------------------
    def start(self, started: RunStarted) -> None:
        """Start the thread; it calls ``backend.start(started)`` before anything else."""
        self._thread = threading.Thread(
            target=self._main, args=(started,), name=f"runlog-{self.name}", daemon=True
        )
        self._thread.start()

    def put(self, record: Any, size: int | None = None) -> None:
        """Enqueue one record (the caller's hot path); ``size``: its :func:`record_nbytes`,
        if the caller already has it."""
        q = self._queue
        if size is None:
            size = record_nbytes(record)
        queued = self._bytes_in - self._bytes_dropped - self._bytes_out  # _full(), inlined
        if self.state == "disabled" or (
            (len(q) >= self._cap or (q and queued >= self._cap_bytes)) and not self._make_room()
        ):
            self.refused += 1
            return
        if not q:
            self._since = _now()
        # the size first: the worker may take the record the moment it is in the queue, and it
        # pops the size with it (without the take lock here, that order is what keeps them paired)
        self._sizes.append(size)
        q.append(record)
        self._bytes_in += size
        self.appended += 1
        if (len(q) >= self._batch or queued + size >= self._batch_bytes) \
                and not self._wake.is_set():
            self._wake.set()

    @property
    def queued_bytes(self) -> int:
        """Estimated bytes held by queued and in-flight records."""
        return self._bytes_in - self._bytes_dropped - self._bytes_out

    def heartbeat(self) -> int:
        """Grows while the backend makes progress: completed calls, media encoded while a batch
        is in flight, bytes the backend reports written (a backend encoding or writing a large
        batch is working, not stuck)."""
        busy = _encoder_pool.encoded_count() if self._inflight else 0
        return self.progress + busy + (bytes_written_of(self.backend) or 0)

    def _full(self) -> bool:
        """No room for another record: ``queue_size`` records, or ``queue_bytes`` (a record
        larger than the bound still goes into an empty queue)."""
        q = self._queue
        return len(q) >= self._cap or (bool(q) and self.queued_bytes >= self._cap_bytes)

    def _make_room(self) -> bool:
        """Queue full: drop the oldest records, or wait for space while the backend makes
        progress (up to ``block_timeout`` seconds without any)."""
        if self._drop_oldest:
            return self._drop_for_room()
        deadline = self._budget.until()
        beat = self.heartbeat()
        if self._full_since is None:
            self._full_since = _now()
        self._wake.set()
        with self._cond:
            self._blocked += 1
            try:
                while self._full() and self.state != "disabled":
                    if self.heartbeat() != beat:  # the backend works: not a stall
                        beat, self._full_since = self.heartbeat(), _now()
                    left = deadline - _now()
                    if left <= 0:
                        break
                    self._cond.wait(min(left, 0.5))
            finally:
                self._blocked -= 1
        if self.state == "disabled":
            return False
        if not self._full():
            return True
        if _now() - self._full_since >= self._block_timeout:
            self._disable(
                f"it made no progress for {self._block_timeout:g} s (block_timeout) while its "
                f"queue of {len(self._queue)} records (~{self.queued_bytes >> 20} MiB) was full"
            )
        elif not self._warned_budget:  # the call spent its block_timeout on other backends
            self._warned_budget = True
            logger.warning(
                "runlog: backend %r: its queue of %d records is full and this call already "
                "waited block_timeout=%g s for other backends; the record is dropped for this "
                "backend (run.stats['backends'][%r]['dropped'] counts such records)",
                self.name, self._cap, self._block_timeout, self.name,
            )
        return False

    def _drop_for_room(self) -> bool:
        """``drop_oldest``: drop the oldest history records until the new one fits."""
        with self._take_lock:  # the worker cannot take a batch meanwhile
            q = self._queue
            while self._full():
                victim = next((i for i, r in enumerate(q) if type(r) in _DROPPABLE), None)
                if victim is None:  # only run/config records: keep them, exceed the bound
                    break
                self._bytes_dropped += self._sizes[victim]
                del q[victim]
                del self._sizes[victim]
                self.dropped_full += 1
        if not self._warned_drop:
            self._warned_drop = True
            logger.warning(
                "runlog: backend %r cannot keep up; its queue (%d records, queue_bytes %d) is "
                "full and the oldest records are being dropped (queue_policy='drop_oldest'); "
                "run.stats['backends'][%r]['dropped'] counts them",
                self.name, self._cap, self._cap_bytes, self.name,
            )
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
            "dropped": self.dropped(),
            "errors": self.errors,
            "skipped": self.skipped,
            "flush_lag_s": 0.0 if disabled or not starts else round(_now() - min(starts), 4),
            "error": self.error,
        }

    def dropped(self) -> int:
        """Records this backend will never receive: dropped by a policy, or, once disabled,
        everything it did not accept."""
        if self.state == "disabled":
            return self.appended + self.refused - self.written - self.skipped
        return self.dropped_full + self.refused

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
        """Take up to ``batch_size`` records (and about a quarter of ``queue_bytes``), write
        them; a batch failing with anything but ``OSError`` is written record by record."""
        q = self._queue
        batch: list[Any] = []
        size = 0
        pop, pop_size = q.popleft, self._sizes.popleft
        with self._take_lock:
            while q and len(batch) < self._batch and (not batch or size < self._batch_bytes):
                batch.append(pop())
                size += pop_size()
        self._inflight_since = self._since
        self._inflight = batch
        self._since = _now() if q else None
        self.taken += len(batch)
        self._full_since = None  # progress: the stall clock starts again
        self._notify_blocked()  # room by count now; by bytes once the batch is written
        try:
            error, _ = self._try("write", self._write, batch)
            if error is None:
                self._wrote(batch)
            elif len(batch) > 1 and not isinstance(error, OSError):
                for record in batch:  # isolate the record(s) the backend cannot write
                    self._write_one([record], None)
            else:
                self._write_one(batch, error)
        finally:
            self._inflight = []
            self._bytes_out += size
            self._notify_blocked()

    def _notify_blocked(self) -> None:
        if self._blocked:
            with self._cond:
                self._cond.notify_all()

    def _write_one(self, batch: list[Any], error: BaseException | None) -> None:
        """Write one record (or, after an ``OSError``, the whole batch) with retries; a single
        record that still fails is skipped, unless records keep failing one after another.
        ``error``: how the first attempt failed, if it was made."""
        ok, _ = self._call("write", self._write, batch, disable=False, error=error)
        if ok:
            self._wrote(batch)
            return
        if self.state == "disabled":
            return
        if len(batch) > 1 or self._skip_streak + 1 >= _SKIP_LIMIT:
            self._disable(f"write failed {self._retries + 1} times; last error: {self.error}")
            return
        self._skip_streak += 1
        self.skipped += 1
        self.state = "ok"  # the record is given up, not the backend
        logger.warning("runlog: backend %r skipped a record it could not write (%s): %s; "
                       "run.stats counts skipped records", self.name, _describe(batch[0]),
                       self.error)

    def _wrote(self, batch: list[Any]) -> None:
        self._skip_streak = 0
        if self.state == "retrying":
            self.state = "ok"
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

    def _call(self, what: str, fn: Callable[[Any], Any], arg: Any, disable: bool = True,
              error: BaseException | None = None) -> tuple[bool, Any]:
        """``fn(arg)`` with retries and backoff; after the limit the backend is disabled (or,
        with ``disable=False``, only False returned). ``error``: the exception of a first
        attempt already made. A full disk (``ENOSPC``, ``EDQUOT``) uses no retry: the call is
        repeated every ``_SPACE_POLL`` seconds until it succeeds or the run gives the backend
        up (``block_timeout`` without progress, or ``finish_timeout``)."""
        failures = 0
        while True:
            if error is not None:
                if _no_space(error):
                    wait = _SPACE_POLL
                else:
                    failures += 1
                    if failures > self._retries:
                        break
                    wait = self._backoff * 2 ** (failures - 1)
                self.state = "retrying"
                self._abort.wait(wait)
            if self.state == "disabled":
                return False, None
            error, result = self._try(what, fn, arg)
            if error is None:
                if self.state == "retrying":
                    self.state = "ok"
                return True, result
        if disable:
            self._disable(f"{what} failed {self._retries + 1} times; last error: {self.error}")
        return False, None

    def _try(self, what: str, fn: Callable[[Any], Any], arg: Any,
             ) -> tuple[BaseException | None, Any]:
        """One attempt at ``fn(arg)``: ``(None, result)``, or the exception, counted and reported
        (a plugin's ``SystemExit`` or ``KeyboardInterrupt`` included: it must not end the
        worker thread)."""
        try:
            result = fn(arg)
        except BaseException as exc:  # isolation is the point
            if not _no_space(exc):  # waiting for space is not progress
                self.progress += 1
            self.errors += 1
            self.error = f"{what} raised {type(exc).__name__}: {exc}"
            if self.errors == 1:  # the traceback, once; the ERROR comes if it is disabled
                logger.warning(
                    "runlog: backend %r: %s (retrying up to %d times; further errors of "
                    "this backend are counted in run.stats, not printed)",
                    self.name, self.error, self._retries, exc_info=True,
                )
            return exc, None
        self.progress += 1
        return None, result

    # -- either thread -------------------------------------------------------------------------
    def _disable(self, why: str) -> None:
        with self._cond:
            if self.state == "disabled":
                return
            self.state = "disabled"
            if self.error is not None and "last error" not in why:
                why = f"{why}; last error: {self.error}"
            self.error = f"disabled: {why}"
            pending = self._inflight + list(self._queue)
            self._queue.clear()
            self._sizes.clear()
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


def _no_space(error: BaseException) -> bool:
    """True for a full disk or an exceeded quota."""
    return isinstance(error, OSError) and error.errno in _NO_SPACE


def _describe(record: Any) -> str:
    """A record in a few words, for messages."""
    step = getattr(record, "step", None)
    return type(record).__name__ + ("" if step is None else f" of step {step}")


def _lost(pending: list[Any], written: int) -> str:
    """What a disabled backend did not receive, in words."""
    if not pending:
        return (f"It has {written} records; nothing queued was lost, but it receives nothing "
                "more.")
    steps = [r.step for r in pending if type(r) is Row]
    rows = f", rows of steps {min(steps)}–{max(steps)}" if steps else ""
    return (f"Not written to it: {len(pending)} queued or in-flight records{rows}, and "
            "everything logged from now on.")
