"""The JSON form of IR values and records (``"v": 1``), in both directions.

NaN and ±inf are written as the ``NaN`` / ``Infinity`` / ``-Infinity`` literals that Python's
``json`` reads back exactly; ints of any size stay exact; keys are kept as they are. A media
payload is either embedded (base64 ``"data"``) or stored elsewhere and referenced (``"ref"``),
as the caller's ``store`` / ``load`` functions decide.
"""

from __future__ import annotations

import base64
import importlib
import json
from collections.abc import Callable
from typing import Any

import attrs

from .errors import DataError
from .media import KINDS, MEDIA_TYPES, Media, MediaSequence
from .payload import Payload
from .records import RECORD_TYPES

VERSION = 1
#: ``store(payload) -> ref``: put the bytes somewhere and say where (e.g. a relative path).
Store = Callable[[Payload], str]
#: ``load(ref, payload_json) -> bytes``: get stored bytes back.
Load = Callable[[str, dict], bytes]

_SCALARS = frozenset({int, float, str, bool, type(None)})  # their JSON form is themselves
_TYPE_OF = {cls: name for name, cls in RECORD_TYPES.items()}
#: record type -> its field holding {path: value} (ConfigChanged.values is keyed by str)
_LEAF_FIELDS = {"row": "values", "stale_row": "values", "summary_changed": "set"}
#: fields holding a tuple of strings, a JSON list
_TUPLE_FIELDS = frozenset({"tags", "backends", "aliases", "command"})


def payload_to_json(payload: Payload, store: Store | None = None) -> dict[str, Any]:
    """A payload's JSON form: sha256, ext, mime, size, meta, and ``data`` or ``ref``."""
    out: dict[str, Any] = {
        "sha256": payload.sha256,
        "ext": payload.ext,
        "mime": payload.mime,
        "size": payload.size,
        "meta": payload.meta,
    }
    if store is None:
        out["data"] = base64.b64encode(payload.data).decode("ascii")
    else:
        out["ref"] = store(payload)
    return out


def payload_from_json(obj: dict[str, Any], load: Load | None = None) -> Payload:
    """Rebuild a payload; a ``ref`` needs ``load``."""
    if "data" in obj:
        data = base64.b64decode(obj["data"])
    elif load is not None:
        data = load(obj["ref"], obj)
    else:
        raise DataError(f"payload {obj.get('sha256')} is stored by reference; pass load=")
    return Payload(data, obj["ext"], obj["mime"], dict(obj.get("meta") or {}), obj["sha256"])


def value_to_json(value: Any, store: Store | None = None) -> Any:
    """The JSON form of one IR value."""
    t = type(value)
    if t in (int, float, str, bool) or value is None:
        return value
    if t is list:
        return [value_to_json(v, store) for v in value]
    if t is dict:
        body = {k: value_to_json(v, store) for k, v in value.items()}
        return {"_type": "dict", "items": body} if "_type" in value else body
    if isinstance(value, MediaSequence):
        return {"_type": "sequence", "kind": value.kind,
                "items": [value_to_json(m, store) for m in value.items]}
    if isinstance(value, Media):
        out = {"_type": value.kind, **value._json_fields()}
        if getattr(value, "stores_payload", True):
            out["payload"] = payload_to_json(value.payload(), store)
        return out
    raise DataError(f"not an IR value: {t.__name__}")


def value_from_json(obj: Any, load: Load | None = None) -> Any:
    """Read back what :func:`value_to_json` wrote."""
    if type(obj) is list:
        return [value_from_json(v, load) for v in obj]
    if type(obj) is not dict:
        return obj
    kind = obj.get("_type")
    if kind is None:
        return {k: value_from_json(v, load) for k, v in obj.items()}
    if kind == "dict":
        return {k: value_from_json(v, load) for k, v in obj["items"].items()}
    if kind == "sequence":
        return MediaSequence([value_from_json(m, load) for m in obj["items"]])
    cls = MEDIA_TYPES.get(kind)
    if cls is None and kind in KINDS:  # media modules load lazily; each is named after its kind
        importlib.import_module(f"{__package__}.media.{kind}")
        cls = MEDIA_TYPES.get(kind)
    if cls is None:
        raise DataError(f"unknown media kind {kind!r} in the JSON form")
    fields = {k: v for k, v in obj.items() if k not in ("_type", "payload")}
    payload = payload_from_json(obj["payload"], load) if "payload" in obj else None
    return cls._from_json_fields(fields, payload)


def leaves_to_json(leaves: dict[tuple[str, ...], Any], store: Store | None = None) -> list:
    """``{path: value}`` as ``[[path segments, value JSON], ...]``."""
    return [
        [list(path), v if type(v) in _SCALARS else value_to_json(v, store)]
        for path, v in leaves.items()
    ]


def leaves_from_json(items: list, load: Load | None = None) -> dict[tuple[str, ...], Any]:
    """Read back what :func:`leaves_to_json` wrote."""
    return {tuple(path): value_from_json(v, load) for path, v in items}


def record_to_json(record: Any, store: Store | None = None) -> dict[str, Any]:
    """A record's JSON form: ``{"v": 1, "type": ..., <fields>}``."""
    out: dict[str, Any] = {"v": VERSION, "type": _TYPE_OF[type(record)]}
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        if _LEAF_FIELDS.get(out["type"]) == field.name:
            out[field.name] = leaves_to_json(value, store)
        elif field.name == "removed":
            out[field.name] = [list(p) for p in value]
        elif field.name in _TUPLE_FIELDS or (
            field.name == "summary" and isinstance(value, tuple)
        ):
            out[field.name] = list(value)
        else:
            out[field.name] = value_to_json(value, store)
    return out


def record_from_json(obj: dict[str, Any], load: Load | None = None) -> Any:
    """Read back what :func:`record_to_json` wrote."""
    if obj.get("v") != VERSION:
        raise DataError(
            f"unsupported record version {obj.get('v')!r} (this runlog reads {VERSION})"
        )
    cls = RECORD_TYPES[obj["type"]]
    kwargs: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.name not in obj:
            continue
        value = obj[field.name]
        if _LEAF_FIELDS.get(obj["type"]) == field.name:
            kwargs[field.name] = leaves_from_json(value, load)
        elif field.name == "removed":
            kwargs[field.name] = tuple(tuple(p) for p in value)
        elif field.name in _TUPLE_FIELDS or (
            field.name == "summary" and isinstance(value, list)
        ):
            kwargs[field.name] = tuple(value)
        else:
            kwargs[field.name] = value_from_json(value, load)
    return cls(**kwargs)


def dumps(obj: Any) -> str:
    """``json.dumps`` as the JSON form uses it (NaN literals allowed, unicode kept)."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=True, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    """``json.loads`` for the JSON form."""
    return json.loads(text)


__all__ = [
    "VERSION", "dumps", "leaves_from_json", "leaves_to_json", "loads", "payload_from_json",
    "payload_to_json", "record_from_json", "record_to_json", "value_from_json", "value_to_json",
]
