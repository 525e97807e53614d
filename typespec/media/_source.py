"""Reading media sources (paths, open files, bytes) into bytes, and the shared input errors."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..text import check_text


def type_name(value: Any) -> str:
    """The qualified type name of ``value`` for error messages (``numpy.ndarray``, ``dict``)."""
    t = type(value)
    module = t.__module__ or ""
    return t.__qualname__ if module == "builtins" else f"{module.split('.')[0]}.{t.__qualname__}"


def bad_input(owner: str, arg: str, value: Any, accepted: str, detail: str = "") -> DataError:
    """A ``DataError`` naming the class, the argument, the value's type and what is accepted."""
    why = f" ({detail})" if detail else ""
    return DataError(f"{owner}: {arg} must be {accepted}; got {type_name(value)}{why}")


def is_path(value: Any) -> bool:
    """True for a ``str`` or an ``os.PathLike``."""
    return isinstance(value, (str, os.PathLike))


def is_file_object(value: Any) -> bool:
    """True for an open file or file-like object (anything with a callable ``read``)."""
    return callable(getattr(value, "read", None))


def read_path(path: str | os.PathLike, owner: str, arg: str = "data") -> bytes:
    """The bytes of the file at ``path``; a missing or unreadable file is a ``DataError``."""
    p = Path(os.fspath(path)).expanduser()
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{owner}: {arg} names a file that does not exist: {str(p)!r}") from None
    except IsADirectoryError:
        raise DataError(f"{owner}: {arg} names a directory, not a file: {str(p)!r}") from None
    except OSError as exc:
        raise DataError(f"{owner}: cannot read {arg} {str(p)!r}: {exc}") from None


def read_file_object(f: Any, owner: str, arg: str = "data") -> bytes:
    """The remaining bytes of an open file, byte-exact even when it was opened in text mode.

    A text-mode file (``open("x.glb")``) is read through its binary ``buffer`` when it has one,
    so no decoding or newline translation happens; a ``StringIO`` is encoded as UTF-8.
    """
    if isinstance(f, io.TextIOBase) and hasattr(f, "buffer"):
        f = f.buffer
    try:
        content = f.read()
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{owner}: cannot read the file object passed as {arg}: {exc}") from None
    if isinstance(content, str):
        return content.encode("utf-8")
    if isinstance(content, (bytes, bytearray, memoryview)):
        return bytes(content)
    raise bad_input(owner, f"{arg}.read()", content, "bytes or str")


def file_object_name(f: Any) -> str | None:
    """The file name of an open file (``f.name``), if it has a textual one."""
    name = getattr(f, "name", None)
    return os.fspath(name) if isinstance(name, (str, os.PathLike)) else None


def read_source(value: Any, owner: str, arg: str = "data") -> tuple[bytes, str | None]:
    """``(bytes, file name or None)`` of a path, an open file or a bytes-like value.

    Callers check :func:`is_source` first; anything else is treated as a file object.
    """
    if is_path(value):
        return read_path(value, owner, arg), os.fspath(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value), None
    return read_file_object(value, owner, arg), file_object_name(value)


def is_source(value: Any) -> bool:
    """True for what :func:`read_source` reads: a path, bytes-like or an open file."""
    return is_path(value) or isinstance(value, (bytes, bytearray, memoryview)) or is_file_object(
        value
    )


def suffix_type(name: str | None, allowed: tuple[str, ...]) -> str | None:
    """The file type of ``name`` among ``allowed`` (longest suffix first: ``pts.json``), or None."""
    if not name:
        return None
    lower = os.path.basename(name).lower()
    for ext in sorted(allowed, key=len, reverse=True):
        if lower.endswith("." + ext):
            return ext
    return None


def check_caption(owner: str, caption: Any) -> str | None:
    """The ``caption`` argument: a str or None."""
    if caption is not None and not isinstance(caption, str):
        raise bad_input(owner, "caption", caption, "a str or None")
    return check_text(caption, f"{owner}: caption")
