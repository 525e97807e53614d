"""The files backend (the default): a run directory that a ``kill -9`` cannot corrupt.

``<dir>/<project>/<run id>/`` holds ``records.jsonl`` (the append-only IR record log, the source
of truth), ``history.jsonl``, ``stale.jsonl``, ``summary.json``, ``run.json``, ``media/`` and
``files/`` (format: ``docs/files-format.md``).

Durability. Records are encoded when written and buffered; the buffer goes to the OS (one
``write`` per file, ``records.jsonl`` first) every ``flush_interval`` seconds or
``flush_rows`` records, whichever comes first, so a killed process loses at most that much.
``flush()`` and ``close()`` also fsync, so what they cover survives a power cut. Lines are
only ever appended whole; a line cut short by a kill is skipped by the reader and cut off when
the run is reopened. ``summary.json`` and ``run.json`` are replaced atomically.

Options (``backends=[{"files": {...}}]``, ``"files:flush_interval=5"`` or
``RUNLOG_FILES_FLUSH_INTERVAL``): ``flush_interval`` (seconds, default 1.0; 0 writes every
batch through at once) and ``flush_rows`` (records, default 1000).
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from runlog.typespec.errors import UsageError
from runlog.typespec.jsonform import dumps
from runlog.typespec.media import KINDS
from runlog.typespec.records import FileSaved, Finished, Record, Row, RunStarted, StaleRow

from .encode import BatchEncoder
from .format import (
    HISTORY,
    RECORDS,
    RUN_JSON,
    STALE,
    SUMMARY,
    encode_tree,
    history_line,
    stale_line,
)
from .io import atomic_write, count_lines, truncate_torn_tail
from .lock import RunLock
from .media import MediaStore
from .reader import fold, iter_records
from .state import RunState

#: option -> (default, type, text for errors)
OPTIONS: dict[str, tuple[Any, type, str]] = {
    "flush_interval": (1.0, float, "a number of seconds >= 0"),
    "flush_rows": (1000, int, "an int >= 1"),
}
_LOGS = (RECORDS, HISTORY, STALE)  # append-only logs, in the order they are written out
_AT_ONCE = (RunStarted, Finished)  # written out without waiting: run.json names the run at once


class FilesBackend:
    """Writes a run to ``run_dir`` in the files layout; holds the run lock while open."""

    name = "files"
    kinds = KINDS
    accepts_out_of_order = True
    stores_stale = True  # receives StaleRow under every on_stale_step policy (stale.jsonl)

    def __init__(self, run_dir: Path, flush_interval: float = 1.0, flush_rows: int = 1000) -> None:
        self.run_dir = Path(run_dir)
        self.flush_interval = flush_interval
        self.flush_rows = flush_rows
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._run_lock = RunLock(self.run_dir)
        self._run_lock.acquire()
        self._media = MediaStore(self.run_dir)
        self._state = RunState()
        self._lock = threading.Lock()
        self._encoder = BatchEncoder(self._media.store)
        self._pending: dict[str, list[bytes]] = {name: [] for name in _LOGS}
        self._buffered = 0
        self._caches_dirty = False
        self._files: dict[str, BinaryIO] = {}
        self._last_out = time.monotonic()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._error: BaseException | None = None
        #: bytes appended to the logs so far (``run.stats``)
        self.bytes_written = 0

    # -- Backend -------------------------------------------------------------------------------
    def start(self, run: RunStarted) -> None:
        """Open the logs for appending; an existing run (resume) is repaired first."""
        with self._lock:
            if (self.run_dir / RECORDS).exists():
                self._reopen()
            for name in _LOGS:
                self._files[name] = open(self.run_dir / name, "ab", buffering=0)  # noqa: SIM115
        if self.flush_interval > 0:
            self._ticker = threading.Thread(
                target=self._tick, name=f"runlog-files-{self.run_dir.name}", daemon=True
            )
            self._ticker.start()

    def write(self, records: Sequence[Record]) -> None:
        """Encode the batch (all or nothing) and buffer it; write out when a limit is reached
        or the batch starts or ends the run."""
        with self._lock:
            self._raise_background_error()
            chunks = self._encoder.encode(records)
            for record in records:
                if type(record) is FileSaved:
                    self._media.save_file(record.name, record.payload.payload())
            pending = self._pending
            for name, data in chunks.items():
                if data:
                    pending[name].append(data)
            for record in records:
                self._state.apply(record)
            self._buffered += len(records)
            self._caches_dirty = True
            if (
                self._buffered >= self.flush_rows
                or time.monotonic() - self._last_out >= self.flush_interval
                or any(type(r) in _AT_ONCE for r in records)
            ):
                self._write_out(sync=False)

    def flush(self, timeout: float | None = None) -> bool:
        """Write out and fsync everything written so far; True when done."""
        with self._lock:
            self._raise_background_error()
            if self._files:
                self._write_out(sync=True)
        return True

    def close(self, finished: Finished) -> None:
        """Write out, fsync, close the files and release the run lock."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        with self._lock:
            try:
                if self._files:
                    self._write_out(sync=True)
            finally:
                for f in self._files.values():
                    f.close()
                self._files.clear()
                self._run_lock.release()

    # -- internals -----------------------------------------------------------------------------
    def _write_out(self, sync: bool) -> None:
        """Buffered lines to the OS (records first), then the caches; ``sync`` fsyncs all."""
        if sync:
            self._media.sync()
        for name, chunks in self._pending.items():
            if chunks:
                data = b"".join(chunks)
                _write_all(self._files[name], data)
                self.bytes_written += len(data)
                chunks.clear()
                if sync:
                    os.fsync(self._files[name].fileno())
        if self._caches_dirty:
            state = self._state
            summary = encode_tree(state.final_summary(), self._media.store)
            atomic_write(self.run_dir / SUMMARY, dumps(summary).encode("utf-8"), sync)
            meta = json.dumps(state.run_json(pid=os.getpid()), indent=2, ensure_ascii=False)
            atomic_write(self.run_dir / RUN_JSON, meta.encode("utf-8"), sync)
            self._caches_dirty = False
        self._buffered = 0
        self._last_out = time.monotonic()

    def _tick(self) -> None:
        while not self._stop.wait(self.flush_interval):
            with self._lock:
                if not (self._buffered or self._caches_dirty) or not self._files:
                    continue
                try:
                    self._write_out(sync=False)
                except Exception as exc:  # noqa: BLE001 - reported by the next write() or flush()
                    self._error = exc
                    return

    def _raise_background_error(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error

    def _reopen(self) -> None:
        """Resume: cut torn tails, fold the records so far, rebuild caches that lag behind."""
        for name in _LOGS:
            truncate_torn_tail(self.run_dir / name)
        self._state = state = fold(self.run_dir, self._media)
        if (count_lines(self.run_dir / HISTORY) != state.rows
                or count_lines(self.run_dir / STALE) != state.stale):
            self._rebuild_logs()
        self._caches_dirty = True

    def _rebuild_logs(self) -> None:
        """Rewrite ``history.jsonl`` and ``stale.jsonl`` from ``records.jsonl``."""
        store = self._media.store
        tmp = {name: self.run_dir / f".{name}.rebuild" for name in (HISTORY, STALE)}
        with open(tmp[HISTORY], "w", encoding="utf-8") as hist, \
                open(tmp[STALE], "w", encoding="utf-8") as stale:
            for record in iter_records(self.run_dir, self._media):
                if type(record) is Row:
                    hist.write(dumps(history_line(record, store)) + "\n")
                elif type(record) is StaleRow:
                    stale.write(dumps(stale_line(record, store)) + "\n")
        for name, path in tmp.items():
            os.replace(path, self.run_dir / name)

    def __repr__(self) -> str:
        return f"<FilesBackend {self.run_dir}>"


def _write_all(f: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[f.write(view):]


def parse_options(options: dict[str, Any]) -> dict[str, Any]:
    """Validated keyword arguments for :class:`FilesBackend`; a bad option is a UsageError."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        accepted = ", ".join(f"{k} ({text})" for k, (_, _, text) in OPTIONS.items())
        raise UsageError(f"files backend: unknown option(s) {', '.join(unknown)}; "
                         f"accepted: {accepted}")
    out = {}
    for key, (default, kind, text) in OPTIONS.items():
        value = options.get(key, default)
        ok = (
            not isinstance(value, bool) and isinstance(value, (int, float))
            and (kind is float or float(value).is_integer())
            and math.isfinite(value) and value >= (0 if kind is float else 1)
        )
        if not ok:
            raise UsageError(f"files backend: option {key} must be {text}, got {value!r} "
                             f"({type(value).__name__})")
        out[key] = kind(value)
    return out


def factory(options: dict[str, Any], run_dir: Path) -> FilesBackend:
    """Build the files backend for ``run_dir`` (takes the run lock: a second live opener of the
    same run gets a UsageError naming the process that has it)."""
    return FilesBackend(run_dir, **parse_options(options))
