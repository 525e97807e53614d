"""Records to bytes for the files backend: each record encoded once, one buffer per file.

:meth:`BatchEncoder.encode` turns a batch into the bytes it appends to ``records.jsonl``,
``history.jsonl`` and ``stale.jsonl``; writing them is the backend's business.

A row's two lines (its record and its history line) hold the same numbers. For a row of
numbers (``int``, ``float``, ``bool``) whose keys were seen before, the numbers are encoded
once, in one ``orjson`` call, and dropped into two byte templates cut from what the general
path (:func:`~runlog.typespec.jsonform.record_to_json`, :func:`.format.history_line`)
writes for those keys, so both lines are exactly what the general path gives. Numbers orjson
cannot write as the files format wants (NaN and ±inf as literals, integers beyond 64 bits) go
through the standard library's encoder instead; any other row takes the general path.
"""

from __future__ import annotations

import operator
import re
import secrets
from collections.abc import Sequence
from typing import Any

import orjson
from runlog.typespec.jsonform import Store, dumps, record_to_json
from runlog.typespec.records import Row, StaleRow, new_row

from .format import HISTORY, RECORDS, STALE, history_line, stale_line

_NUMBERS = frozenset({float, int, bool})
#: most key sets kept as templates; past it the cache starts afresh
_MAX_TEMPLATES = 256


class _Template:
    """One line's bytes with a slot for each encoded number: ``fill(tokens)`` is the line."""

    __slots__ = ("_buf", "_pick")

    def __init__(self, text: str, marker: re.Pattern[str]) -> None:
        pieces = marker.split(text + "\n")
        buf: list[bytes] = [b""] * len(pieces)
        buf[0::2] = [p.encode("utf-8") for p in pieces[0::2]]
        self._buf = buf
        self._pick = operator.itemgetter(*[int(i) for i in pieces[1::2]])

    def fill(self, tokens: list[bytes]) -> bytes:
        buf = self._buf
        buf[1::2] = self._pick(tokens)
        return b"".join(buf)


class BatchEncoder:
    """Encodes batches of IR records for one run directory (``store`` puts media payloads)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        nonce = secrets.token_hex(8)
        self._mark = f"@runlog-{nonce}-{{}}@"
        self._marker = re.compile(f'"@runlog-{nonce}-([0-9]+)@"')
        #: key set -> (record template, history template); None once seen, before the second
        self._templates: dict[tuple[Any, ...], tuple[_Template, _Template] | None] = {}

    def encode(self, records: Sequence[Any]) -> dict[str, bytes]:
        """The bytes to append to each log file for ``records`` (empty where nothing is)."""
        store = self._store
        out: dict[str, list[bytes]] = {RECORDS: [], HISTORY: [], STALE: []}
        rec, hist = out[RECORDS], out[HISTORY]
        for record in records:
            kind = type(record)
            if kind is Row:
                lines = self._row(record)
                if lines is None:
                    rec.append(_line(record_to_json(record, store)))
                    hist.append(_line(history_line(record, store)))
                else:
                    rec.append(lines[0])
                    hist.append(lines[1])
            else:
                rec.append(_line(record_to_json(record, store)))
                if kind is StaleRow:
                    out[STALE].append(_line(stale_line(record, store)))
        return {name: b"".join(lines) for name, lines in out.items()}

    def _row(self, row: Row) -> tuple[bytes, bytes] | None:
        """The row's two lines from templates, or None when the general path must write it."""
        values = row.values
        if not _NUMBERS.issuperset(map(type, values.values())):
            return None
        keys = tuple(values)
        templates = self._templates.get(keys)
        if templates is None:
            if keys not in self._templates:  # seen once: no template, it may never come again
                if len(self._templates) >= _MAX_TEMPLATES:
                    self._templates.clear()
                self._templates[keys] = None
                return None
            templates = self._templates[keys] = self._make(keys)
        numbers = [row.step, row.timestamp, row.runtime, *values.values()]
        try:
            encoded = orjson.dumps(numbers)
        except TypeError:  # an int beyond 64 bits
            encoded = None
        if encoded is None or b"null" in encoded:  # orjson writes NaN and ±inf as null
            encoded = dumps(numbers).encode("ascii")
        tokens = encoded[1:-1].split(b",")
        return templates[0].fill(tokens), templates[1].fill(tokens)

    def _make(self, keys: tuple[Any, ...]) -> tuple[_Template, _Template]:
        """Templates cut from the general path's lines for a row of markers with these keys."""
        mark = self._mark.format
        row = new_row(mark(0), mark(1), mark(2),  # type: ignore[arg-type]
                      {path: mark(i) for i, path in enumerate(keys, 3)})
        return (_Template(dumps(record_to_json(row, self._store)), self._marker),
                _Template(dumps(history_line(row, self._store)), self._marker))


def _line(obj: Any) -> bytes:
    return (dumps(obj) + "\n").encode("utf-8")
