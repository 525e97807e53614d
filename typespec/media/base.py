"""The base of every media value: kind, caption, lazily encoded payload, JSON fields."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from ..errors import DataError
from ..payload import LazyPayload, Payload

#: Every media kind, by the names backends declare in ``Backend.kinds``.
KINDS = frozenset(
    {"image", "video", "audio", "histogram", "table", "object3d", "html", "plot", "file"}
)

#: kind -> class, filled by ``Media.__init_subclass__``; used to read the JSON form back.
MEDIA_TYPES: dict[str, type[Media]] = {}


class Media:
    """Base class of runlog media values (Image, Video, Audio, Histogram, Table, ...).

    A subclass validates and snapshots its input in ``__init__`` and passes an encoder to
    :meth:`_set_encoder`; the encoder runs once, lazily, on whichever thread first asks for
    :meth:`payload`. ``_json_fields`` / ``_from_json_fields`` give the kind-specific JSON form.
    """

    kind: ClassVar[str] = ""
    caption: str | None = None
    _lazy: LazyPayload

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            MEDIA_TYPES[cls.kind] = cls

    # -- payload -------------------------------------------------------------------------
    def _set_encoder(self, encode: Callable[[], Payload]) -> None:
        self._lazy = LazyPayload(encode)

    def _set_payload(self, payload: Payload) -> None:
        self._lazy = LazyPayload.ready(payload)

    def payload(self) -> Payload:
        """The encoded bytes (sha256, extension, MIME type, metadata), encoded once."""
        return self._lazy.get()

    @property
    def encoded(self) -> bool:
        """True once the payload has been encoded."""
        return self._lazy.done

    def held_bytes(self) -> int:
        """Roughly the memory this value holds until it is encoded (then: its payload size)."""
        return self._lazy.held_bytes()

    def _snapshot(self) -> Media:
        """The value as logged now; mutable media (Table) return an immutable copy."""
        return self

    @classmethod
    def _check_sequence(cls, items: Sequence[Media]) -> None:
        """Called when ``items`` (all of this kind) become a MediaSequence; may warn."""

    # -- JSON form -----------------------------------------------------------------------
    def _json_fields(self) -> dict[str, Any]:
        """Kind-specific JSON-safe fields, without the payload bytes."""
        return {} if self.caption is None else {"caption": self.caption}

    @classmethod
    def _from_json_fields(cls, fields: dict[str, Any], payload: Payload) -> Media:
        """Rebuild a value from its JSON fields and its payload."""
        obj = cls.__new__(cls)
        obj.caption = fields.get("caption")
        obj._set_payload(payload)
        return obj

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Media)
        return (
            self._json_fields() == other._json_fields()
            and self.payload().sha256 == other.payload().sha256
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.payload().sha256))

    def __repr__(self) -> str:
        cap = f" caption={self.caption!r}" if self.caption else ""
        return f"<runlog.{type(self).__name__}{cap}>"


class MediaSequence:
    """Several media values of one kind logged under one key (e.g. a list of images)."""

    __slots__ = ("items", "kind")

    def __init__(self, items: Sequence[Media]) -> None:
        items = tuple(m._snapshot() for m in items)
        if not items:
            raise DataError("a media sequence needs at least one item")
        kinds = {m.kind for m in items}
        if len(kinds) != 1:
            raise DataError(
                f"a list of media must hold one kind, got {sorted(kinds)}; "
                "log different kinds under different keys"
            )
        type(items[0])._check_sequence(items)
        self.items: tuple[Media, ...] = items
        self.kind: str = items[0].kind

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __getitem__(self, i: int) -> Media:
        return self.items[i]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MediaSequence):
            return NotImplemented
        return self.items == other.items

    def __hash__(self) -> int:
        return hash(self.items)

    def __repr__(self) -> str:
        return f"<runlog.MediaSequence {self.kind} x{len(self.items)}>"
