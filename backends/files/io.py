"""Small file primitives of the files backend: atomic replace, fsync, complete JSONL lines.

A JSONL line counts only once its ``\\n`` is on disk: whatever follows the last newline is a
torn tail (a write cut short by ``kill -9`` or a crash), which readers skip and a writer
that reopens the file truncates before appending.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

_CHUNK = 1 << 20


def fsync_path(path: Path, directory: bool = False) -> None:
    """fsync a file (or a directory, so that renames and new names in it are durable)."""
    fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, sync: bool = False) -> None:
    """Replace ``path`` with ``data`` in one step (a temporary file, then ``os.replace``).

    Readers see the old or the new content, never a mix. ``sync`` fsyncs the data and the
    directory entry.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        if sync:
            f.flush()
            os.fsync(f.fileno())
    os.replace(tmp, path)
    if sync:
        fsync_path(path.parent, directory=True)


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
        os.truncate(path, keep)
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
