"""runlog-csv: a runlog backend writing history values to a CSV file, one line per value.

Each committed row becomes one line per leaf: ``step,timestamp,runtime,key,value`` with nested
keys joined by ``/``. A media value (image, audio, table, ...) is written once, by content, to
``<run dir>/csv_media/<sha256>.<ext>`` and its cell holds that path; a list holds JSON.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import runlog
from runlog.backends import Capabilities
from runlog.typespec import Finished, Record, Row, RunStarted
from runlog.typespec.errors import UsageError
from runlog.typespec.media import KINDS, Media, MediaSequence

HEADER = ("step", "timestamp", "runtime", "key", "value")
MEDIA_DIR = "csv_media"


class CsvBackend:
    """Writes ``Row`` records to a CSV file; every other record type is ignored."""

    name = "csv"
    # every media kind arrives as itself: this backend only needs the encoded bytes
    capabilities = Capabilities(kinds=KINDS)

    def __init__(self, options: dict[str, Any], run_dir: Path) -> None:
        unknown = set(options) - {"path", "flush_every"}
        if unknown:
            raise UsageError(f"csv backend: unknown option(s) {sorted(unknown)}; "
                             "options are 'path' (str) and 'flush_every' (int >= 1)")
        path = options.get("path", "metrics.csv")
        flush_every = options.get("flush_every", 50)
        if not isinstance(path, str) or not path:
            raise UsageError(f"csv backend: option 'path' must be a non-empty str, got "
                             f"{type(path).__name__} {path!r}")
        if type(flush_every) is not int or flush_every < 1:
            raise UsageError(f"csv backend: option 'flush_every' must be an int >= 1, got "
                             f"{type(flush_every).__name__} {flush_every!r}")
        self.run_dir = run_dir
        self.path = run_dir / path
        self.flush_every = flush_every
        self._file: Any = None
        self._writer: Any = None
        self._unflushed = 0

    def start(self, run: RunStarted) -> None:
        """Open the CSV file (appending when the run is resumed)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists() or self.path.stat().st_size == 0
        self._file = open(self.path, "a", newline="", encoding="utf-8")  # noqa: SIM115
        self._writer = csv.writer(self._file)
        if new:
            self._writer.writerow(HEADER)

    def write(self, records: Sequence[Record]) -> None:
        """One CSV line per leaf of every committed row."""
        for record in records:
            if type(record) is Row:
                for path, value in record.values.items():
                    self._writer.writerow((record.step, record.timestamp, record.runtime,
                                           "/".join(path), self._cell(value)))
                self._unflushed += 1
        if self._unflushed >= self.flush_every:
            self.flush(None)

    def flush(self, timeout: float | None) -> bool:
        """Write the file's buffer to disk."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
        self._unflushed = 0
        return True

    def close(self, finished: Finished) -> None:
        """Flush and close the file."""
        if self._file is not None:
            self.flush(None)
            self._file.close()
            self._file = None

    def _cell(self, value: Any) -> Any:
        if isinstance(value, Media):
            return self._store(value)
        if isinstance(value, MediaSequence):
            return json.dumps([self._store(item) for item in value.items])
        if isinstance(value, (list, dict)):
            return json.dumps(value, default=str)
        return value

    def _store(self, media: Media) -> str:
        """Write a media value's encoded bytes once, by content; return the relative path."""
        payload = media.payload()  # the encoded bytes, their sha256, ext and MIME type
        target = self.run_dir / MEDIA_DIR / payload.filename
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(payload.data)
        return f"{MEDIA_DIR}/{payload.filename}"


def factory(options: dict[str, Any], run_dir: Path) -> CsvBackend:
    """Build the backend from its options (already typed: ``flush_every=10`` arrives as 10)."""
    return CsvBackend(options, run_dir)


@runlog.hookimpl
def runlog_backends() -> dict[str, Any]:
    """The backends this plugin provides, by the name users select them with."""
    return {"csv": factory}
