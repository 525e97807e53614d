"""Fallbacks: a media value of a kind a backend does not render becomes one it does.

The chain: ``plot`` → ``table``; ``video`` → ``image`` (the GIF itself, still animated);
``table``, ``histogram``, ``object3d``, ``audio``, ``html``, ``image`` → ``file`` (the payload
bytes with a name such as ``table.json`` and the payload's MIME type). Every backend accepts
``file``. A non-GIF video (mp4/webm/ogg) has no image form and becomes a ``file``.

The dispatcher calls :func:`fallback_record` once per (record, backend); records without media,
and backends that render every kind, cost a few dict lookups. One warning per
(backend, kind) says what a backend receives instead.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from .media import KINDS, Media, MediaSequence
from .payload import Payload
from .records import ArtifactLogged, FileSaved, Finished, Row, StaleRow, SummaryChanged

#: kind -> the kind it falls back to
NEXT = {
    "plot": "table",
    "video": "image",
    "table": "file",
    "histogram": "file",
    "object3d": "file",
    "audio": "file",
    "html": "file",
    "image": "file",
}
_PLAIN = frozenset({int, float, str, bool, type(None)})
_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


def fallback(value: Any, kinds: frozenset[str], backend: str = "") -> Any:
    """``value`` with every media value of a kind not in ``kinds`` replaced by its fallback.

    Works inside media sequences, lists and dicts; returns ``value`` itself when nothing changes.
    ``backend`` names the backend in the one warning per (backend, kind).
    """
    t = type(value)
    if t in _PLAIN:
        return value
    if isinstance(value, Media):
        return value if value.kind in kinds else _replace(value, kinds, backend)
    if isinstance(value, MediaSequence):
        if value.kind in kinds:
            return value
        return MediaSequence([_replace(m, kinds, backend) for m in value.items])
    if t is list:
        items = [fallback(v, kinds, backend) for v in value]
        return value if all(a is b for a, b in zip(items, value)) else items
    if t is dict:
        return _mapping(value, kinds, backend)
    return value


def fallback_record(record: Any, kinds: frozenset[str], backend: str = "") -> Any:
    """``record`` with :func:`fallback` applied to its values (``Row``, ``StaleRow``,
    ``SummaryChanged``, ``Finished``); the same object when nothing changes."""
    if kinds >= KINDS:
        return record
    field = _VALUE_FIELD.get(type(record))
    if field is None:
        return record
    values = getattr(record, field)
    new = _mapping(values, kinds, backend)
    return record if new is values else attrs.evolve(record, **{field: new})


def has_media(record: Any) -> bool:
    """True if any value of ``record`` is or holds a media value."""
    return type(record) in _VALUE_FIELD and next(iter_media(record), None) is not None


def iter_media(record: Any) -> Iterator[Media]:
    """Every media value a record carries: in its values (inside lists, dicts and sequences
    too) or, for ``FileSaved``, its payload, or, for ``ArtifactLogged``, its files."""
    if type(record) is FileSaved:
        if isinstance(record.payload, Media):
            yield record.payload
        return
    if type(record) is ArtifactLogged:
        yield from (v for v in record.entries.values() if isinstance(v, Media))
        return
    field = _VALUE_FIELD.get(type(record))
    if field is not None:
        for value in getattr(record, field).values():
            if type(value) not in _PLAIN:
                yield from _walk(value)


#: record type -> its field holding values ({path: value}, or a nested dict for Finished)
_VALUE_FIELD = {Row: "values", StaleRow: "values", SummaryChanged: "set", Finished: "summary"}


def _walk(value: Any) -> Iterator[Media]:
    t = type(value)
    if isinstance(value, Media):
        yield value
    elif t is MediaSequence:
        yield from value.items
    elif t is list:
        for item in value:
            yield from _walk(item)
    elif t is dict:
        for item in value.values():
            yield from _walk(item)


def _mapping(values: dict, kinds: frozenset[str], backend: str) -> dict:
    out = None
    for key, value in values.items():
        if type(value) in _PLAIN:
            continue
        new = fallback(value, kinds, backend)
        if new is not value:
            if out is None:
                out = dict(values)
            out[key] = new
    return values if out is None else out


def _replace(media: Media, kinds: frozenset[str], backend: str) -> Media:
    """Follow the chain from ``media`` to the first kind in ``kinds`` (``file`` at the end)."""
    first = media.kind
    while media.kind not in kinds and media.kind in NEXT:
        media = _CONVERT[media.kind](media, first)
    _warn_once(backend, first, media.kind)
    return media


def _warn_once(backend: str, kind: str, shown_as: str) -> None:
    with _warned_lock:
        if (backend, kind) in _warned:
            return
        _warned.add((backend, kind))
    name = f"backend {backend!r}" if backend else "this backend"
    warnings.warn(
        f"runlog: {name} does not render {kind} values; they are sent to it as {shown_as} "
        f"values instead", UserWarning, stacklevel=2,
    )


def _plot_to_table(plot: Any, first: str) -> Media:
    return plot.table


def _video_to_image(video: Any, first: str) -> Media:
    """The GIF as an ``image`` (file type gif, still animated); other formats become files."""
    payload = video.payload()
    if payload.ext != "gif":
        return _to_file(video, first)
    import io

    from PIL import Image as PILImage

    from .media.image import Image

    with PILImage.open(io.BytesIO(payload.data)) as im:
        width, height, mode = im.width, im.height, im.mode
    meta = {**payload.meta, "width": width, "height": height, "mode": mode, "file_type": "gif"}
    gif = Payload(payload.data, "gif", "image/gif", meta, payload.sha256)
    fields = {} if video.caption is None else {"caption": video.caption}
    return Image._from_json_fields(fields, gif)


def _to_file(media: Media, first: str) -> Media:
    """The payload as a ``File`` named after the original kind and the extension
    (``audio.wav``, ``table.json``, ``video.gif``)."""
    from .media.file import File

    payload = media.payload()
    ext = payload.ext
    name = ext if ext.startswith(first + ".") else f"{first}.{ext}"
    return File(payload.data, name=name, mime=payload.mime, caption=media.caption)


_CONVERT: dict[str, Callable[[Any, str], Media]] = {
    "plot": _plot_to_table,
    "video": _video_to_image,
    **{kind: _to_file for kind, nxt in NEXT.items() if nxt == "file"},
}
