"""What a run's records add up to: metadata, config, summary, row count, status.

The files backend folds records into a :class:`RunState` as they arrive and renders
``run.json`` / ``summary.json`` from it; the reader folds ``records.jsonl`` the same way when
those caches lag behind it (after a crash), and resuming a run starts from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from runlog.typespec.records import (
    ConfigChanged,
    Finished,
    Record,
    Row,
    RunStarted,
    StaleRow,
)
from runlog.typespec.summary import Summary

from .format import FORMAT, FORMAT_VERSION

#: ``run.json`` status of a run whose process is still writing (no ``Finished`` record yet)
RUNNING = "running"
#: status the reader reports for a run without ``Finished`` whose lock no live process holds
CRASHED = "crashed"


class RunState:
    """The fold of a run's records (all sessions of a resumed run).

    - :attr:`next_step`: the step a resumed run continues at (last committed step + 1);
    - :attr:`summary`: the :class:`~runlog.typespec.summary.Summary` fold;
    - :attr:`config`: the latest ``RunStarted.config`` updated by every ``ConfigChanged``;
    - :attr:`rows`, :attr:`last_step`, :attr:`stale`, :attr:`records`: counts;
    - :attr:`finished`: the ``Finished`` record of the last session, if it ended.
    """

    def __init__(self) -> None:
        self.started: RunStarted | None = None
        self.start_time: float | None = None
        self.sessions = 0
        self.config: dict[str, Any] = {}
        self.summary = Summary()
        self.rows = 0
        self.last_step: int | None = None
        self.stale = 0
        self.records = 0
        self.finished: Finished | None = None
        self._final_step = 0

    def apply_rows(self, rows: Sequence[Row]) -> None:
        """:meth:`apply` for each of ``rows`` (all ``Row`` records, at least one), at once."""
        self.records += len(rows)
        self.rows += len(rows)
        self.last_step = rows[-1].step
        self.summary.apply_rows(rows)

    def apply(self, record: Record) -> None:
        """Fold one record."""
        self.records += 1
        kind = type(record)
        if kind is Row:
            self.rows += 1
            self.last_step = record.step
            self.summary.apply_row(record)
        elif kind is StaleRow:
            self.stale += 1
        elif kind is RunStarted:
            self.started = record
            self.sessions += 1
            if self.start_time is None:
                self.start_time = record.start_time
            self.config = dict(record.config)
            self.finished = None
        elif kind is ConfigChanged:
            self.config.update(record.values)
        elif kind is Finished:
            self.finished = record
            self._final_step = max(self._final_step, record.final_step)
        else:
            self.summary.apply(record)

    @property
    def next_step(self) -> int:
        """The step a resumed run continues at: the last committed step + 1 (0 if none)."""
        after_rows = 0 if self.last_step is None else self.last_step + 1
        return max(after_rows, self._final_step)

    @property
    def status(self) -> str:
        """``finished`` / ``failed`` / ``preempted`` from ``Finished``, else ``running``."""
        return self.finished.status if self.finished else RUNNING

    def final_summary(self) -> dict[str, Any]:
        """The nested summary: the ``Finished`` record's once the run ended, else the fold."""
        return self.finished.summary if self.finished else self.summary.nested()

    def run_json(self, pid: int | None = None) -> dict[str, Any]:
        """The ``run.json`` object (see ``docs/files-format.md``)."""
        started, finished = self.started, self.finished
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "id": started.id if started else None,
            "name": started.name if started else None,
            "project": started.project if started else None,
            "group": started.group if started else None,
            "job_type": started.job_type if started else None,
            "tags": list(started.tags) if started else [],
            "notes": started.notes if started else None,
            "config": self.config,
            "status": self.status,
            "exit_code": finished.exit_code if finished else None,
            "error": finished.error if finished else None,
            "start_time": self.start_time,
            "end_time": finished.end_time if finished else None,
            "host": started.host if started else None,
            "pid": pid,
            "runlog_version": started.version if started else None,
            "backends": list(started.backends) if started else [],
            "origin": started.origin if started else None,
            "command": list(started.command) if started else [],
            "python": started.python or None if started else None,
            "executable": started.executable or None if started else None,
            "user": started.user or None if started else None,
            "git": started.git if started else None,
            "sessions": self.sessions,
            "resumed_step": started.resumed_step if started else None,
            "rows": self.rows,
            "last_step": self.last_step,
            "stale_rows": self.stale,
            "records": self.records,
        }
