"""Content-addressed media of a run directory: ``media/<sha256>.<ext>``, each written once,
and ``files/<name>`` (what ``run.save`` attached), hard links to the media file."""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath
from typing import Any

from runlog.typespec.errors import DataError
from runlog.typespec.payload import Payload

from .format import FILES, MEDIA
from .io import fsync_path

_REF = re.compile(r"^media/[0-9a-f]{64}\.[A-Za-z0-9][A-Za-z0-9._+-]*$")


class MediaStore:
    """Stores payloads under ``<run_dir>/media`` by sha256 and reads them back."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._known: set[str] = set()
        self._unsynced: list[Path] = []

    def store(self, payload: Payload) -> str:
        """Write the payload once (temporary name, then rename); returns ``media/<sha>.<ext>``."""
        ref = f"{MEDIA}/{payload.filename}"
        if ref in self._known:
            return ref
        path = self.run_dir / ref
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            tmp = path.with_name(f".{payload.sha256}.{os.getpid()}.tmp")
            tmp.write_bytes(payload.data)
            os.replace(tmp, path)
            self._unsynced.append(path)
        self._known.add(ref)
        return ref

    def load(self, ref: str, obj: dict[str, Any] | None = None) -> bytes:
        """The bytes of a stored payload (``ref`` as :meth:`store` returned it)."""
        if not isinstance(ref, str) or not _REF.match(ref):
            raise DataError(f"bad media reference {ref!r} in {self.run_dir}: expected "
                            "'media/<sha256>.<ext>'")
        try:
            return (self.run_dir / ref).read_bytes()
        except FileNotFoundError:
            raise DataError(f"{self.run_dir}: media file {ref} is missing") from None

    def save_file(self, name: str, payload: Payload) -> Path:
        """Store the payload and expose it as ``files/<name>`` (replacing an older version)."""
        target = self.run_dir / FILES / safe_name(name)
        source = self.run_dir / self.store(payload)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        try:
            os.link(source, tmp)
        except OSError:  # no hard links on this file system: copy
            tmp.write_bytes(payload.data)
        os.replace(tmp, target)
        self._unsynced.append(target.parent)
        return target

    def sync(self) -> None:
        """fsync every file written since the last call, and the directories naming them."""
        dirs = set()
        for path in self._unsynced:
            if path.is_dir():
                dirs.add(path)
            else:
                fsync_path(path)
                dirs.add(path.parent)
        for d in dirs:
            fsync_path(d, directory=True)
        self._unsynced.clear()


def is_media_ref(ref: Any) -> bool:
    """True if ``ref`` is a well-formed ``media/<sha256>.<ext>`` reference (nothing that could
    leave ``media/``)."""
    return isinstance(ref, str) and _REF.fullmatch(ref) is not None


def safe_name(name: str) -> str:
    """A relative POSIX path inside ``files/``; anything that could leave it is a DataError."""
    if not isinstance(name, str) or not name:
        raise DataError(f"saved file name must be a non-empty str, got {name!r}")
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith("/") or not parts or any(p in ("", ".", "..") for p in parts):
        raise DataError(
            f"saved file name {name!r} must be a relative path without '.' or '..' segments"
        )
    return "/".join(parts)
