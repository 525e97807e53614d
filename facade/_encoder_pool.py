"""A small shared pool that encodes media payloads off the caller's thread, once each.

Backend workers call :func:`prefetch` on a batch before writing it. Each media value's
``LazyPayload`` guarantees a single encoding, so the pool threads and the worker simply race to
``payload()``: whoever comes first encodes, the others wait for the same bytes. With several
images in a batch, two cores encode in parallel while the worker waits for the last one.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Sequence
from typing import Any

from runlog.typespec.fallback import iter_media
from runlog.typespec.media import Media
from runlog.typespec.records import Row

logger = logging.getLogger("runlog")

_jobs: queue.SimpleQueue[Media] = queue.SimpleQueue()
_threads: list[threading.Thread] = []
_start_lock = threading.Lock()


def pool_size() -> int:
    """Encoder threads: the cores available, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


_PLAIN = frozenset({float, int, str, bool, type(None)})


def may_carry_media(record: Any) -> bool:
    """False for a row of plain values (the common case, checked at C speed); True otherwise."""
    return type(record) is not Row or not _PLAIN.issuperset(map(type, record.values.values()))


def prefetch(records: Sequence[Any]) -> None:
    """Encode every not yet encoded payload in ``records``, using the pool for all but one.

    Returns when all are encoded (or failed: a failure surfaces again, with its traceback, when
    the backend asks for that payload).
    """
    pending = [m for r in records for m in iter_media(r) if not m.encoded]
    if not pending:
        return
    if len(pending) > 1:
        _ensure_threads()
        for media in pending[1:]:
            _jobs.put(media)
    for media in pending:
        _encode(media)


def encoded_count() -> int:
    """Media encoded so far by :func:`prefetch` and the pool (a progress signal for workers)."""
    return _encoded[0]


_encoded = [0]


def _encode(media: Media) -> None:
    try:
        media.payload()
    except Exception:
        logger.debug("runlog: encoding %r failed", media, exc_info=True)
    _encoded[0] += 1


def _ensure_threads() -> None:
    if _threads:
        return
    with _start_lock:
        if _threads:
            return
        for i in range(pool_size()):
            thread = threading.Thread(target=_serve, name=f"runlog-encoder-{i}", daemon=True)
            thread.start()
            _threads.append(thread)


def _serve() -> None:
    while True:
        _encode(_jobs.get())


def _reset_after_fork() -> None:
    """A forked child has none of the parent's threads: start afresh on first use."""
    global _jobs, _start_lock
    _jobs = queue.SimpleQueue()
    _start_lock = threading.Lock()
    _threads.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
