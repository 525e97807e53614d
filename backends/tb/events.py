"""Reading this backend's own event files back, to resume a run recorded only in TensorBoard.

An event file is a sequence of TFRecords (``uint64 length``, ``uint32 masked crc32c`` of the
length, the ``Event`` protobuf, ``uint32 masked crc32c`` of the data). A record cut short by a
crash ends the file's readable part. What a resumed run needs is folded from runlog's
bookkeeping texts (``runlog_/config``, ``runlog_/keymap``, ``runlog_/summary``) and the scalars.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
from google.protobuf.message import DecodeError
from runlog.typespec.summary import Summary
from tensorboardX.proto.event_pb2 import Event
from tensorboardX.record_writer import masked_crc32c

from .._contract import ExistingRun
from .tags import CONFIG_TAG, KEYMAP_TAG, SUMMARY_TAG, SYSTEM_DESCRIPTION, decode

_TEXT = "/text_summary"  # the suffix tensorboardX gives text tags
_OWN = ("runlog_/", "_hparams_/")  # runlog's bookkeeping and the hparams plugin's tags
_HEADER = struct.Struct("<QI")


@attrs.frozen
class RecordedRun:
    """What the event files of a run say: its state for resuming, and the tags in its keymaps."""

    existing: ExistingRun
    tags: frozenset[str]


def iter_events(path: Path) -> Iterator[Any]:
    """The ``Event`` protobufs of one event file, up to the first torn or damaged record."""
    with open(path, "rb") as f:
        while len(header := f.read(_HEADER.size)) == _HEADER.size:
            length, crc = _HEADER.unpack(header)
            if masked_crc32c(header[:8]) != crc:
                return
            data = f.read(length + 4)
            if len(data) < length + 4:
                return
            event = Event()
            try:
                event.ParseFromString(data[:length])
            except DecodeError:
                return
            yield event


def recorded_run(logdir: Path) -> RecordedRun | None:
    """The run recorded in ``logdir``'s event files, or None when there are none.

    ``next_step`` is the step of the final summary or the step after the last event holding a
    logged value, whichever is later (with ``define_metric`` step metrics this may leave a gap,
    never a repeated step); the summary is the last ``runlog_/summary`` updated by the scalars
    logged after it (media leaves cannot be restored from TensorBoard and are left out); the
    config is the last ``runlog_/config``.
    """
    files = sorted(logdir.glob("events.out.tfevents.*")) if logdir.is_dir() else []
    sessions = [list(iter_events(f)) for f in files]
    sessions = sorted((s for s in sessions if s), key=lambda events: events[0].wall_time)
    if not sessions:
        return None
    next_step = 0
    config: dict[str, Any] = {}
    keymap: dict[str, str] = {}
    latest: dict[tuple[str, ...], Any] = {}
    for event in (e for events in sessions for e in events):
        for value in event.summary.value:
            tag = value.tag
            if tag == CONFIG_TAG + _TEXT:
                config = _json_text(value)
            elif tag == KEYMAP_TAG + _TEXT:
                keymap.update(_json_text(value))
            elif tag == SUMMARY_TAG + _TEXT:
                latest = dict(_leaves(_json_text(value)))
                next_step = max(next_step, event.step)
            elif not tag.startswith(_OWN) and (
                value.metadata.summary_description != SYSTEM_DESCRIPTION
            ):
                next_step = max(next_step, event.step + 1)
                if value.WhichOneof("value") == "simple_value":
                    key = keymap.get(tag) or _decoded(tag)
                    if key is not None:
                        latest[tuple(key.split("/"))] = value.simple_value
    summary = Summary()
    for path, leaf in latest.items():
        summary.set(path, leaf)
    return RecordedRun(ExistingRun(next_step, summary, config), frozenset(keymap))


def _json_text(value: Any) -> Any:
    """The JSON body of one of runlog's bookkeeping texts (a fenced ```json block)."""
    body = value.tensor.string_val[0].decode("utf-8")
    return json.loads(body.removeprefix("```json\n").removesuffix("\n```"))


def _decoded(tag: str) -> str | None:
    try:
        return decode(tag)
    except ValueError:
        return None


def _leaves(tree: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[Any, Any]]:
    """``(path, value)`` of a JSON summary; media references (``{"_type": ...}``) are skipped."""
    for key, value in tree.items():
        path = (*prefix, key)
        if isinstance(value, dict):
            if "_type" not in value:
                yield from _leaves(value, path)
        else:
            yield path, value
