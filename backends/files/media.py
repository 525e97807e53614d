"""Content-addressed media of a run directory: ``media/<sha256>.<ext>``, each written once,
and ``files/<name>`` (what ``run.save`` attached), hard links to the media file.

Names are checked both ways: an extension or a reference that could leave ``media/`` is a
:class:`DataError` when written and when read back, nothing is written through a symbolic
link, and a stored file is returned only if its content still has the sha256 in its name.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import threading
from collections.abc import Collection
from pathlib import Path, PurePosixPath
from typing import Any

from runlog.typespec.errors import DataError
from runlog.typespec.payload import EXT_PATTERN, Payload, check_ext

from .format import FILES, MEDIA
from .io import LinkError, ensure_dir, fsync_path, write_new

_REF = re.compile(rf"media/([0-9a-f]{{64}})\.({EXT_PATTERN})\Z")
_FSYNC_THREADS = 8  # fsyncs in flight at once (they wait on the disk, not on the GIL)
_fsync_pool: Any = None  # a ThreadPoolExecutor, made by the first fsync_all of several paths
_fsync_pool_lock = threading.Lock()


class MediaStore:
    """Stores payloads under ``<run_dir>/media`` by sha256 and reads them back."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._known: set[str] = set()
        self._unsynced: list[Path] = []
        self._unsynced_lock = threading.Lock()  # appends vs. taking the list
        self._root_noted = False  # the run directory (naming media/ and files/) is to be synced
        self._sync_lock = threading.Lock()  # one sync at a time: a second caller waits
        #: bytes of the media files written so far
        self.bytes_written = 0

    def store(self, payload: Payload) -> str:
        """Write the payload once (temporary name, then rename); returns ``media/<sha>.<ext>``."""
        ref = f"{MEDIA}/{payload.filename}"
        if ref in self._known:
            return ref
        check_ext(payload.ext)
        path = self.run_dir / ref
        if not _is_regular(path):  # missing, or something planted there: (re)write it
            ensure_dir(self.run_dir, MEDIA)
            tmp = path.with_name(f".{payload.sha256}.{os.getpid()}.tmp")
            write_new(tmp, payload.data)
            os.replace(tmp, path)
            self._written(path)
            self.bytes_written += payload.size
        self._known.add(ref)
        return ref

    def load(self, ref: str, obj: dict[str, Any] | None = None) -> bytes:
        """The bytes of a stored payload (``ref`` as :meth:`store` returned it), checked
        against the sha256 in its name (and ``obj``'s ``ext`` and ``sha256`` when given)."""
        match = _REF.match(ref) if isinstance(ref, str) else None
        if match is None:
            raise DataError(f"bad media reference {ref!r} in {self.run_dir}: expected "
                            "'media/<sha256>.<ext>'")
        sha, ext = match.groups()
        if obj is not None and (obj.get("sha256"), obj.get("ext", ext)) != (sha, ext):
            raise DataError(f"{self.run_dir}: media reference {ref!r} does not match its "
                            f"sha256 {obj.get('sha256')!r} and ext {obj.get('ext')!r}")
        path = self.run_dir / ref
        if os.path.islink(path) or os.path.islink(path.parent):
            raise LinkError(f"{path} is a symbolic link; media are read only from files inside "
                            "the run directory")
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise DataError(f"{self.run_dir}: media file {ref} is missing") from None
        if hashlib.sha256(data).hexdigest() != sha:
            raise DataError(f"{path}: content does not match its sha256 (the file was changed "
                            "or damaged)")
        return data

    def save_file(self, name: str, payload: Payload) -> Path:
        """Store the payload and expose it as ``files/<name>`` (replacing an older version)."""
        relative = safe_name(name)
        source = self.run_dir / self.store(payload)
        folder = ensure_dir(self.run_dir, "/".join((FILES, *relative.split("/")[:-1])))
        target = folder / relative.rsplit("/", 1)[-1]
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        try:
            os.link(source, tmp, follow_symlinks=False)
        except OSError:  # no hard links on this file system: copy
            write_new(tmp, payload.data)
        os.replace(tmp, target)
        self._written(target.parent)
        return target

    def _written(self, path: Path) -> None:
        with self._unsynced_lock:
            if not self._root_noted:
                self._unsynced.append(self.run_dir)
                self._root_noted = True
            self._unsynced.append(path)

    def sync(self) -> None:
        """fsync every file written since the last call, and the directories naming them.

        Safe from two threads (the ticker syncs in the background, ``flush`` waits for it):
        when it returns, everything written before the call is durable.
        """
        with self._sync_lock:
            with self._unsynced_lock:
                pending, self._unsynced = self._unsynced, []
            try:
                files = [p for p in pending if not p.is_dir()]
                fsync_all(files)
                fsync_all({p if p.is_dir() else p.parent for p in pending}, directory=True)
            except BaseException:
                with self._unsynced_lock:  # keep them for the next call
                    self._unsynced[:0] = pending
                raise


def fsync_all(paths: Collection[Path], directory: bool = False) -> None:
    """fsync every path, side by side on a few threads: the file system commits overlapping
    fsyncs together (measured on ext4: 100 new 10 kB files in 7-12 ms, one by one in 15-99 ms).
    Waits for all, then raises the first error."""
    if len(paths) <= 1:
        for path in paths:
            fsync_path(path, directory)
        return
    global _fsync_pool
    with _fsync_pool_lock:
        if _fsync_pool is None:
            from concurrent.futures import ThreadPoolExecutor

            _fsync_pool = ThreadPoolExecutor(_FSYNC_THREADS, thread_name_prefix="runlog-fsync")
    done = [_fsync_pool.submit(fsync_path, path, directory) for path in paths]
    for future in done:
        future.exception()
    for future in done:
        future.result()


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


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False
