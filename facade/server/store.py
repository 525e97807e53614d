"""The collector's store: runs in the files layout under one directory, ingested exactly once.

Each run directory ``<dir>/<project>/<run id>`` is written by runlog's own files backend, plus
``ingest.json``: ``{"sessions": {session: acked sequence}, "records": n}``, replaced atomically
(and fsynced) after the batch it acknowledges is fsynced. A collector killed between the two
has records beyond ``n`` in ``records.jsonl``: they belong to a batch nobody acknowledged, so
reopening the run cuts them off and the client's re-sent batch writes them once.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from runlog.backends.files.backend import FilesBackend
from runlog.backends.files.format import RECORDS
from runlog.backends.files.io import atomic_write
from runlog.backends.files.media import MediaStore
from runlog.backends.http.protocol import NAME
from runlog.typespec.errors import DataError
from runlog.typespec.jsonform import record_from_json
from runlog.typespec.records import Finished, Row, RunStarted, StaleRow, SystemSample

INGEST = "ingest.json"


class ApiError(Exception):
    """A request the collector refuses: HTTP status, error code and a message for the user."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def check_name(value: str, what: str) -> str:
    """A project or run id that is one safe directory name, or a 400."""
    if not NAME.match(value):
        raise ApiError(400, "bad_name", f"{what} {value!r} is not accepted: use 1-128 letters, "
                       "digits, '_', '-' and '.', starting with a letter or digit")
    return value


class StoredRun:
    """One run of the store: its ingest state, and the files backend while it is open."""

    def __init__(self, run_dir: Path) -> None:
        self.dir = run_dir
        self.lock = threading.Lock()
        self.media = MediaStore(run_dir)
        self._writer: FilesBackend | None = None
        try:
            state = json.loads((run_dir / INGEST).read_bytes())
        except FileNotFoundError:
            state = {"sessions": {}, "records": 0}
        self.sessions: dict[str, int] = dict(state["sessions"])
        self.records: int = int(state["records"])

    @property
    def exists(self) -> bool:
        """True once the run was created."""
        return (self.dir / INGEST).exists()

    def create(self) -> None:
        """Make the run directory and its ingest state (idempotent)."""
        if not self.exists:
            self.dir.mkdir(parents=True, exist_ok=True)
            self._save(self.sessions, self.records)

    def ingest(self, session: str, batches: list[tuple[int, list[dict[str, Any]]]]) -> int:
        """Store the batches that follow the session's acknowledged sequence, in order; returns
        the new highest contiguous sequence. Duplicates are skipped; a gap stops the loop."""
        with self.lock:
            acked = self.sessions.get(session, 0)
            decoded = [(seq, [self._decode(obj) for obj in objs])
                       for seq, objs in batches if seq > acked]  # all checked before any write
            done = acked
            written = 0
            try:
                for seq, records in decoded:
                    if seq != done + 1:
                        if seq > done:
                            break  # a gap: the client re-sends from acked + 1
                        continue  # a batch repeated within one request
                    writer = self._open_writer()
                    try:
                        writer.write(records)
                    except DataError as exc:
                        raise ApiError(400, "bad_record", str(exc)) from None
                    done, written = seq, written + len(records)
                    finished = [r for r in records if type(r) is Finished]
                    if finished:
                        self._commit(session, done, written)
                        written = 0
                        self.close(finished[-1])
            finally:
                if written:  # one fsync and one acknowledgement for the whole request
                    self._commit(session, done, written)
            return self.sessions.get(session, 0)

    def _commit(self, session: str, seq: int, written: int) -> None:
        """fsync what was written, then acknowledge it (in memory only once on disk)."""
        assert self._writer is not None
        sessions = {**self.sessions, session: seq}
        try:
            self._writer.flush()
            self._save(sessions, self.records + written)
        except BaseException:
            self.close()  # reopening cuts the unacknowledged records off
            raise
        self.sessions, self.records = sessions, self.records + written

    def close(self, finished: Finished | None = None) -> None:
        """Close the files backend (releases the run lock)."""
        if self._writer is not None:
            self._writer.close(finished)  # type: ignore[arg-type]
            self._writer = None

    # -- internals -----------------------------------------------------------------------------
    def _decode(self, obj: Any) -> Any:
        if not isinstance(obj, dict):
            raise ApiError(400, "bad_record", f"a record must be a JSON object, got {obj!r:.80}")
        try:
            record = record_from_json(obj, self.media.load)
        except DataError as exc:
            code = "media_missing" if "missing" in str(exc) else "bad_record"
            status = 409 if code == "media_missing" else 400
            raise ApiError(status, code, str(exc).replace(str(self.dir), "the run")) from None
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise ApiError(400, "bad_record", f"record {obj.get('type')!r} does not match the "
                           f"JSON form v1 ({type(exc).__name__}: {exc})") from None
        self._check(record)
        return record

    def _check(self, record: Any) -> None:
        kind = type(record)
        if kind is RunStarted and (record.id, record.project) != (self.dir.name,
                                                                  self.dir.parent.name):
            raise ApiError(400, "bad_record", f"run_started names run {record.project}/"
                           f"{record.id}, posted to {self.dir.parent.name}/{self.dir.name}")
        if kind in (Row, StaleRow):
            numbers = (record.timestamp, getattr(record, "runtime", 0.0))
            if (type(record.step) is not int
                    or not all(type(n) in (int, float) for n in numbers)
                    or not isinstance(record.values, dict)):
                raise ApiError(400, "bad_record", f"{kind.__name__} needs an int step, numeric "
                               f"timestamp/runtime and values, got step {record.step!r}")
        if kind is SystemSample and not (
            isinstance(record.values, dict)
            and all(type(v) in (int, float) for v in record.values.values())
        ):
            raise ApiError(400, "bad_record", "system_sample values must be {name: number}")

    def _open_writer(self) -> FilesBackend:
        if self._writer is None:
            truncate_lines(self.dir / RECORDS, self.records)
            writer = FilesBackend(self.dir, flush_interval=0)
            writer.start(None)  # type: ignore[arg-type]
            self._writer = writer
        return self._writer

    def _save(self, sessions: dict[str, int], records: int) -> None:
        state = {"sessions": sessions, "records": records}
        atomic_write(self.dir / INGEST, json.dumps(state).encode(), sync=True)


def truncate_lines(path: Path, keep: int) -> None:
    """Cut ``path`` after its first ``keep`` lines (the unacknowledged tail of a crash)."""
    if not path.exists():
        return
    offset = 0
    with open(path, "rb") as f:
        for _ in range(keep):
            line = f.readline()
            if not line.endswith(b"\n"):
                return
            offset += len(line)
    if path.stat().st_size > offset:
        os.truncate(path, offset)


class Store:
    """Every run under ``root``; hands out one :class:`StoredRun` per run."""

    def __init__(self, root: Path, on_ingest: Callable[[], None] | None = None) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._runs: dict[tuple[str, str], StoredRun] = {}
        self._lock = threading.Lock()
        self._on_ingest = on_ingest or (lambda: None)

    def run(self, project: str, run_id: str) -> StoredRun:
        """The run ``project/run_id`` (names validated; it may not exist yet)."""
        key = (check_name(project, "project"), check_name(run_id, "run id"))
        with self._lock:
            run = self._runs.get(key)
            if run is None:
                run = self._runs[key] = StoredRun(self.root / project / run_id)
            return run

    def existing(self, project: str, run_id: str) -> StoredRun:
        """The run, or a 404."""
        run = self.run(project, run_id)
        if not run.exists:
            raise ApiError(404, "run_not_found", f"no run {project}/{run_id}")
        return run

    def ingested(self) -> None:
        """Tell the forwarders that records arrived."""
        self._on_ingest()

    def run_dirs(self) -> Iterator[Path]:
        """Every created run directory, sorted."""
        for path in sorted(self.root.glob(f"*/*/{INGEST}")):
            yield path.parent

    def close(self) -> None:
        """Close every open run."""
        with self._lock:
            runs = list(self._runs.values())
        for run in runs:
            with run.lock:
                run.close()
