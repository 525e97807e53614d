"""Histogram: counts over bin edges, from raw values or a precomputed numpy histogram."""

from __future__ import annotations

import json
import math
from typing import Any

from ..errors import DataError, safe_repr
from ..payload import Payload
from .base import Media

MAX_BINS = 512


class Histogram(Media):
    """A histogram: ``Histogram(sequence, num_bins=64)`` or
    ``Histogram(np_histogram=(counts, edges))``.

    ``values`` are the counts and ``bins`` the ``len(values) + 1`` edges, as in wandb's JSON.
    """

    kind = "histogram"
    stores_payload = False  # the JSON fields carry everything

    def __init__(
        self,
        sequence: Any = None,
        np_histogram: Any = None,
        num_bins: int = 64,
    ) -> None:
        if np_histogram is not None and sequence is not None:
            raise DataError("Histogram: pass either a sequence or np_histogram=, not both")
        if np_histogram is not None:
            counts, edges = _precomputed(np_histogram)
        elif sequence is not None:
            counts, edges = _binned(sequence, num_bins)
        else:
            raise DataError("Histogram: pass a sequence or np_histogram=(values, bin_edges)")
        if len(counts) > MAX_BINS:
            raise DataError(f"Histogram: at most {MAX_BINS} bins, got {len(counts)}")
        self.values: list[float | int] = [_num(c) for c in counts.tolist()]
        self.bins: list[float] = [float(e) for e in edges.tolist()]
        self.caption = None
        self._set_encoder(self._encode)

    def _encode(self) -> Payload:
        body = json.dumps({"values": self.values, "bins": self.bins}).encode()
        return Payload(body, "json", "application/json", {"num_bins": len(self.values)})

    def _json_fields(self) -> dict[str, Any]:
        return {"values": self.values, "bins": self.bins}

    @classmethod
    def _from_json_fields(cls, fields: dict[str, Any], payload: Payload | None) -> Histogram:
        obj = cls.__new__(cls)
        obj.values = list(fields["values"])
        obj.bins = list(fields["bins"])
        obj.caption = None
        obj._set_encoder(obj._encode)
        return obj

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Histogram):
            return NotImplemented
        return self.values == other.values and self.bins == other.bins

    __hash__ = Media.__hash__

    def __repr__(self) -> str:
        return f"<runlog.Histogram {len(self.values)} bins [{self.bins[0]}, {self.bins[-1]}]>"


def _precomputed(np_histogram: Any) -> tuple[Any, Any]:
    """Validated ``(counts, edges)`` float arrays from ``np_histogram``."""
    import numpy as np

    if not (isinstance(np_histogram, (tuple, list)) and len(np_histogram) == 2):
        raise DataError(
            "Histogram: np_histogram must be a tuple (values, bin_edges) as returned by "
            f"numpy.histogram, got {type(np_histogram).__name__}"
        )
    try:
        counts = np.asarray(_as_array(np_histogram[0]), dtype=float).ravel()
        edges = np.asarray(_as_array(np_histogram[1]), dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"Histogram: np_histogram must hold two sequences of numbers (values, bin_edges): {exc}"
        ) from None
    if len(edges) != len(counts) + 1:
        raise DataError(
            f"Histogram: np_histogram needs len(bin_edges) == len(values) + 1, got "
            f"{len(edges)} edges for {len(counts)} values"
        )
    if not np.all(np.isfinite(edges)) or np.any(np.diff(edges) < 0):
        raise DataError("Histogram: np_histogram bin_edges must be finite and non-decreasing")
    if not np.all(np.isfinite(counts)):
        raise DataError("Histogram: np_histogram values (counts) must be finite numbers")
    return counts, edges


def _widened(lo: float, hi: float) -> tuple[float, float]:
    """A range around ``[lo, hi]`` wide enough for any number of bins: ±0.5, or more for
    large values."""
    pad = max(0.5, max(abs(lo), abs(hi)) * 2**-20)
    return lo - pad, hi + pad


def _binned(sequence: Any, num_bins: Any) -> tuple[Any, Any]:
    """``numpy.histogram(sequence, bins=num_bins)`` after validating both."""
    import numpy as np

    if isinstance(num_bins, bool) or not isinstance(num_bins, int) or not 1 <= num_bins <= MAX_BINS:
        raise DataError(
            f"Histogram: num_bins must be an int from 1 to {MAX_BINS}, got {safe_repr(num_bins)}"
        )
    try:
        arr = np.asarray(_as_array(sequence), dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"Histogram: sequence must be numbers (a list, array or tensor), got "
            f"{type(sequence).__name__}: {exc}"
        ) from None
    if arr.size and not np.all(np.isfinite(arr)):
        raise DataError(
            "Histogram: sequence holds NaN or infinity; drop them first "
            "(e.g. x[numpy.isfinite(x)])"
        )
    lo, hi = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 1.0)
    if lo == hi:  # numpy's (x - 0.5, x + 0.5) has no room for bins at 2**62; widen with x
        lo, hi = _widened(lo, hi)
    try:
        return np.histogram(arr, bins=num_bins, range=(lo, hi))
    except ValueError:  # too narrow for float precision (e.g. [0, 5e-324]): widen as for one value
        pass
    lo, hi = _widened(lo, hi)
    try:
        return np.histogram(arr, bins=num_bins, range=(lo, hi))
    except ValueError as exc:  # beyond float's range
        raise DataError(
            f"Histogram: cannot make {num_bins} bins over [{lo:g}, {hi:g}] ({exc}); pass "
            "fewer num_bins, or subtract an offset from the values first"
        ) from None


def _num(x: float) -> float | int:
    return int(x) if math.isfinite(x) and x == int(x) else x


def _as_array(value: Any) -> Any:
    """A numpy array for a duck-typed tensor; anything else (a list, an array) as it is."""
    from ..tensors import to_numpy

    arr = to_numpy(value)
    return value if arr is None else arr
