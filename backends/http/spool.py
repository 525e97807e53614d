"""The client's on-disk spool: batches not yet acknowledged by the collector, and their media.

Layout under the spool root (default ``<run root>/.http-spool``)::

    <project>/<run id>/target.json                 {"url", "project", "id"}
    <project>/<run id>/batches/<session dir>/<seq>.json
    <project>/<run id>/media/<sha256>.<ext>

``<session dir>`` is ``<start time ns>-<session id>`` so sessions sort in the order they ran;
``<seq>`` is zero-padded. A batch file is ``{"session", "seq", "records", "media"}`` (records in
the JSON form, media payloads by reference). Every file is written under a temporary name and
renamed, so a killed process leaves whole files or none. Nothing here does network I/O.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
from runlog.typespec.payload import Payload

from .protocol import MEDIA_NAME, NAME

TARGET = "target.json"
BATCHES = "batches"
MEDIA = "media"


@attrs.frozen
class SpooledBatch:
    """One batch file: where it is, its session and sequence number."""

    path: Path
    session: str
    seq: int

    def load(self) -> dict[str, Any]:
        """The batch object."""
        return json.loads(self.path.read_bytes())


def _write_new(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class RunSpool:
    """The spool of one run (``<root>/<project>/<run id>``)."""

    def __init__(self, root: Path, project: str, run_id: str) -> None:
        self.project = project
        self.run_id = run_id
        self.dir = Path(root) / project / run_id

    # -- writing -------------------------------------------------------------------------------
    def open_session(self, url: str, session: str) -> Path:
        """Create the directory of a new session's batches; remembers the collector URL."""
        self.dir.mkdir(parents=True, exist_ok=True)
        target = {"url": url, "project": self.project, "id": self.run_id}
        _write_new(self.dir / TARGET, json.dumps(target).encode())
        folder = self.dir / BATCHES / f"{time.time_ns():020d}-{session}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def store_media(self, payload: Payload) -> str:
        """Keep a payload's bytes until the collector has them; returns its file name."""
        folder = self.dir / MEDIA
        path = folder / payload.filename
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            _write_new(path, payload.data)
        return payload.filename

    @staticmethod
    def add_batch(folder: Path, batch: dict[str, Any], body: bytes) -> SpooledBatch:
        """Write one encoded batch (``body`` is its JSON) into a session folder."""
        folder.mkdir(parents=True, exist_ok=True)  # ``runlog sync`` may have pruned it
        path = folder / f"{batch['seq']:010d}.json"
        _write_new(path, body)
        return SpooledBatch(path, batch["session"], batch["seq"])

    # -- reading -------------------------------------------------------------------------------
    def target_url(self) -> str | None:
        """The collector URL the spooled data was meant for."""
        try:
            return json.loads((self.dir / TARGET).read_bytes())["url"]
        except (OSError, ValueError, KeyError):
            return None

    def batches(self) -> list[SpooledBatch]:
        """Every spooled batch, oldest session first, in sequence order."""
        out = []
        root = self.dir / BATCHES
        if not root.is_dir():
            return out
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            session = folder.name.rpartition("-")[2]
            for path in sorted(folder.glob("*.json")):
                out.append(SpooledBatch(path, session, int(path.stem)))
        return out

    def media_path(self, name: str) -> Path:
        """Where a spooled media file is."""
        if not MEDIA_NAME.match(name):
            raise ValueError(f"bad media name {name!r}")
        return self.dir / MEDIA / name

    # -- cleaning up ---------------------------------------------------------------------------
    @staticmethod
    def acknowledged(batches: list[SpooledBatch]) -> None:
        """Forget delivered batches."""
        for batch in batches:
            batch.path.unlink(missing_ok=True)

    def prune(self) -> None:
        """Remove empty session folders, and the whole run spool when no batch is left.

        Only once no session writes to it any more (the run closed, or ``runlog sync``).
        """
        root = self.dir / BATCHES
        if root.is_dir():
            for folder in root.iterdir():
                if folder.is_dir() and not any(folder.glob("*.json")):
                    shutil.rmtree(folder, ignore_errors=True)
        if not self.batches():
            shutil.rmtree(self.dir, ignore_errors=True)
            try:
                self.dir.parent.rmdir()  # the project folder, once it holds no other run
            except OSError:
                pass


def iter_spools(root: Path) -> Iterator[RunSpool]:
    """Every run spool under ``root`` that still holds batches."""
    root = Path(root)
    if not root.is_dir():
        return
    for project in sorted(p for p in root.iterdir() if p.is_dir() and NAME.match(p.name)):
        for run in sorted(p for p in project.iterdir() if p.is_dir() and NAME.match(p.name)):
            spool = RunSpool(root, project.name, run.name)
            if spool.batches():
                yield spool
