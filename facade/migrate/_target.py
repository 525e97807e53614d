"""Where an importer writes: one run in the files layout, through the files backend itself."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import attrs
from runlog.typespec.errors import UsageError
from runlog.typespec.records import Finished, Record, Row, RunStarted, StaleRow
from runlog.typespec.summary import Summary

_BATCH = 1000
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def safe_id(text: str) -> str:
    """A run id / project name usable as a directory name, derived from ``text``."""
    out = _UNSAFE.sub("-", text).strip("-.") or "run"
    if not out[0].isalnum():
        out = "r" + out
    return out[:128]


@attrs.define
class ImportReport:
    """What one import wrote, and what it could not carry over.

    ``run_dir``: the new run directory; ``rows``: history rows written; ``stale``: values kept
    as stale rows (recorded at a step lower than one already written); ``skipped``: what was
    left out, as ``{reason: count}``.
    """

    run_dir: Path
    rows: int = 0
    stale: int = 0
    skipped: Counter[str] = attrs.field(factory=Counter)

    def lines(self) -> list[str]:
        """The report as printable lines."""
        out = [f"imported {self.rows} rows into {self.run_dir}"]
        if self.stale:
            out.append(f"  {self.stale} rows at earlier steps kept as stale rows (stale.jsonl)")
        out += [f"  not carried over: {n} × {why}" for why, n in sorted(self.skipped.items())]
        return out


class FilesTarget:
    """Writes one run's records into ``<root>/<project>/<id>`` with the files backend.

    Rows go in as they come (batched); a row whose step is not above the last one written
    becomes a ``StaleRow``, as the files layout keeps history steps increasing. The summary is
    folded from the rows unless the source has its own.
    """

    def __init__(self, root: Path, started: RunStarted, report_dir: Path | None = None) -> None:
        from runlog.backends.files import factory

        run_dir = Path(root) / started.project / started.id
        if run_dir.exists():
            raise UsageError(
                f"{run_dir} already exists; it was imported before (remove it to import again, "
                "or pass another id)"
            )
        self.report = ImportReport(run_dir)
        self._backend = factory({}, run_dir)
        self._backend.start(started)
        self._batch: list[Record] = [started]
        self._summary = Summary()
        self._last_step: int | None = None
        self.start_time = started.start_time

    def skip(self, why: str, count: int = 1) -> None:
        """Count something the source has that the import leaves out."""
        self.report.skipped[why] += count

    def row(self, step: int, timestamp: float, values: dict[tuple[str, ...], Any],
            runtime: float | None = None) -> None:
        """Add one history row (values keyed by leaf path); ``runtime`` defaults to the time
        since the run started."""
        if not values:
            return
        if self._last_step is not None and step <= self._last_step:
            self._add(StaleRow(step, self._last_step, timestamp, values, "keep"))
            self.report.stale += 1
            return
        if runtime is None:
            runtime = max(0.0, timestamp - self.start_time)
        row = Row(step, timestamp, runtime, values)
        self._summary.apply_row(row)
        self._last_step = step
        self.report.rows += 1
        self._add(row)

    def add(self, record: Record) -> None:
        """Add any other record (config or summary changes)."""
        self._add(record)

    def finish(self, status: str, end_time: float, exit_code: int = 0,
               summary: dict[str, Any] | None = None) -> ImportReport:
        """Write ``Finished`` and close. The summary is the fold of the rows, with the source's
        own summary (when it has one) taking precedence key by key."""
        final = {**self._summary.nested(), **(summary or {})}
        done = Finished(exit_code, status, final, end_time,
                        0 if self._last_step is None else self._last_step + 1)
        self._batch.append(done)
        self.flush()
        self._backend.flush(None)
        self._backend.close(done)
        return self.report

    def abort(self) -> None:
        """Close after an error: what was written so far stays, marked failed."""
        try:
            self.finish("failed", self.start_time, exit_code=1)
        except Exception:  # noqa: BLE001 - the original error is the one to report
            pass

    def flush(self) -> None:
        """Hand the records added so far to the files backend."""
        if self._batch:
            self._backend.write(self._batch)
            self._batch = []

    def _add(self, record: Record) -> None:
        self._batch.append(record)
        if len(self._batch) >= _BATCH:
            self.flush()
