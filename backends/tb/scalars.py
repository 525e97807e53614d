"""Rows of numbers as serialized TensorBoard events, without a protobuf object per value.

A row whose values are all numbers becomes one ``Event`` whose ``Summary`` holds one
``simple_value`` per leaf. Its bytes depend on the values only through the ``float32`` of
each and the event's step and wall time, so for a key set seen before they are packed by one
``struct`` call from a template: every ``Summary.Value``'s tag bytes and framing are fixed.
The result is byte for byte what ``Event(...).SerializeToString()`` gives (the tests compare
them); rows it cannot pack exactly (a value beyond ``float32``'s range, a step beyond int64)
go back to the general path.
"""

from __future__ import annotations

import struct
from typing import Any

_NUMBERS = frozenset({float, int, bool})
_DOUBLE = struct.Struct("<d")
_ZERO = bytes(8)
_MAX_TEMPLATES = 256
_INT64 = 2**63
_ONE_BYTE = [bytes((i,)) for i in range(0x80)]


def _varint(n: int) -> bytes:
    if n < 0x80:
        return _ONE_BYTE[n]
    if n < 0x4000:  # most steps: two bytes
        return bytes(((n & 0x7F) | 0x80, n >> 7))
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _field(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


# Event: wall_time = 1 (double), step = 2 (int64), summary = 5; Summary: value = 1;
# Summary.Value: tag = 1, simple_value = 2 (float, in a oneof: written even when 0)
_WALL_TIME, _STEP, _SUMMARY = _field(1, 1), _field(2, 0), _field(5, 2)
_VALUE, _TAG, _SIMPLE = _field(1, 2), _field(1, 2), _field(2, 5)


class _Template:
    """The packer of one key set's ``Summary``: tags fixed, a float32 slot per value."""

    __slots__ = ("_args", "_pack", "summary_prefix")

    def __init__(self, tags: list[str]) -> None:
        fmt, args = ["<"], []
        for tag in tags:
            name = tag.encode("utf-8")
            body = _TAG + _varint(len(name)) + name + _SIMPLE
            head = _VALUE + _varint(len(body) + 4) + body
            fmt.append(f"{len(head)}sf")
            args += [head, 0.0]
        packer = struct.Struct("".join(fmt))
        self._pack = packer.pack
        self._args = args
        self.summary_prefix = _SUMMARY + _varint(packer.size)

    def pack(self, values: Any) -> bytes:
        args = self._args
        args[1::2] = values
        return self._pack(*args)


class ScalarRows:
    """Serialized events of number rows, for a backend that knows each path's tag."""

    def __init__(self) -> None:
        #: key set -> template, or None when its tags are not all distinct
        self._templates: dict[tuple[Any, ...], _Template | None] = {}

    def event(self, step: int, walltime: float, values: dict[Any, Any],
              tags: dict[Any, str]) -> bytes | None:
        """The serialized ``Event`` of a row of numbers (``tags``: path -> tag, every path
        already known), or None when the general path must render the row."""
        if not values or not _NUMBERS.issuperset(map(type, values.values())):
            return None
        if not 0 <= step < _INT64:
            return None
        keys = tuple(values)
        template = self._templates.get(keys, False)
        if template is False:
            template = self._make(keys, tags)
            if template is False:
                return None
        if template is None:
            return None
        try:
            summary = template.pack(values.values())
        except (OverflowError, struct.error):  # beyond float32's range: protobuf decides
            return None
        wall = _DOUBLE.pack(walltime)
        head = b"" if wall == _ZERO else _WALL_TIME + wall  # proto3 leaves +0.0 out, not -0.0
        if step:
            head += _STEP + _varint(step)
        return b"".join((head, template.summary_prefix, summary))

    def _make(self, keys: tuple[Any, ...], tags: dict[Any, str]) -> _Template | bool | None:
        names = [tags.get(path) for path in keys]
        if None in names:
            return False  # a new key: the general path maps it first (and writes the keymap)
        if len(self._templates) >= _MAX_TEMPLATES:
            self._templates.clear()
        template = _Template(names) if len(set(names)) == len(names) else None  # type: ignore[arg-type]
        self._templates[keys] = template
        return template
