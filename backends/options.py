"""Backend options: one declared table per backend, one validator for all of them.

A backend declares ``OPTIONS = {"name": Option(default, type, "what is accepted")}`` and its
factory calls :func:`parse_options`; an unknown option or a value of the wrong type is a
:class:`~runlog.typespec.errors.UsageError` naming the backend, the option, the value's type and
what is accepted. Values arrive from Python (``{"files": {"flush_rows": 10}}``), from entries
(``"files:flush_rows=10"``), from ``RUNLOG_<NAME>__<OPTION>`` variables and from the config file,
so text is already parsed into numbers and booleans where it looks like one.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from runlog.typespec.errors import UsageError


@attrs.frozen
class Option:
    """One option of a backend.

    ``kind`` is ``bool``, ``int``, ``float``, ``str`` or ``pathlib.Path`` (a ``str`` or
    ``os.PathLike``, ``~`` expanded); ``minimum`` bounds numbers; an option whose ``default``
    is None also accepts None.
    """

    default: Any
    kind: type
    text: str
    minimum: float | None = None


def parse_options(
    backend: str, options: Mapping[str, Any], table: Mapping[str, Option]
) -> dict[str, Any]:
    """Every option of ``table``, from ``options`` or its default, converted to its ``kind``.

    An option not in ``table`` or a value the table does not accept is a UsageError.
    """
    unknown = sorted(set(options) - set(table))
    if unknown:
        accepted = (
            "accepted: " + ", ".join(f"{k} ({o.text})" for k, o in table.items())
            if table else "it takes no options"
        )
        raise UsageError(f"{backend} backend: unknown option(s) {', '.join(unknown)}; {accepted}")
    return {key: _convert(backend, key, options.get(key, opt.default), opt)
            for key, opt in table.items()}


def _convert(backend: str, key: str, value: Any, opt: Option) -> Any:
    if value is None and opt.default is None:
        return None
    converted = _as_kind(value, opt.kind)
    if converted is None or (
        opt.minimum is not None and not converted >= opt.minimum  # NaN fails too
    ):
        raise UsageError(f"{backend} backend: option {key} must be {opt.text}, got {value!r} "
                         f"({type(value).__name__})")
    return converted


def _as_kind(value: Any, kind: type) -> Any:
    """``value`` as ``kind``, or None when it is not one."""
    if kind is bool:
        return value if isinstance(value, bool) else None
    if kind is str:
        return value if isinstance(value, str) else None
    if kind is Path:
        return Path(value).expanduser() if isinstance(value, (str, os.PathLike)) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if kind is int:
        if isinstance(value, int):
            return value
        return int(value) if math.isfinite(value) and value.is_integer() else None
    return float(value) if math.isfinite(value) else None
