"""Encoded media bytes, content-addressed, shared by every backend."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from typing import Any

import attrs

from .errors import DataError

#: a payload's file extension: what every backend can put in a file name (``png``,
#: ``plot.json``, ``tar.gz``): 1-3 dot-separated parts of ASCII letters, digits, ``_+-``
EXT_PATTERN = r"[A-Za-z0-9_+-]{1,32}(?:\.[A-Za-z0-9_+-]{1,32}){0,2}"
EXT = re.compile(EXT_PATTERN)
_SHA256 = re.compile(r"[0-9a-f]{64}")


def check_ext(ext: str) -> str:
    """``ext`` if it is a usable media file extension (:data:`EXT_PATTERN`), else DataError."""
    if type(ext) is not str or not EXT.fullmatch(ext):
        raise DataError(f"media file extension {ext!r} is not accepted: expected 1-3 "
                        "dot-separated parts of 1-32 ASCII letters, digits, '_', '+' or '-', "
                        "like 'png' or 'plot.json'")
    return ext


def _check_ext(_payload: object, _field: object, ext: str) -> None:
    check_ext(ext)


def _check_sha256(_payload: object, _field: object, sha256: str) -> None:
    if type(sha256) is not str or not _SHA256.fullmatch(sha256):
        raise DataError(f"payload sha256 {sha256!r} is not 64 lowercase hex digits")


@attrs.frozen
class Payload:
    """Encoded bytes of one media value with their sha256, file extension, MIME type and metadata.

    ``meta`` holds kind-specific facts such as width, height, frames, fps, duration or count.
    """

    data: bytes = attrs.field(repr=lambda b: f"<{len(b)} bytes>")
    ext: str = attrs.field(validator=_check_ext)
    mime: str
    meta: dict[str, Any] = attrs.field(factory=dict)
    sha256: str = attrs.field(validator=_check_sha256)

    @sha256.default
    def _digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        """Number of bytes."""
        return len(self.data)

    @property
    def filename(self) -> str:
        """Content-addressed file name: ``<sha256>.<ext>``."""
        return f"{self.sha256}.{self.ext}"


class LazyPayload:
    """Runs an encoder once, on first use, from any thread; later callers share the result."""

    __slots__ = ("_encode", "_lock", "_value")

    def __init__(self, encode: Callable[[], Payload]) -> None:
        self._encode: Callable[[], Payload] | None = encode
        self._lock = threading.Lock()
        self._value: Payload | None = None

    @classmethod
    def ready(cls, payload: Payload) -> LazyPayload:
        """A LazyPayload that already holds its bytes."""
        lazy = cls.__new__(cls)
        lazy._encode = None
        lazy._lock = threading.Lock()
        lazy._value = payload
        return lazy

    @property
    def done(self) -> bool:
        """True once the bytes exist."""
        return self._value is not None

    def held_bytes(self) -> int:
        """Roughly the memory this payload holds: its size once encoded, else the arrays and
        bytes its pending encoder keeps (in its closure or on the object it is a method of)."""
        value, encode = self._value, self._encode
        if value is not None or encode is None:
            return len(value.data) if value is not None else 0
        owner = getattr(encode, "__self__", None)
        held = list(getattr(owner, "__dict__", {}).values())
        for cell in getattr(encode, "__closure__", None) or ():
            try:
                held.append(cell.cell_contents)
            except ValueError:  # an empty cell
                pass
        return sum(map(_nbytes, held))

    def get(self) -> Payload:
        """The encoded payload, encoding it now if no thread has yet."""
        value = self._value
        if value is not None:
            return value
        with self._lock:
            if self._value is None:
                assert self._encode is not None
                self._value = self._encode()
                self._encode = None
            return self._value


def _nbytes(obj: Any, depth: int = 0) -> int:
    """Bytes of an array or bytes-like object (or a list/tuple of them); 0 for anything else."""
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return len(obj)
    size = getattr(obj, "nbytes", None)
    if isinstance(size, int):
        return size
    if depth == 0 and isinstance(obj, (list, tuple)):
        return sum(_nbytes(item, 1) for item in obj)
    return 0
