"""Small file primitives of the files backend: whole appends, atomic replace, fsync, complete
JSONL lines, and writes that never follow a symbolic link.

A JSONL line counts only once its ``\\n`` is on disk: whatever follows the last newline is a
torn tail (a write cut short by ``kill -9`` or a crash), which readers skip and a writer
that reopens the file truncates before appending. A write that fails part-way (``ENOSPC``,
``EIO``) is cut back to where the last complete write ended (:class:`AppendLog`), so a retry
continues exactly there: no partial line, no line twice.

Nothing inside a run directory is written through a symbolic link: files are created with
``O_NOFOLLOW`` / ``O_EXCL`` and directories are checked with ``lstat``, so a link planted in a
run directory cannot send bytes outside it (:class:`LinkError`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from runlog.typespec.errors import DataError

_CHUNK = 1 << 20
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class LinkError(DataError):
    """A name inside a run directory is a symbolic link (or not what it should be); runlog
    does not write through it."""


def fsync_path(path: Path, directory: bool = False) -> None:
    """fsync a file (or a directory, so that renames and new names in it are durable)."""
    fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_dir(root: Path, relative: str) -> Path:
    """``root/relative`` as a real directory, creating the missing parts; any part that is a
    symbolic link or not a directory is a :class:`LinkError`."""
    path = root
    for part in Path(relative).parts:
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            try:
                os.mkdir(path)
            except FileExistsError:
                pass
            mode = os.lstat(path).st_mode
        if not stat.S_ISDIR(mode):
            what = "a symbolic link" if stat.S_ISLNK(mode) else "not a directory"
            raise LinkError(f"{path} is {what}; runlog writes a run directory only through "
                            "real directories (remove it, or use another run id)")
    return path


def create_new(path: Path) -> int:
    """A new file at ``path`` opened for writing (whatever was there is unlinked first, and a
    link that appears meanwhile is refused): the descriptor."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    return _open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)


def write_new(path: Path, data: bytes, sync: bool = False) -> None:
    """Write ``data`` to a new file at ``path`` (see :func:`create_new`); on failure the file
    is removed."""
    fd = create_new(path)
    try:
        try:
            _write_all(fd, data)
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        _unlink_quietly(path)
        raise


def atomic_write(path: Path, data: bytes, sync: bool = False) -> None:
    """Replace ``path`` with ``data`` in one step (a temporary file, then ``os.replace``).

    Readers see the old or the new content, never a mix; a failed write leaves the old file
    and no temporary file. ``sync`` fsyncs the data and the directory entry.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write_new(tmp, data, sync)
    try:
        os.replace(tmp, path)  # a rename replaces a link itself, never its target
    except BaseException:
        _unlink_quietly(tmp)
        raise
    if sync:
        fsync_path(path.parent, directory=True)


class AppendLog:
    """An append-only file that only ever grows by whole buffers.

    :meth:`append` writes all of ``data`` or, if the write fails part-way, cuts the file back
    to the end of the last complete append and raises: the caller keeps ``data`` and retries
    later, and the retry continues exactly where the file ends. The file is opened with
    ``O_NOFOLLOW`` and its torn tail (after a crash) is cut off first.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        truncate_torn_tail(path)
        self._fd = _open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        #: bytes of complete appends (the file's good length)
        self.size = os.fstat(self._fd).st_size

    def append(self, data: bytes) -> None:
        """Append all of ``data``, or nothing (then raise the ``OSError``)."""
        fd = self._fd
        if os.fstat(fd).st_size != self.size:  # an earlier cut-back failed: retry it
            os.ftruncate(fd, self.size)
        try:
            _write_all(fd, data)
        except BaseException:
            try:
                os.ftruncate(fd, self.size)
            except OSError:
                pass  # retried before the next append
            raise
        self.size += len(data)

    def sync(self) -> None:
        """fsync the file."""
        os.fsync(self._fd)

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def complete_size(path: Path) -> int:
    """The length of ``path`` up to and including its last newline (0 if missing)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return 0
    with open(path, "rb") as f:
        end = size
        while end > 0:
            start = max(0, end - _CHUNK)
            f.seek(start)
            block = f.read(end - start)
            i = block.rfind(b"\n")
            if i >= 0:
                return start + i + 1
            end = start
    return 0


def truncate_torn_tail(path: Path) -> bool:
    """Cut ``path`` back to its last complete line; True if there was a torn tail."""
    keep = complete_size(path)
    if path.exists() and path.stat().st_size != keep:
        fd = _open(path, os.O_WRONLY)
        try:
            os.ftruncate(fd, keep)
        finally:
            os.close(fd)
        return True
    return False


def iter_lines(path: Path) -> Iterator[bytes]:
    """The complete lines of ``path`` (without newlines); a torn tail is skipped."""
    end = complete_size(path)
    if not end:
        return
    with open(path, "rb") as f:
        read = 0
        for line in f:
            read += len(line)
            if read > end:
                return
            yield line[:-1]


def count_lines(path: Path) -> int:
    """The number of complete lines in ``path`` (0 if missing)."""
    end = complete_size(path)
    if not end:
        return 0
    count = 0
    with open(path, "rb") as f:
        while end > 0:
            block = f.read(min(_CHUNK, end))
            count += block.count(b"\n")
            end -= len(block)
    return count


def _open(path: Path, flags: int) -> int:
    try:
        return os.open(path, flags | _NOFOLLOW | _CLOEXEC, 0o644)
    except OSError:
        if os.path.islink(path):
            raise LinkError(f"{path} is a symbolic link; runlog does not write through links "
                            "in a run directory (remove it, or use another run id)") from None
        raise


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
