"""The pixel rule (``docs/media.md``): any numeric array to uint8 without wrap-around."""

from __future__ import annotations

import warnings
from typing import Any

from ..errors import DataError
from ._source import bad_input


def to_uint8(arr: Any, owner: str, arg: str = "data") -> Any:
    """``arr`` as uint8 by the pixel rule; a uint8 array is returned as is (not copied).

    - uint8: taken as is;
    - bool: False -> 0, True -> 255;
    - other integers: clipped to [0, 255], with a warning if anything was clipped;
    - floats in [0, 1]: ``round(255 * x)``; floats in [-1, 1]: ``round(255 * (x + 1) / 2)``;
      any other float range: taken as 0-255 values, rounded and clipped to [0, 255], with a
      warning only if anything was clipped. NaN is a ``DataError``.
    """
    import numpy as np

    kind = arr.dtype.kind
    if arr.dtype == np.uint8:
        return arr
    if kind == "b":
        return arr.astype(np.uint8) * np.uint8(255)
    if kind in "iu":
        lo, hi = (arr.min(), arr.max()) if arr.size else (0, 0)
        if lo < 0 or hi > 255:
            _warn(f"{owner}: integer pixel values in [{lo}, {hi}] were clipped to [0, 255]")
            arr = np.clip(arr, 0, 255)
        return arr.astype(np.uint8)
    if kind != "f":
        raise bad_input(owner, arg, arr, "an array of numbers or booleans",
                        f"dtype {arr.dtype}")
    x = arr if arr.dtype.itemsize >= 4 else arr.astype(np.float32)
    lo, hi = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
    if lo != lo or hi != hi:
        raise DataError(f"{owner}: {arg} holds NaN pixel values; replace them first "
                        "(e.g. numpy.nan_to_num)")
    if lo >= 0.0 and hi <= 1.0:
        out = x * 255.0
    elif lo >= -1.0 and hi <= 1.0:
        out = (x + 1.0) * 127.5
    else:
        if lo < 0.0 or hi > 255.0:
            _warn(f"{owner}: float pixel values in [{lo:g}, {hi:g}] are outside [0, 1], "
                  "[-1, 1] and [0, 255]; they were clipped to [0, 255]")
        out = np.clip(x, 0.0, 255.0)
    return np.rint(out, out=out).astype(np.uint8)  # out is always a new array here


def _warn(message: str) -> None:
    warnings.warn(f"runlog: {message}", UserWarning, stacklevel=4)
