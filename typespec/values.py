"""Conversion of user values into IR values, on the caller's thread.

An IR value is one of: ``None``, ``bool``, ``int`` (int64 range), ``float`` (NaN and ±inf kept),
``str`` (encodable as UTF-8), a ``list`` of IR values, a ``dict`` with ``str`` keys of IR
values (only inside lists), a :class:`~runlog.typespec.media.Media` value, or a
:class:`~runlog.typespec.media.MediaSequence`.
A logged mapping becomes a flat ``dict`` of leaf paths (tuples of ``str``) to IR values.
"""

from __future__ import annotations

import datetime as _dt
import enum
import json
import sys
import types
from collections.abc import Callable, Mapping
from typing import Any

from .errors import DataError, describe_path, safe_repr, warn
from .media import Media, MediaSequence
from .tensors import to_numpy
from .text import check_text, is_utf8, text_error

Path = tuple[str, ...]
#: ``hook(value, path) -> IR value | None``: a converter for types runlog does not know.
ConvertHook = Callable[[Any, Path], Any]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_PLAIN = (str, float, bool, type(None))
_SCALARS = frozenset((*_PLAIN, int))
#: how many dicts and lists deep a logged value may nest (what every backend reads back)
MAX_DEPTH = 100
#: The accepted kinds of value, for error messages.
ACCEPTED = (
    "accepted: bool, int, float, str, None, dict, list/tuple/set, numpy scalars and arrays, "
    "tensors (torch/jax/tf), bytes, datetime, enum, callables, pandas.DataFrame, "
    "matplotlib figures, matplotlib.pyplot (its current figure), plotly figures and runlog "
    "media (Image, Video, Audio, Histogram, Table, Object3D, Html)"
)


def flatten(
    data: Any, hook: ConvertHook | None = None, out: dict[Path, Any] | None = None
) -> dict[Path, Any]:
    """Convert a ``log()`` mapping into ``{leaf path: IR value}``.

    Top-level keys must be ``str``; nested ``int``/``float``/``bool``/``None`` keys become
    strings as JSON writes them. ``""`` keys are dropped with a warning; empty dicts vanish.
    Anything that cannot be converted (see :func:`convert`) is a DataError naming its key path.
    """
    if not isinstance(data, Mapping):
        raise DataError(
            f"log() must be passed a dictionary (a Mapping with str keys), "
            f"got {type(data).__name__}"
        )
    leaves: dict[Path, Any] = {} if out is None else out
    active = (id(data),)
    for key, value in data.items() if type(data) is dict else _items(data, ()):
        if type(key) is not str:
            if not isinstance(key, str):
                raise DataError(
                    f"keys passed to log() must be strings, got {type(key).__name__} key "
                    f"{safe_repr(key)}; accepted: str top-level keys"
                )
            key = str.__str__(key)  # a (str, Enum) key is its text, as JSON writes it
        if not key:
            _warn_empty_key(())
            continue
        if not key.isascii():
            check_text(key, "key")
        _flatten_into(leaves, (key,), value, hook, active)
    return leaves


def _flatten_into(
    leaves: dict[Path, Any], path: Path, value: Any, hook: ConvertHook | None,
    active: tuple[int, ...],
) -> None:
    t = type(value)
    if t in _SCALARS:  # the common case first
        leaves[path] = _convert(value, path, hook, active)
        return
    if isinstance(value, Mapping) and not _is_media(value):
        active = _enter(value, path, active)
        for key, sub in value.items() if type(value) is dict else _items(value, path):
            name = nested_key(key, path)
            if not name:
                _warn_empty_key(path)
                continue
            _flatten_into(leaves, (*path, name), sub, hook, active)
        return
    if t.__module__.startswith("plotly."):
        from .media.figures import IMAGE_SUFFIX, is_plotly, plotly_html, plotly_image

        if is_plotly(value):  # interactive HTML, and its PNG beside it when plotly can export
            leaves[path] = _media(plotly_html, value, path)
            image = _media(plotly_image, value, path)
            if image is not None:
                leaves[(*path[:-1], path[-1] + IMAGE_SUFFIX)] = image
            return
    leaves[path] = _convert(value, path, hook, active)


def _items(mapping: Any, path: Path) -> list[tuple[Any, Any]]:
    """The items of a mapping; a mapping whose ``items`` raises is a DataError."""
    try:
        return list(mapping.items())
    except Exception as exc:  # the user's items(), __iter__ or __getitem__ failed
        raise _raised(mapping, path, exc) from exc


def _enter(container: Any, path: Path, active: tuple[int, ...]) -> tuple[int, ...]:
    """``active`` with ``container`` added: the containers being converted, outermost first.

    A container already in it (it contains itself) or nesting deeper than :data:`MAX_DEPTH`
    is a DataError.
    """
    if id(container) in active:
        raise DataError(
            f"the {type(container).__name__} at key {describe_path(path)} contains itself "
            "(a reference cycle); accepted: a tree of values, each container used once on a path"
        )
    if len(active) >= MAX_DEPTH:
        raise DataError(
            f"the value at key {describe_path(path)} nests more than {MAX_DEPTH} dicts and lists "
            f"deep; accepted: up to {MAX_DEPTH} levels (flatten deeper data, or log it as a File)"
        )
    return (*active, id(container))


def nested_key(key: Any, path: Path) -> str:
    """The string form of a key inside a nested dict, as JSON writes it."""
    if type(key) is str and key.isascii():
        return key
    if isinstance(key, str):
        key = str.__str__(key)
        if is_utf8(key):
            return key
        raise text_error(key, f"a key under {describe_path(path)}")
    if key is None or isinstance(key, (bool, int, float)):
        try:
            return json.dumps(key)
        except (ValueError, OverflowError):  # an int too long for str(), say
            pass
    raise DataError(
        f"key {safe_repr(key)} of type {type(key).__name__} under {describe_path(path)} is not "
        "allowed; accepted: str, int, float, bool or None keys inside nested dicts"
    )


def _warn_empty_key(path: Path) -> None:
    where = f" under {describe_path(path)}" if path else ""
    warn(f'runlog: the empty key ""{where} was dropped')


def _is_media(value: Any) -> bool:
    return isinstance(value, (Media, MediaSequence))


def convert(value: Any, path: Path = (), hook: ConvertHook | None = None) -> Any:
    """Convert one value into an IR value (see the module docstring).

    What cannot be converted is a DataError naming ``path``: text that is not UTF-8, an int
    beyond float's range, a container that contains itself or nests more than
    :data:`MAX_DEPTH` levels, an unknown type, and any exception the value's own code raises
    (a failing ``__array__``, ``items`` or ``tolist``).
    """
    return _convert(value, path, hook, ())


def _convert(value: Any, path: Path, hook: ConvertHook | None, active: tuple[int, ...]) -> Any:
    t = type(value)
    if t in _PLAIN:
        if t is str and not value.isascii() and not is_utf8(value):
            raise text_error(value, f"key {describe_path(path)}")
        return value
    if t is int:
        return _int(value, path)
    try:
        return _convert_object(value, path, hook, active)
    except (DataError, MemoryError):
        raise
    except Exception as exc:  # the value's own code failed: name the key
        raise _raised(value, path, exc) from exc


def _raised(value: Any, path: Path, exc: BaseException) -> DataError:
    return DataError(
        f"cannot log the {_type_label(value)} at key {describe_path(path)}: converting it raised "
        f"{safe_repr(exc, 200)}; {ACCEPTED}"
    )


def _type_label(value: Any) -> str:
    """``module.Type`` (``Type`` for builtins) of a value, for error messages."""
    t = type(value)
    module = t.__module__ or ""
    return f"{module + '.' if module != 'builtins' else ''}{t.__qualname__}"


def _int(value: int, path: Path) -> int | float:
    """An int in int64 range as it is; a larger one as a float (as wandb does)."""
    if _INT64_MIN <= value <= _INT64_MAX:
        return value
    try:
        return float(value)
    except OverflowError:
        raise DataError(
            f"the int at key {describe_path(path)} has {value.bit_length()} bits, beyond a "
            "float's range (about 1.8e308); accepted: ints up to that size (ints beyond int64 "
            "are logged as floats)"
        ) from None


def _convert_object(
    value: Any, path: Path, hook: ConvertHook | None, active: tuple[int, ...]
) -> Any:
    t = type(value)
    if isinstance(value, Media):
        return value._snapshot()
    if isinstance(value, MediaSequence):
        return value
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(value, np.generic):
            return _numpy_scalar(value, path, hook, active)
        if isinstance(value, np.ndarray):
            return _numpy_array(value, path, hook, active)
    if isinstance(value, (list, tuple, set, frozenset)):
        return _sequence(value, path, hook, _enter(value, path, active))
    if isinstance(value, (bool, int, float, str)):  # subclasses, IntEnum too: JSON (and wandb)
        return _plain_subclass(value, path)  # write them as the plain value, so runlog does too
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise DataError(
                f"bytes at {describe_path(path)} are not UTF-8 text; log binary data as "
                "runlog.Image/Audio/Video/Object3D, or decode it first"
            ) from None
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return check_text(value.isoformat(), f"key {describe_path(path)}")
    if isinstance(value, enum.Enum):
        return check_text(value.name, f"key {describe_path(path)}")
    if isinstance(value, Mapping):
        active = _enter(value, path, active)
        out = {}
        for k, v in _items(value, path):
            name = nested_key(k, path)
            out[name] = _convert(v, (*path, name), hook, active)
        return out
    module = t.__module__ or ""
    if module.startswith("pandas") and t.__name__ == "DataFrame":
        from .media.table import Table

        return Table(dataframe=value)
    if isinstance(value, types.ModuleType) or module.startswith("plotly."):
        from .media import figures

        if figures.is_pyplot(value):
            return _media(figures.pyplot_image, value, path)
        if figures.is_plotly(value):  # in a list or a summary: the HTML alone
            return _media(figures.plotly_html, value, path)
    if module.startswith("matplotlib") and hasattr(value, "savefig"):
        from .media.image import Image

        return Image(value)
    array = to_numpy(value)
    if array is not None and array.dtype.kind != "O":  # an object array is no tensor (a Mock)
        return _numpy_array(array, path, hook, _enter(value, path, active))
    if hook is not None:
        converted = hook(value, path)
        if converted is not None:
            return _convert(converted, path, None, _enter(value, path, active))
    if callable(value) and hasattr(value, "__qualname__"):
        name = f"{getattr(value, '__module__', None) or ''}.{value.__qualname__}".lstrip(".")
        return check_text(name, f"key {describe_path(path)}")
    raise DataError(f"cannot log a value of type {_type_label(value)} at key "
                    f"{describe_path(path)}; {ACCEPTED}")


def _is_figure(value: Any) -> bool:
    """A matplotlib figure, the pyplot module or a plotly figure: it converts to media."""
    t = type(value)
    if t in _SCALARS:
        return False
    module = t.__module__ or ""
    if module.startswith("matplotlib"):
        return hasattr(value, "savefig")
    return module.startswith("plotly.") or isinstance(value, types.ModuleType)


def _media(make: Callable[[Any], Any], value: Any, path: Path) -> Any:
    """``make(value)``; its DataError names the key."""
    try:
        return make(value)
    except DataError as exc:
        raise DataError(f"at key {describe_path(path)}: {exc}") from None


def _plain_subclass(value: Any, path: Path) -> Any:
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return _int(int(value), path)
    if isinstance(value, float):
        return float(value)
    # the text itself, not a (str, Enum) member's repr-like str()
    return check_text(str.__str__(value), f"key {describe_path(path)}")


def _numpy_scalar(value: Any, path: Path, hook: ConvertHook | None,
                  active: tuple[int, ...]) -> Any:
    item = value.item()
    if type(item) in (bool, int, float, str, type(None), bytes):
        return _convert(item, path, hook, active)
    try:  # float128, bfloat16 and the like
        return float(item)
    except (TypeError, ValueError):
        return _convert(item, path, hook, _enter(value, path, active))


def _numpy_array(arr: Any, path: Path, hook: ConvertHook | None,
                 active: tuple[int, ...]) -> Any:
    if arr.dtype.kind == "V":
        raise DataError(f"structured numpy arrays are not accepted at {describe_path(path)}")
    active = _enter(arr, path, active)
    size = arr.size
    if size == 1:
        return _convert(arr.reshape(-1)[0], path, hook, active)
    if size <= 32:
        return _sequence(arr.tolist(), path, hook, active)
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


def _sequence(items: Any, path: Path, hook: ConvertHook | None,
              active: tuple[int, ...]) -> Any:
    items = list(items)
    if not set(map(type, items)) <= _SCALARS and any(map(_is_figure, items)):  # figures: media
        items = [_convert(x, path, hook, active) if _is_figure(x) else x for x in items]
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
    return [_convert(x, path, hook, active) for x in items]
