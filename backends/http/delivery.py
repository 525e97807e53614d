"""Delivering a run's spool to its collector: media first, then batches in order, then forget
what the collector acknowledged. Used by the backend's sender thread and by ``runlog sync``."""

from __future__ import annotations

import threading

from runlog.typespec.errors import BackendError

from .spool import RunSpool, SpooledBatch
from .transport import Collector

#: records per request when several spooled batches are sent together
MAX_RECORDS = 5000
#: bytes of batch files per request
MAX_BYTES = 8 * 1024 * 1024


def deliver(spool: RunSpool, collector: Collector, opened: set[str] | None = None,
            stop: threading.Event | None = None) -> int:
    """Send every spooled batch of ``spool``; returns how many the collector acknowledged.

    ``opened`` remembers sessions already announced to the collector (create-or-resume).
    Raises the transport's errors; what was not acknowledged stays spooled.
    """
    opened = set() if opened is None else opened
    delivered = 0
    while not (stop is not None and stop.is_set()):
        pending = spool.batches()
        if not pending:
            break
        session = pending[0].session
        if session not in opened:
            acked = int(collector.open_run(spool.project, spool.run_id, session)["acked"])
            opened.add(session)
            done = [b for b in pending if b.session == session and b.seq <= acked]
            if done:
                spool.acknowledged(done)
                delivered += len(done)
                continue
        group, bodies = _take(pending, session)
        for name in sorted({n for body in bodies for n in body.get("media", ())}):
            if not collector.has_media(spool.project, spool.run_id, name):
                data = spool.media_path(name).read_bytes()
                collector.put_media(spool.project, spool.run_id, name, data)
        wire = [{"seq": b["seq"], "records": b["records"]} for b in bodies]
        acked = collector.post_batches(spool.project, spool.run_id, session, wire)
        done = [b for b in group if b.seq <= acked]
        if not done:
            raise BackendError(
                f"collector {collector.url} acknowledged sequence {acked} of session {session} "
                f"but the spool starts at {group[0].seq}: it lost acknowledged data"
            )
        spool.acknowledged(done)
        delivered += len(done)
    return delivered


def _take(pending: list[SpooledBatch], session: str) -> tuple[list[SpooledBatch], list[dict]]:
    """The next consecutive batches of one session, within the request limits."""
    group: list[SpooledBatch] = []
    bodies: list[dict] = []
    records = size = 0
    for batch in pending:
        if batch.session != session:
            break
        body = batch.load()
        records += len(body["records"])
        size += batch.path.stat().st_size
        if group and (records > MAX_RECORDS or size > MAX_BYTES):
            break
        group.append(batch)
        bodies.append(body)
    return group, bodies
