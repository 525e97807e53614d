"""Forwarding: every run the collector stores, replayed in order into another backend.

One thread per ``--to`` target reads each run's acknowledged records from ``records.jsonl``
and writes them, in batches, through a backend built by the target's factory (built-in or
plugin) for that run's directory. A cursor per target (``<dir>/.forward/<target>.json``: run ->
records forwarded and their byte offset) is replaced atomically after each batch the target
flushed, so a restarted collector resumes where it left off. A target that can resume
(``existing_run``) is asked what it has, and rows below its next step are not sent again, so a
crash between its flush and the cursor write duplicates nothing there; another target gets that
one batch again. A target that raises is retried with backoff; ingest and the other targets
never wait for it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Any

from runlog.backends import BackendFactory, capabilities_of
from runlog.backends.files.format import RECORDS
from runlog.backends.files.io import atomic_write
from runlog.backends.files.media import MediaStore
from runlog.typespec.jsonform import record_from_json
from runlog.typespec.records import Finished, Row, RunStarted

from .store import INGEST

logger = logging.getLogger("runlog.server")

CURSORS = ".forward"
BATCH = 500  # records per write to the target
_POLL = 0.5  # seconds between looks at the store when nothing announced new records
_BACKOFF = (0.5, 10.0)


class Forwarder:
    """Replays the store into one target backend on a daemon thread."""

    def __init__(self, root: Path, label: str, factory: BackendFactory,
                 options: dict[str, Any]) -> None:
        self.root = Path(root)
        self.label = label
        self._factory = factory
        self._options = options
        digest = hashlib.sha256(label.encode()).hexdigest()[:12]
        name = label.partition(":")[0]
        self._cursor_path = self.root / CURSORS / f"{name}-{digest}.json"
        try:
            self._cursors: dict[str, dict[str, int]] = json.loads(
                self._cursor_path.read_bytes())["runs"]
        except FileNotFoundError:
            self._cursors = {}
        self._open: dict[str, Any] = {}  # run key -> started target backend
        self._skip: dict[str, int] = {}  # run key -> rows below this step the target has
        self._failing: dict[str, float] = {}  # run key -> current backoff
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name=f"runlog-forward-{name}")

    def start(self) -> None:
        """Start forwarding."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the batch in progress; open target backends are closed."""
        self._stop.set()
        self.wake.set()
        self._thread.join()
        for backend in self._open.values():
            _quietly(backend.close, None)
        self._open.clear()

    # -- loop ----------------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            self.wake.wait(_POLL)
            self.wake.clear()
            wait = None
            for run_dir in sorted(self.root.glob(f"*/*/{INGEST}")):
                if self._stop.is_set():
                    return
                try:
                    self._catch_up(run_dir.parent)
                except Exception as exc:  # noqa: BLE001 - a target's failure stays its own
                    wait = self._failed(run_dir.parent, exc, wait)
                else:
                    self._failing.pop(_key(run_dir.parent), None)
            if wait is not None:
                self._stop.wait(wait)

    def _failed(self, run_dir: Path, exc: Exception, wait: float | None) -> float:
        key = _key(run_dir)
        backoff = self._failing.get(key)
        if backoff is None:
            logger.error("runlog serve: forwarding run %s to %s failed (%s: %s); ingest goes "
                         "on and forwarding is retried", key, self.label, type(exc).__name__,
                         exc)
            backoff = _BACKOFF[0]
        self._failing[key] = min(_BACKOFF[1], backoff * 2)
        backend = self._open.pop(key, None)  # rebuilt from the cursor on the next attempt
        if backend is not None:
            _quietly(backend.close, None)
        return backoff if wait is None else min(wait, backoff)

    def _catch_up(self, run_dir: Path) -> None:
        key = _key(run_dir)
        acked = int(json.loads((run_dir / INGEST).read_bytes())["records"])
        cursor = self._cursors.get(key, {"records": 0, "offset": 0})
        if cursor["records"] >= acked:
            return
        load = MediaStore(run_dir).load
        with open(run_dir / RECORDS, "rb") as f:
            f.seek(cursor["offset"])
            done, offset = cursor["records"], cursor["offset"]
            while done < acked and not self._stop.is_set():
                lines = [f.readline() for _ in range(min(BATCH, acked - done))]
                records = [record_from_json(json.loads(line), load) for line in lines]
                self._write(run_dir, key, done, records)
                done += len(lines)
                offset += sum(len(line) for line in lines)
                self._cursors[key] = {"records": done, "offset": offset}
                self._save()

    def _write(self, run_dir: Path, key: str, done: int, records: list[Any]) -> None:
        """Write one batch; a ``RunStarted`` (re)starts the target, a ``Finished`` closes it.

        A new target backend is asked for the run it already has (if it can resume): rows
        below its next step were forwarded before a crash lost the cursor, and are skipped.
        """
        chunk: list[Any] = []
        for record in records:
            if type(record) is RunStarted and key in self._open:
                self._open.pop(key).close(None)
            backend = self._open.get(key)
            if backend is None:
                started = record if type(record) is RunStarted else _last_started(run_dir, done)
                backend = self._factory(dict(self._options), run_dir)
                self._skip[key] = _next_step(backend)
                backend.start(started)
                self._open[key] = backend
            if type(record) is Row and record.step < self._skip[key]:
                continue
            chunk.append(record)
            if type(record) is Finished:
                backend.write(chunk)
                backend.flush(None)
                self._open.pop(key).close(record)
                chunk = []
        if chunk:
            self._open[key].write(chunk)
            self._open[key].flush(None)

    def _save(self) -> None:
        self._cursor_path.parent.mkdir(exist_ok=True)
        atomic_write(self._cursor_path, json.dumps({"target": self.label,
                                                    "runs": self._cursors}).encode(), sync=True)


def _next_step(backend: Any) -> int:
    """The step after the last row a resumable target already has (0 if it cannot tell)."""
    if not capabilities_of(backend).resume:
        return 0
    state = backend.existing_run()
    return state.next_step if state is not None else 0


def _key(run_dir: Path) -> str:
    return f"{run_dir.parent.name}/{run_dir.name}"


def _last_started(run_dir: Path, before: int) -> RunStarted | None:
    """The latest ``RunStarted`` among the first ``before`` records (to restart a target)."""
    found = None
    with open(run_dir / RECORDS, "rb") as f:
        for _, line in zip(range(before), f):
            if b'"run_started"' in line[:48]:
                found = record_from_json(json.loads(line))
    return found


def _quietly(fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except Exception as exc:  # noqa: BLE001 - closing a failed target must not stop the others
        logger.warning("runlog serve: closing a forward target failed: %s", exc)
