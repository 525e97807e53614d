"""Conversion of user values into IR values, on the caller's thread.

An IR value is one of: ``None``, ``bool``, ``int`` (int64 range), ``float`` (NaN and ±inf kept),
``str``, a ``list`` of IR values, a ``dict`` with ``str`` keys of IR values (only inside lists),
a :class:`~runlog.typespec.media.Media` value, or a
:class:`~runlog.typespec.media.MediaSequence`.
A logged mapping becomes a flat ``dict`` of leaf paths (tuples of ``str``) to IR values.
"""

from __future__ import annotations

import datetime as _dt
import enum
import json
import sys
from collections.abc import Callable, Mapping
from typing import Any

from .errors import DataError, describe_path, warn
from .media import Media, MediaSequence
from .tensors import to_numpy

Path = tuple[str, ...]
#: ``hook(value, path) -> IR value | None``: a converter for types runlog does not know.
ConvertHook = Callable[[Any, Path], Any]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_PLAIN = (str, float, bool, type(None))
#: The accepted kinds of value, for error messages.
ACCEPTED = (
    "accepted: bool, int, float, str, None, dict, list/tuple/set, numpy scalars and arrays, "
    "tensors (torch/jax/tf), bytes, datetime, enum, callables, pandas.DataFrame, "
    "matplotlib figures and runlog media (Image, Video, Audio, Histogram, Table, Object3D, Html)"
)


def flatten(
    data: Any, hook: ConvertHook | None = None, out: dict[Path, Any] | None = None
) -> dict[Path, Any]:
    """Convert a ``log()`` mapping into ``{leaf path: IR value}``.

    Top-level keys must be ``str``; nested ``int``/``float``/``bool``/``None`` keys become
    strings as JSON writes them. ``""`` keys are dropped with a warning; empty dicts vanish.
    """
    if not isinstance(data, Mapping):
        raise DataError(
            f"log() must be passed a dictionary (a Mapping with str keys), "
            f"got {type(data).__name__}"
        )
    leaves: dict[Path, Any] = {} if out is None else out
    for key, value in data.items():
        if type(key) is not str:
            if not isinstance(key, str):
                raise DataError(
                    f"keys passed to log() must be strings, got {type(key).__name__} key "
                    f"{key!r}; accepted: str top-level keys"
                )
            key = str.__str__(key)  # a (str, Enum) key is its text, as JSON writes it
        if not key:
            _warn_empty_key(())
            continue
        _flatten_into(leaves, (key,), value, hook)
    return leaves


def _flatten_into(
    leaves: dict[Path, Any], path: Path, value: Any, hook: ConvertHook | None
) -> None:
    if isinstance(value, Mapping) and not _is_media(value):
        for key, sub in value.items():
            name = nested_key(key, path)
            if not name:
                _warn_empty_key(path)
                continue
            _flatten_into(leaves, (*path, name), sub, hook)
        return
    leaves[path] = convert(value, path, hook)


def nested_key(key: Any, path: Path) -> str:
    """The string form of a key inside a nested dict, as JSON writes it."""
    if type(key) is str:
        return key
    if isinstance(key, str):
        return str.__str__(key)
    if key is None or isinstance(key, (bool, int, float)):
        return json.dumps(key)
    raise DataError(
        f"key {key!r} of type {type(key).__name__} under {describe_path(path)} is not allowed; "
        "accepted: str, int, float, bool or None keys inside nested dicts"
    )


def _warn_empty_key(path: Path) -> None:
    where = f" under {describe_path(path)}" if path else ""
    warn(f'runlog: the empty key ""{where} was dropped')


def _is_media(value: Any) -> bool:
    return isinstance(value, (Media, MediaSequence))


def convert(value: Any, path: Path = (), hook: ConvertHook | None = None) -> Any:
    """Convert one value into an IR value (see the module docstring)."""
    t = type(value)
    if t in _PLAIN:
        return value
    if t is int:
        return value if _INT64_MIN <= value <= _INT64_MAX else float(value)
    if isinstance(value, Media):
        return value._snapshot()
    if isinstance(value, MediaSequence):
        return value
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(value, np.generic):
            return _numpy_scalar(value, path, hook)
        if isinstance(value, np.ndarray):
            return _numpy_array(value, path, hook)
    if isinstance(value, (list, tuple, set, frozenset)):
        return _sequence(value, path, hook)
    if isinstance(value, (bool, int, float, str)):  # subclasses, IntEnum too: JSON (and wandb)
        return _plain_subclass(value)  # write them as the plain value, so runlog does too
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise DataError(
                f"bytes at {describe_path(path)} are not UTF-8 text; log binary data as "
                "runlog.Image/Audio/Video/Object3D, or decode it first"
            ) from None
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, Mapping):
        return {nested_key(k, path): convert(v, (*path, nested_key(k, path)), hook)
                for k, v in value.items()}
    module = t.__module__ or ""
    if module.startswith("pandas") and t.__name__ == "DataFrame":
        from .media.table import Table

        return Table(dataframe=value)
    if module.startswith("matplotlib") and hasattr(value, "savefig"):
        from .media.image import Image

        return Image(value)
    array = to_numpy(value)
    if array is not None:
        return _numpy_array(array, path, hook)
    if hook is not None:
        converted = hook(value, path)
        if converted is not None:
            return convert(converted, path, None)
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', None) or ''}.{value.__qualname__}".lstrip(".")
    raise DataError(
        f"cannot log a value of type {module + '.' if module != 'builtins' else ''}"
        f"{t.__qualname__} at key {describe_path(path)}; {ACCEPTED}"
    )


def _plain_subclass(value: Any) -> Any:
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return convert(int(value))
    if isinstance(value, float):
        return float(value)
    return str.__str__(value)  # the text itself, not a (str, Enum) member's repr-like str()


def _numpy_scalar(value: Any, path: Path, hook: ConvertHook | None) -> Any:
    item = value.item()
    if type(item) in (bool, int, float, str, type(None)):
        return convert(item, path, hook)
    if isinstance(item, bytes):
        return convert(item, path, hook)
    try:  # float128, bfloat16 and the like
        return float(item)
    except (TypeError, ValueError):
        return convert(item, path, hook)


def _numpy_array(arr: Any, path: Path, hook: ConvertHook | None) -> Any:
    if arr.dtype.kind == "V":
        raise DataError(f"structured numpy arrays are not accepted at {describe_path(path)}")
    size = arr.size
    if size == 1:
        return convert(arr.reshape(-1)[0], path, hook)
    if size <= 32:
        return _sequence(arr.tolist(), path, hook)
    if arr.dtype.kind not in "biuf":
        raise DataError(
            f"a numpy array of {size} {arr.dtype} values at {describe_path(path)} cannot be "
            "logged; arrays of more than 32 values must be numeric (they become a Histogram)"
        )
    from .media.histogram import Histogram

    try:
        return Histogram(arr, num_bins=32)
    except DataError as exc:
        raise DataError(f"at key {describe_path(path)}: {exc}") from None


def _sequence(items: Any, path: Path, hook: ConvertHook | None) -> Any:
    items = list(items)
    media = [isinstance(x, (Media, MediaSequence)) for x in items]
    if any(media):
        if not all(media) or any(isinstance(x, MediaSequence) for x in items):
            raise DataError(
                f"the list at {describe_path(path)} mixes media with other values; a list of "
                "media must hold media of one kind only"
            )
        try:
            return MediaSequence(items)
        except DataError as exc:
            raise DataError(f"at key {describe_path(path)}: {exc}") from None
    return [convert(x, path, hook) for x in items]
