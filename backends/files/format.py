"""The files layout, format version 1: file names and the JSON of history, summary and stale lines.

``records.jsonl`` holds IR records in the JSON form of ``runlog.typespec.jsonform``. The caches
(``history.jsonl``, ``summary.json``, ``stale.jsonl``) hold nested values as ``row_dict`` gives
them, in the same JSON form except that a media value's payload is hoisted into the value::

    {"_type": "image", "caption": ..., "path": "media/<sha256>.png", "sha256": ...,
     "size": 1234, "mime": "image/png", "meta": {"width": 28, ...}}

A user dict that has a ``"_type"`` key is written ``{"_type": "dict", "items": {...}}`` so that
it cannot pass for a media value. See ``docs/files-format.md``.
"""

from __future__ import annotations

from typing import Any

from runlog.typespec.jsonform import Load, Store, value_from_json, value_to_json
from runlog.typespec.media import KINDS
from runlog.typespec.records import Row, StaleRow, nest, row_dict

FORMAT = "runlog-files"
FORMAT_VERSION = 1

RUN_JSON = "run.json"
RECORDS = "records.jsonl"
HISTORY = "history.jsonl"
SUMMARY = "summary.json"
STALE = "stale.jsonl"
MEDIA = "media"
FILES = "files"
LOCK = "run.lock"

#: keys of a media value's hoisted payload (no media kind uses them as its own fields)
PAYLOAD_KEYS = ("path", "sha256", "size", "mime", "meta")
_PLAIN = (int, float, str, bool, type(None))


def encode_tree(tree: dict[str, Any], store: Store) -> dict[str, Any]:
    """A nested dict of IR values (a history row, the summary) as cache JSON.

    The top level is never wrapped: it is the row or the summary itself.
    """
    return {
        key: value if type(value) in _PLAIN else _hoist(value_to_json(value, store))
        for key, value in tree.items()
    }


def decode_tree(obj: dict[str, Any], load: Load) -> dict[str, Any]:
    """Read back what :func:`encode_tree` wrote; media come back as runlog media values."""
    return {key: value_from_json(_unhoist(value), load) for key, value in obj.items()}


def history_line(row: Row, store: Store) -> dict[str, Any]:
    """One ``history.jsonl`` object: the nested row with ``_step``, ``_runtime``, ``_timestamp``."""
    out: dict[str, Any] = {}
    for path, value in row.values.items():  # fast path: a flat row of plain values
        if len(path) != 1 or type(value) not in _PLAIN:
            return encode_tree(row_dict(row), store)
        out[path[0]] = value
    out["_step"] = row.step
    out["_runtime"] = row.runtime
    out["_timestamp"] = row.timestamp
    return out


def stale_line(stale: StaleRow, store: Store) -> dict[str, Any]:
    """One ``stale.jsonl`` object: the rejected step, the step it was behind, and its values."""
    return {
        "step": stale.step,
        "current_step": stale.current_step,
        "timestamp": stale.timestamp,
        "policy": stale.policy,
        "values": encode_tree(nest(stale.values), store),
    }


def _hoist(obj: Any) -> Any:
    """jsonform's ``{"_type": k, ..., "payload": {...}}`` -> the cache's hoisted media object."""
    return _map_media(obj, _hoist_media)


def _unhoist(obj: Any) -> Any:
    """The inverse of :func:`_hoist`: cache JSON back to jsonform's JSON."""
    return _map_media(obj, _unhoist_media)


def _map_media(obj: Any, fn: Any) -> Any:
    """``obj`` (JSON) with every media object replaced by ``fn(media object)``."""
    if type(obj) is list:
        return [_map_media(v, fn) for v in obj]
    if type(obj) is not dict:
        return obj
    kind = obj.get("_type")
    if kind == "sequence":
        return {**obj, "items": [_map_media(v, fn) for v in obj["items"]]}
    if kind == "dict":
        return {**obj, "items": {k: _map_media(v, fn) for k, v in obj["items"].items()}}
    if kind in KINDS:
        return fn(obj)
    return {k: _map_media(v, fn) for k, v in obj.items()}


def _hoist_media(obj: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in obj.items() if k != "payload"}
    payload = obj.get("payload")
    if payload is not None:
        out.update(path=payload["ref"], sha256=payload["sha256"], size=payload["size"],
                   mime=payload["mime"])
        if payload["meta"]:
            out["meta"] = payload["meta"]
    return out


def _unhoist_media(obj: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in obj.items() if k not in PAYLOAD_KEYS}
    if "path" in obj:
        out["payload"] = {
            "ref": obj["path"], "sha256": obj["sha256"], "ext": ext_of(obj["path"]),
            "mime": obj["mime"], "size": obj["size"], "meta": obj.get("meta") or {},
        }
    return out


def ext_of(ref: str) -> str:
    """The extension of a content-addressed name: ``media/<sha>.plot.json`` -> ``plot.json``."""
    return ref.rsplit("/", 1)[-1].partition(".")[2]
