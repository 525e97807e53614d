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
#: numbers encoded and joined at a time: longer lists join slower (cache misses), shorter
#: ones pay more calls per row (measured: about 2 000 is best from 1 to 100 numbers a row)
_CHUNK = 2048


class _Template:
    """One line's bytes with a slot per encoded number; :meth:`fill` writes ``n`` lines."""

    __slots__ = ("_in_order", "_order", "_parts", "_picks", "_width")

    def __init__(self, text: str, marker: re.Pattern[str], width: int) -> None:
        pieces = marker.split(text + "\n")
        self._parts = [p.encode("utf-8") for p in pieces[0::2]]
        self._order = [int(i) for i in pieces[1::2]]
        self._width = width  # numbers per row
        self._in_order = self._order == list(range(width))
        #: rows in a run -> the itemgetter taking its tokens in this line's order
        self._picks: dict[int, Any] = {}

    def fill(self, tokens: list[bytes], n: int) -> bytes:
        """``n`` lines from the tokens of ``n`` rows (``width`` tokens each, in row order)."""
        parts = self._parts
        if not self._in_order:
            tokens = self._pick(n)(tokens)
        # parts[0], token, parts[1], token, ..., parts[-1] + parts[0], token, ..., parts[-1]
        buf: list[bytes] = [b""] * (2 * len(tokens) + 1)
        buf[1::2] = tokens
        buf[2::2] = ([*parts[1:-1], parts[-1] + parts[0]]) * n
        buf[0], buf[-1] = parts[0], parts[-1]
        return b"".join(buf)

    def _pick(self, n: int) -> Any:
        pick = self._picks.get(n)
        if pick is None:
            if len(self._picks) >= 8:
                self._picks.clear()
            width, order = self._width, self._order
            pick = self._picks[n] = operator.itemgetter(
                *[row + i for row in range(0, n * width, width) for i in order])
        return pick


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
        run: list[Row] = []  # consecutive number rows with the same keys
        keys: tuple[Any, ...] = ()
        for record in records:
            kind = type(record)
            if kind is Row and _NUMBERS.issuperset(map(type, record.values.values())):
                row_keys = tuple(record.values)
                if row_keys != keys or not run:
                    self._rows(run, keys, rec, hist)
                    run, keys = [record], row_keys
                else:
                    run.append(record)
                continue
            self._rows(run, keys, rec, hist)
            run = []
            rec.append(_line(record_to_json(record, store)))
            if kind is Row:
                hist.append(_line(history_line(record, store)))
            elif kind is StaleRow:
                out[STALE].append(_line(stale_line(record, store)))
        self._rows(run, keys, rec, hist)
        return {name: b"".join(lines) for name, lines in out.items()}

    def _rows(self, rows: list[Row], keys: tuple[Any, ...], rec: list[bytes],
              hist: list[bytes]) -> None:
        """Append the lines of rows of numbers that share ``keys``: from the templates in one
        encoding of all their numbers, or (a key set not yet seen twice) one by one."""
        if not rows:
            return
        templates = self._templates.get(keys)
        if templates is None:
            if keys not in self._templates:  # seen once: no template, it may never come again
                if len(self._templates) >= _MAX_TEMPLATES:
                    self._templates.clear()
                self._templates[keys] = None
                store = self._store
                rec.append(_line(record_to_json(rows[0], store)))
                hist.append(_line(history_line(rows[0], store)))
                rows = rows[1:]
                if not rows:
                    return
            templates = self._templates[keys] = self._make(keys)
        per = max(1, _CHUNK // (3 + len(keys)))
        for start in range(0, len(rows), per):
            chunk = rows[start:start + per]
            numbers: list[Any] = []
            for row in chunk:
                numbers += (row.step, row.timestamp, row.runtime)
                numbers += row.values.values()
            try:
                encoded = orjson.dumps(numbers)
            except TypeError:  # an int beyond 64 bits
                encoded = None
            if encoded is None or b"null" in encoded:  # orjson writes NaN and ±inf as null
                encoded = dumps(numbers).encode("ascii")
            tokens = encoded[1:-1].split(b",")
            rec.append(templates[0].fill(tokens, len(chunk)))
            hist.append(templates[1].fill(tokens, len(chunk)))

    def _make(self, keys: tuple[Any, ...]) -> tuple[_Template, _Template]:
        """Templates cut from the general path's lines for a row of markers with these keys."""
        mark = self._mark.format
        row = new_row(mark(0), mark(1), mark(2),  # type: ignore[arg-type]
                      {path: mark(i) for i, path in enumerate(keys, 3)})
        width = 3 + len(keys)
        return (_Template(dumps(record_to_json(row, self._store)), self._marker, width),
                _Template(dumps(history_line(row, self._store)), self._marker, width))


def _line(obj: Any) -> bytes:
    return (dumps(obj) + "\n").encode("utf-8")
