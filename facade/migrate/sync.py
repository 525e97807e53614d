"""``runlog sync``: replay a recorded run into any backend, through the live dispatch path.

The records of a run in the files layout (a run logged with ``files``, imported, or stored by
the collector), or of a run in the http backend's spool (what a collector never acknowledged,
e.g. a run logged while the collector was down), are sent through the same dispatcher,
workers, fallbacks and backends a live run uses, with their original steps, timestamps and
runtimes. Syncing is idempotent: a target that can report the run
(``Capabilities(resume=True)``) is asked where it stands, and the replay sends only the rows
from its ``next_step`` on; config, metric and summary records are re-sent (setting a value
again changes nothing). Stale rows go only to a target that had none of the run, since nothing
tells which of them it already holds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
from runlog.backends import capabilities_of
from runlog.typespec.errors import UsageError
from runlog.typespec.records import Finished, Record, Row, RunStarted, StaleRow


@attrs.define
class SyncReport:
    """What one sync sent: per target label, ``(first step sent or None, rows sent)``."""

    run_dir: Path
    sent: dict[str, tuple[int | None, int]] = attrs.field(factory=dict)
    dry_run: bool = False

    def lines(self) -> list[str]:
        """The report as printable lines."""
        verb = "would send" if self.dry_run else "sent"
        out = []
        for label, (first, rows) in self.sent.items():
            where = f"from step {first}" if first is not None else "(nothing new)"
            out.append(f"{self.run_dir}: {verb} {rows} rows to {label} {where}")
        return out


def sync(
    path: str | os.PathLike,
    to: Any,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    settings: Any = None,
) -> SyncReport:
    """Replay the run at ``path`` into the backends ``to`` (what ``init(backends=…)`` takes:
    ``"tb"``, ``["mlflow:tracking_uri=…", "http:url=…"]``, …).

    ``progress(done, total)`` is called as records are sent. Returns what was sent per target.
    """
    from runlog._dispatch import Dispatcher
    from runlog._init import build_backends
    from runlog._resume import release
    from runlog._selection import select_backends
    from runlog._settings import Settings
    from runlog.backends.files import FilesRun

    source = SpoolRun(path) if SpoolRun.is_spool(path) else FilesRun(path)
    run_dir = source.dir
    if to is None or to == [] or to == "":
        raise UsageError("sync: name at least one target backend (--to tb, --to mlflow:…)")
    backends = build_backends(select_backends(to), run_dir)
    if "files" in backends and Path(getattr(backends["files"], "run_dir", "")) == run_dir:
        raise UsageError(f"sync: {run_dir} is the source; the files target needs dir=<another>")
    starts = {label: _next_step(backend) for label, backend in backends.items()}
    keeps = {label: _filter(start) for label, start in starts.items()}
    report = SyncReport(run_dir, dry_run=dry_run)
    sent: dict[str, list[int | None]] = {label: [None, 0] for label in backends}

    def count(label: str, record: Record) -> None:
        if type(record) is Row:
            tally = sent[label]
            tally[0] = record.step if tally[0] is None else tally[0]
            tally[1] += 1

    if dry_run:
        for record in source.records():
            for label, keep in keeps.items():
                if keep(record):
                    count(label, record)
        report.sent = {label: (first, n) for label, (first, n) in sent.items()}
        release(backends)
        return report
    resolved = Settings.resolve(settings)
    dispatchers = {label: Dispatcher({label: backend}, resolved, run_dir)
                   for label, backend in backends.items()}
    total = source.metadata.get("records") or 0  # unknown for a spool: the bar just counts
    started = False
    finished: Finished | None = None
    for done, record in enumerate(source.records(), 1):
        if progress is not None and done % 1000 == 0:
            progress(done, total)
        kind = type(record)
        if kind is RunStarted:
            if not started:  # later sessions of a resumed source continue one target run
                started = True
                for label, dispatcher in dispatchers.items():
                    at = starts[label]
                    dispatcher.start(attrs.evolve(record, resumed=at is not None,
                                                  resumed_step=at))
            continue
        if kind is Finished:
            finished = record
            continue
        if not started:
            raise UsageError(f"{run_dir}: records.jsonl does not start with the run's record")
        for label, dispatcher in dispatchers.items():
            if keeps[label](record):
                dispatcher.emit(record)
                count(label, record)
    if finished is None:  # the source never finished (crashed): so does the target run
        finished = Finished(1, "failed", source.summary, source.metadata.get("end_time") or 0.0,
                            (source.metadata.get("last_step") or -1) + 1)
    for dispatcher in dispatchers.values():
        dispatcher.close(finished, resolved.finish_timeout)
    if progress is not None:
        progress(total, total)
    report.sent = {label: (first, n) for label, (first, n) in sent.items()}
    return report


def _next_step(backend: Any) -> int | None:
    """Where the target stands: its ``next_step`` if it holds the run, else None."""
    if not capabilities_of(backend).resume:
        return None
    existing = backend.existing_run()
    return None if existing is None else existing.next_step


def _filter(start: int | None) -> Callable[[Record], bool]:
    """Which records a target still needs: rows from ``start`` on; stale rows only when it
    holds nothing of the run; everything else (idempotent) always."""
    if start is None:
        return lambda record: True

    def keep(record: Record) -> bool:
        kind = type(record)
        if kind is Row:
            return record.step >= start
        return kind is not StaleRow

    return keep


class SpoolRun:
    """A run in the http backend's spool (``<spool>/<project>/<run id>``) as a sync source:
    its batches' records in order, media from the spool."""

    def __init__(self, path: str | os.PathLike) -> None:
        from runlog.backends.http.spool import RunSpool

        self.dir = Path(path)
        self._spool = RunSpool(self.dir.parents[1], self.dir.parent.name, self.dir.name)
        self.metadata: dict[str, Any] = {}
        self.summary: dict[str, Any] = {}

    @staticmethod
    def is_spool(path: str | os.PathLike) -> bool:
        """True for a run directory of the http backend's spool."""
        from runlog.backends.http.spool import BATCHES, TARGET

        return (Path(path) / TARGET).is_file() and (Path(path) / BATCHES).is_dir()

    def records(self) -> Iterator[Record]:
        """The spooled records, oldest session first, in sequence order."""
        from runlog.typespec.jsonform import record_from_json

        def load(ref: str, obj: dict[str, Any]) -> bytes:
            return self._spool.media_path(ref.rpartition("/")[2]).read_bytes()  # media/<name>

        for batch in self._spool.batches():
            for obj in batch.load()["records"]:
                yield record_from_json(obj, load)
