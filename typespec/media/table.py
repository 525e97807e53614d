"""Table: named columns of rows whose cells are plain IR values or media values.

The payload is one self-contained JSON file (ext ``table.json``)::

    {"columns": ["a", "b"], "data": [[1, {"_type": "image", ..., "payload": {"data": ...}}]]}

Plain cells are written as the JSON form writes IR values (NaN and ±inf as literals); a media
cell is its full JSON form with the payload bytes embedded (base64), so the file needs nothing
else to be read back. The record's JSON form carries only ``columns`` and ``nrows`` and
references this payload.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import DataError, safe_repr
from ..jsonform import value_from_json, value_to_json
from ..payload import Payload
from ..text import check_text
from ..values import convert
from .base import Media

#: wandb's column names when ``data`` is given without ``columns``.
DEFAULT_COLUMNS = ("Input", "Output", "Expected")
MAX_ROWS = 10000

Row = tuple[Any, ...]
#: cell types that are their own IR value / their own JSON form (ints need a range check first)
_PLAIN = frozenset({str, float, bool, type(None)})
_JSON_PLAIN = _PLAIN | {int}


class Table(Media):
    """A table: ``Table(columns=["a", "b"], data=[[1, 2], [3, 4]])``.

    ``data`` (or its alias ``rows``) is a list of rows, a 2-D numpy array or a pandas
    DataFrame; ``dataframe=`` takes a DataFrame. Cells are plain values (converted like logged
    values) or media (``Image``, ``Audio``, ...). Without ``columns``, given ``data`` gets wandb's
    ``["Input", "Output", "Expected"]``. Rows beyond ``max_rows`` are dropped with a warning.
    Logging a table logs its contents at that moment: later ``add_data`` does not change it.
    """

    kind = "table"
    MAX_ROWS = MAX_ROWS

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        data: Any = None,
        rows: Any = None,
        dataframe: Any = None,
        max_rows: int = MAX_ROWS,
    ) -> None:
        if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
            raise DataError(f"Table: max_rows must be a positive int, got {safe_repr(max_rows)}")
        given = [n for n, v in (("data", data), ("rows", rows), ("dataframe", dataframe))
                 if v is not None]
        if len(given) > 1:
            raise DataError(f"Table: pass only one of data=, rows= or dataframe=, got {given}")
        source = data if data is not None else rows if rows is not None else dataframe
        self.max_rows = max_rows
        self.caption = None
        self._warned_full = False
        if dataframe is not None or _is_dataframe(source):
            cols, raw = _dataframe_parts(source, "dataframe" if dataframe is not None else "data")
            if columns is not None:
                cols = columns
        else:
            cols = columns if columns is not None else DEFAULT_COLUMNS if source is not None else ()
            raw = _rows_of(source, f"{given[0] if given else 'data'}=")
        self._columns = _check_columns(cols)
        self._rows: list[Row] = []
        self._add_rows(raw)

    # -- reading -------------------------------------------------------------------------
    @property
    def columns(self) -> list[str]:
        """The column names."""
        return list(self._columns)

    @property
    def data(self) -> list[list[Any]]:
        """The rows, as lists of IR values (a copy)."""
        return [list(r) for r in self._rows]

    def get_column(self, name: str, convert_to: str | None = None) -> Any:
        """The values of one column, as a list or (``convert_to="numpy"``) a numpy array."""
        i = self._index(name, "get_column")
        values = [r[i] for r in self._rows]
        if convert_to is None:
            return values
        if convert_to == "numpy":
            import numpy as np

            return np.array(values)
        raise DataError(f"Table.get_column: convert_to must be None or 'numpy', got {convert_to!r}")

    def iterrows(self) -> Iterable[tuple[int, list[Any]]]:
        """``(index, row)`` pairs, as wandb's ``Table.iterrows``."""
        for i, r in enumerate(self._rows):
            yield i, list(r)

    # -- changing ------------------------------------------------------------------------
    def add_data(self, *data: Any) -> None:
        """Append one row: ``table.add_data(1, "cat", runlog.Image(...))``."""
        self._add_rows([data], first=len(self._rows))

    def add_column(self, name: str, data: Any) -> None:
        """Append a column; ``data`` has one value per existing row."""
        (name,) = _check_columns([name], self._columns)
        values = _rows_of(data, "add_column data", rows=False)
        if self._columns and len(values) != len(self._rows):
            raise DataError(
                f"Table.add_column: column {name!r} has {len(values)} values but the table "
                f"has {len(self._rows)} rows"
            )
        values = self._truncate(values)
        cells = [self._cell(v, i, name) for i, v in enumerate(values)]
        if self._columns:
            self._rows = [(*r, c) for r, c in zip(self._rows, cells)]
        else:
            self._rows = [(c,) for c in cells]
        self._columns = (*self._columns, name)
        self._changed()

    # -- internals -----------------------------------------------------------------------
    def _add_rows(self, raw: list[Any], first: int = 0) -> None:
        ncols = len(self._columns)
        room = self.max_rows - len(self._rows)
        if len(raw) > room:
            self._warn_full(len(self._rows) + len(raw))
            raw = raw[:room]
        out = []
        for n, row in enumerate(raw, first):
            cells = _row_values(row, n)
            if len(cells) != ncols:
                raise DataError(
                    f"Table: row {n} has {len(cells)} values but the table has {ncols} columns "
                    f"{list(self._columns)}"
                    + ("" if self._columns != DEFAULT_COLUMNS else
                       " (wandb's default when columns= is not given)")
                )
            out.append(tuple([v if type(v) in _PLAIN and (type(v) is not str or v.isascii())
                              else self._cell(v, n, c) for v, c in zip(cells, self._columns)]))
        self._rows.extend(out)
        self._changed()

    def _truncate(self, values: list[Any]) -> list[Any]:
        if len(values) > self.max_rows:
            self._warn_full(len(values))
            return values[: self.max_rows]
        return values

    def _warn_full(self, wanted: int) -> None:
        if not self._warned_full:
            self._warned_full = True
            warnings.warn(
                f"runlog.Table holds at most max_rows={self.max_rows} rows; {wanted} were given, "
                f"rows after the first {self.max_rows} are dropped (pass max_rows= to keep more)",
                stacklevel=4,
            )

    @staticmethod
    def _cell(value: Any, row: int, column: str) -> Any:
        try:
            return convert(value, (column,))
        except DataError as exc:
            raise DataError(f"Table: row {row}, column {column!r}: {exc}") from None

    def _index(self, name: str, where: str) -> int:
        try:
            return self._columns.index(name)
        except ValueError:
            raise DataError(
                f"Table.{where}: no column {name!r}; columns are {list(self._columns)}"
            ) from None

    def _changed(self) -> None:
        self._snap: Table | None = None
        self._set_encoder(self._encode)

    def _snapshot(self) -> Table:
        """An immutable copy of the table as it is now (what ``log`` records)."""
        if self._snap is None:
            snap = Table.__new__(Table)
            snap.max_rows, snap.caption, snap._warned_full = self.max_rows, None, True
            snap._columns, snap._rows = self._columns, list(self._rows)
            if not self._lazy.done:  # encode the snapshot's rows, shared with this table
                self._set_encoder(snap._encode)
            snap._lazy = self._lazy
            snap._snap = snap
            self._snap = snap
        return self._snap

    def body(self) -> dict[str, Any]:
        """``{"columns": [...], "data": [[cell JSON form, ...], ...]}`` (media embedded)."""
        plain = _JSON_PLAIN
        return {"columns": list(self._columns),
                "data": [[c if type(c) in plain else value_to_json(c) for c in r]
                         for r in self._rows]}

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Table:
        """Rebuild a table from :meth:`body`."""
        obj = cls.__new__(cls)
        obj.max_rows, obj.caption, obj._warned_full = max(MAX_ROWS, len(body["data"])), None, True
        obj._columns = tuple(body["columns"])
        obj._rows = [tuple(value_from_json(c) for c in r) for r in body["data"]]
        obj._changed()
        return obj

    def _encode(self) -> Payload:
        return Payload(dump_json(self.body()), "table.json", "application/json",
                       {"nrows": len(self._rows), "ncols": len(self._columns)})

    def _json_fields(self) -> dict[str, Any]:
        return {"columns": list(self._columns), "nrows": len(self._rows)}

    @classmethod
    def _from_json_fields(cls, fields: dict[str, Any], payload: Payload) -> Table:
        obj = cls.from_body(json.loads(payload.data))
        obj._set_payload(payload)
        return obj

    def __repr__(self) -> str:
        return f"<runlog.Table {len(self._rows)} rows x {list(self._columns)}>"


def dump_json(body: Any) -> bytes:
    """Compact UTF-8 JSON bytes with NaN literals; key order is kept, so bytes read back and
    written again are identical (content addressing stays stable)."""
    return json.dumps(body, ensure_ascii=False, allow_nan=True, separators=(",", ":")).encode()


def _check_columns(columns: Any, existing: tuple[str, ...] = ()) -> tuple[str, ...]:
    if isinstance(columns, (str, bytes)) or not isinstance(columns, Iterable):
        raise DataError(
            f"Table: columns must be a list of str names, got {type(columns).__name__}"
        )
    names: list[str] = []
    for i, name in enumerate(columns):
        if isinstance(name, int) and not isinstance(name, bool):
            name = str(name)
        if isinstance(name, str):
            name = check_text(str(name), f"Table: column {i} name")
        else:
            raise DataError(
                f"Table: column {i} name {safe_repr(name)} is a {type(name).__name__}; "
                "column names must be str (or int)"
            )
        if name in names or name in existing:
            raise DataError(f"Table: column name {name!r} appears twice; names must be unique")
        names.append(name)
    return tuple(names)


def _is_dataframe(value: Any) -> bool:
    t = type(value)
    return t.__name__ == "DataFrame" and (t.__module__ or "").startswith("pandas")


def _dataframe_parts(df: Any, arg: str) -> tuple[list[str], list[Any]]:
    if not _is_dataframe(df):
        raise DataError(f"Table: {arg}= must be a pandas.DataFrame, got {type(df).__name__}")
    import pandas as pd

    rows = df.astype(object).to_numpy().tolist()
    na = pd.NA
    rows = [[None if v is na else v for v in r] for r in rows]
    return [str(c) for c in df.columns], rows


def _rows_of(source: Any, arg: str, rows: bool = True) -> list[Any]:
    """A list of rows (or, with ``rows=False``, of column values) from a list or numpy array."""
    if source is None:
        return []
    if hasattr(source, "tolist") and hasattr(source, "ndim"):
        if (rows and source.ndim != 2) or source.ndim == 0:
            want = "a 2-D array (rows x columns)" if rows else "an array with one value per row"
            raise DataError(f"Table: {arg} must be {want}, got an array of shape {source.shape}")
        return source.tolist() if source.ndim == (2 if rows else 1) else list(source)
    if isinstance(source, (list, tuple)):
        return list(source)
    what = "a list of rows, a numpy array or a pandas.DataFrame" if rows else "a list or array"
    raise DataError(f"Table: {arg} must be {what}, got {type(source).__name__}")


def _row_values(row: Any, n: int) -> Sequence[Any]:
    if isinstance(row, (list, tuple)):
        return row
    if hasattr(row, "tolist") and getattr(row, "ndim", 0) == 1:
        return list(row)
    raise DataError(
        f"Table: row {n} must be a list or tuple of cell values, got {type(row).__name__}"
    )
