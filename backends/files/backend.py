"""The files backend (the default): a run directory that a ``kill -9`` cannot corrupt.

``<dir>/<project>/<run id>/`` holds ``records.jsonl`` (the append-only IR record log, the source
of truth), ``history.jsonl``, ``stale.jsonl``, ``summary.json``, ``run.json``, ``media/``,
``files/`` and ``artifacts/`` (format: ``docs/files-format.md``).

Durability. Records are encoded to bytes when written and buffered; the buffer goes to the OS
(one append per file, ``records.jsonl`` first) every ``flush_interval`` seconds or
``flush_rows`` records, whichever comes first, so a killed process loses at most that much.
``summary.json`` and ``run.json`` are replaced atomically, at most every ``flush_interval``
(and at ``flush()``, ``close()`` and the run's first and last record). ``flush()`` fsyncs what
a power cut must not take: the media and ``records.jsonl`` (the source of truth; the other
files are caches rebuilt from it); ``close()`` fsyncs every file. Lines are only ever appended
whole; a line cut short by a kill is skipped by the reader and cut off when the run is reopened.

Failed writes (``docs/durability.md``). ``write()`` either accepts a whole batch into the
buffer or raises having accepted nothing, so a retried batch is never stored twice. A write-out
that fails (a full disk, a cache file that cannot be replaced) keeps what it did not write:
an append cut short is cut back (:class:`~.io.AppendLog`), files already appended are not
appended again, and the rest is retried by the ticker, the next ``write()`` and ``flush()``.

Options (``backends=[{"files": {...}}]``, ``"files:flush_interval=5"`` or
``RUNLOG_FILES__FLUSH_INTERVAL``): ``flush_interval`` (seconds, default 1.0; 0 writes every
batch through at once), ``flush_rows`` (records, default 1000) and ``dir`` (another run root,
e.g. for a second, labelled instance ``"files@archive:dir=/mnt/archive"``).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from runlog.typespec.errors import UsageError
from runlog.typespec.jsonform import dumps
from runlog.typespec.media import KINDS
from runlog.typespec.records import (
    ArtifactLogged,
    FileSaved,
    Finished,
    Record,
    Row,
    RunStarted,
    StaleRow,
)

from .._contract import Capabilities, ExistingRun
from ..options import Option, parse_options
from .artifacts import save_manifest
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
from .io import (
    AppendLog,
    atomic_write,
    count_lines,
    create_new,
    fsync_path,
    truncate_torn_tail,
)
from .lock import RunLock
from .media import MediaStore
from .reader import fold, is_run_dir, iter_records, last_state
from .state import RunState

OPTIONS: dict[str, Option] = {
    "flush_interval": Option(1.0, float, "a number of seconds >= 0", minimum=0),
    "flush_rows": Option(1000, int, "an int >= 1", minimum=1),
    "dir": Option(None, Path, "a directory: the run goes to <dir>/<project>/<run id>"),
}
_LOGS = (RECORDS, HISTORY, STALE)  # append-only logs, in the order they are written out
#: written out without waiting: run.json names the run at once
_AT_ONCE = frozenset({RunStarted, Finished})
_ROWS_ONLY = {Row}  # a batch of history rows only: the run state folds it at once


class FilesBackend:
    """Writes a run to ``run_dir`` in the files layout; holds the run lock while open."""

    name = "files"
    #: every kind; every StaleRow is kept (stale.jsonl); resumable
    capabilities = Capabilities(kinds=KINDS, stale_rows=True, resume=True)

    def __init__(self, run_dir: Path, flush_interval: float = 1.0, flush_rows: int = 1000) -> None:
        self.run_dir = Path(run_dir)
        self.flush_interval = flush_interval
        self.flush_rows = flush_rows
        self._run_lock: RunLock | None = None
        self._media = MediaStore(self.run_dir)
        self._state = RunState()
        self._lock = threading.Lock()
        self._encoder = BatchEncoder(self._media.store)
        self._pending: dict[str, list[bytes]] = {name: [] for name in _LOGS}
        self._buffered = 0
        self._caches_dirty = False
        self._files: dict[str, AppendLog] = {}
        self._last_out = self._caches_out = time.monotonic()
        self._dir_synced = False  # the run directory's entries (records.jsonl) fsynced once
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        #: the error of the last write-out if it failed (what it did not write is still pending)
        self._failed: Exception | None = None
        self._log_bytes = 0  # bytes appended to the logs so far

    # -- Backend -------------------------------------------------------------------------------
    def existing_run(self) -> ExistingRun | None:
        """Take the run lock, then read the recorded run (None if there is none).

        The lock is held until :meth:`close` (or :meth:`release`), so no other process can
        append to the run between this read and this backend's writes; a live holder is a
        UsageError naming its process.
        """
        self._take_lock()
        if not is_run_dir(self.run_dir):
            return None
        # a fold of its own: the run mutates this summary, start() folds the state it writes
        state = last_state(self.run_dir, self._media)
        return ExistingRun(state.next_step, state.summary, state.config)

    def release(self) -> None:
        """The run was refused: release the run lock."""
        if self._run_lock is not None:
            self._run_lock.release()

    def start(self, run: RunStarted) -> None:
        """Open the logs for appending; an existing run (resume) is repaired first."""
        self._take_lock()
        with self._lock:
            if (self.run_dir / RECORDS).exists():
                self._reopen()
            for name in _LOGS:
                self._files[name] = AppendLog(self.run_dir / name)
        if self.flush_interval > 0:
            self._ticker = threading.Thread(
                target=self._tick, name=f"runlog-files-{self.run_dir.name}", daemon=True
            )
            self._ticker.start()

    def write(self, records: Sequence[Record]) -> None:
        """Encode the batch and buffer it, all or nothing; write out when a limit is reached or
        the batch starts or ends the run.

        Raises (having accepted nothing) when a record cannot be encoded, or when a write-out
        that failed earlier still fails; a write-out failing now keeps the accepted batch
        buffered and is retried later.
        """
        with self._lock:
            if self._failed is not None:
                self._write_out()
            kinds = set(map(type, records))
            chunks = self._encoder.encode(records)
            if FileSaved in kinds or ArtifactLogged in kinds:
                for record in records:
                    if type(record) is FileSaved:
                        self._media.save_file(record.name, record.payload.payload())
                    elif type(record) is ArtifactLogged:
                        save_manifest(self.run_dir, record, self._media.store)
            pending = self._pending
            for name, data in chunks.items():
                if data:
                    pending[name].append(data)
            if kinds == _ROWS_ONLY:
                self._state.apply_rows(records)
            else:
                for record in records:
                    self._state.apply(record)
            self._buffered += len(records)
            self._caches_dirty = True
            at_once = not kinds.isdisjoint(_AT_ONCE)
            if (
                at_once
                or self._buffered >= self.flush_rows
                or time.monotonic() - self._last_out >= self.flush_interval
            ):
                self._try_write_out(caches=at_once)

    def flush(self, timeout: float | None = None) -> bool:
        """Write out everything written so far and fsync the media and ``records.jsonl``;
        True when done."""
        with self._lock:
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
                    self._write_out(sync=True, sync_all=True)
            finally:
                for log in self._files.values():
                    log.close()
                self._files.clear()
                self.release()

    @property
    def bytes_written(self) -> int:
        """Bytes written so far: log lines and media files (``run.stats``)."""
        return self._log_bytes + self._media.bytes_written

    # -- internals -----------------------------------------------------------------------------
    def _take_lock(self) -> None:
        if self._run_lock is None:
            try:
                self.run_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UsageError(
                    f"files backend: cannot write the run directory {self.run_dir}: "
                    f"{exc.strerror or exc}; pass a writable dir= (or set RUNLOG_DIR)"
                ) from exc
            lock = RunLock(self.run_dir)
            lock.acquire()
            self._run_lock = lock

    def _write_out(self, sync: bool = False, sync_all: bool = False,
                   caches: bool = False) -> None:
        """Buffered lines to the OS (records first), then the caches if they are due.

        The caches are due every ``flush_interval``, or when ``caches`` or ``sync``. ``sync``
        fsyncs the media and ``records.jsonl`` (and the run directory once), ``sync_all``
        every file. Each log is appended whole or not at all and leaves the buffer only once
        appended, so after a failure a new call continues exactly where this one stopped.
        """
        try:
            if sync:
                self._media.sync()
            for name, chunks in self._pending.items():
                log = self._files[name]
                if chunks:
                    data = b"".join(chunks)
                    log.append(data)
                    self._log_bytes += len(data)
                    chunks.clear()
                if sync_all or (sync and name == RECORDS):
                    log.sync()
            if sync and not self._dir_synced:
                fsync_path(self.run_dir, directory=True)
                self._dir_synced = True
            now = time.monotonic()
            if self._caches_dirty and (
                caches or sync or now - self._caches_out >= self.flush_interval
            ):
                self._write_caches(sync_all)
                self._caches_out = now
        except Exception as exc:
            self._failed = exc
            raise
        self._failed = None
        self._buffered = 0
        self._last_out = time.monotonic()

    def _write_caches(self, sync: bool) -> None:
        """Replace ``summary.json``, then ``run.json`` (``sync``: fsynced)."""
        state = self._state
        summary = encode_tree(state.final_summary(), self._media.store)
        atomic_write(self.run_dir / SUMMARY, dumps(summary).encode("utf-8"), sync)
        meta = json.dumps(state.run_json(pid=os.getpid()), indent=2, ensure_ascii=False)
        atomic_write(self.run_dir / RUN_JSON, meta.encode("utf-8"), sync)
        self._caches_dirty = False

    def _try_write_out(self, caches: bool = False) -> None:
        """Write out; a failure is kept in ``_failed`` and retried later (nothing is lost)."""
        try:
            self._write_out(caches=caches)
        except Exception:  # noqa: BLE001 - kept in _failed, raised by the next write or flush
            pass

    def _tick(self) -> None:
        """Every ``flush_interval``: write out an idle buffer, and fsync the media written
        since (outside the backend lock), so that a ``flush()`` has only the last interval's
        media left to sync."""
        while not self._stop.wait(self.flush_interval):
            with self._lock:
                if (self._buffered or self._caches_dirty or self._failed) and self._files:
                    self._try_write_out(caches=True)
            try:
                self._media.sync()
            except OSError:
                pass  # the files stay pending: flush() syncs them, or raises

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
        with open(create_new(tmp[HISTORY]), "w", encoding="utf-8") as hist, \
                open(create_new(tmp[STALE]), "w", encoding="utf-8") as stale:
            for record in iter_records(self.run_dir, self._media):
                if type(record) is Row:
                    hist.write(dumps(history_line(record, store)) + "\n")
                elif type(record) is StaleRow:
                    stale.write(dumps(stale_line(record, store)) + "\n")
        for name, path in tmp.items():
            os.replace(path, self.run_dir / name)

    def __repr__(self) -> str:
        return f"<FilesBackend {self.run_dir}>"




def factory(options: dict[str, Any], run_dir: Path) -> FilesBackend:
    """Build the files backend for ``run_dir``, or ``<dir>/<project>/<run id>`` with the option
    ``dir``. The run lock is taken by :meth:`FilesBackend.existing_run` (or ``start``): a second
    live opener of the same run gets a UsageError naming the process that has it; so does a
    directory it cannot write."""
    parsed = parse_options("files", options, OPTIONS)
    root = parsed.pop("dir")
    if root is not None:
        run_dir = root / run_dir.relative_to(run_dir.parents[1])
    return FilesBackend(run_dir, **parsed)
