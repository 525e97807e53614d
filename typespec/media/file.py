"""File: an opaque payload with a name and a MIME type; every backend accepts it."""

from __future__ import annotations

import mimetypes
import os
from typing import Any

from ..errors import safe_repr
from ..payload import EXT, Payload
from ..text import check_text
from ._source import bad_input, check_caption, is_source, read_source
from .base import Media

_ACCEPTED = "bytes, a path (str or os.PathLike) or an open file"
_DEFAULT_MIME = "application/octet-stream"
_ENCODING_MIME = {"gzip": "application/gzip", "bzip2": "application/x-bzip2",
                  "xz": "application/x-xz", "br": "application/x-brotli",
                  "compress": "application/x-compress"}


class File(Media):
    """Opaque bytes with a file name and a MIME type: ``File(b"...", name="notes.txt")``.

    ``data`` is bytes (copied), a path (read now; ``name`` defaults to its base name) or an
    open file (read now). The MIME type is ``mime``, else guessed from ``name``, else
    ``application/octet-stream``. Other media kinds fall back to a ``File`` for backends that do
    not render them.
    """

    kind = "file"

    def __init__(
        self,
        data: bytes | str | os.PathLike | Any,
        name: str | None = None,
        mime: str | None = None,
        caption: str | None = None,
    ) -> None:
        if not is_source(data):
            raise bad_input("File", "data", data, _ACCEPTED)
        if name is not None and (not isinstance(name, str) or not name):
            raise bad_input("File", "name", name, "a non-empty str or None")
        if name is not None and "\0" in name:
            raise bad_input("File", "name", name, "a file name without NUL characters",
                            f"{safe_repr(name)} holds one")
        check_text(name, "File: name")
        if mime is not None and (not isinstance(mime, str) or "/" not in mime):
            raise bad_input("File", "mime", mime, 'a MIME type such as "text/plain", or None')
        content, source_name = read_source(data, "File")
        if name is None:
            name = os.path.basename(source_name) if source_name else "file"
            check_text(name, "File: the file name (pass name= to choose another)")
        self.name: str = name
        self.caption = check_caption("File", caption)
        mime = mime or guess_mime(name)
        meta = {"name": name, "file_type": "file"}
        self._set_payload(Payload(content, file_ext(name), mime, meta))

    @property
    def data(self) -> bytes:
        """The file's bytes."""
        return self.payload().data

    @property
    def mime(self) -> str:
        """The MIME type."""
        return self.payload().mime

    def _json_fields(self) -> dict[str, Any]:
        return {**super()._json_fields(), "name": self.name}

    @classmethod
    def _from_json_fields(cls, fields: dict[str, Any], payload: Payload) -> File:
        obj = super()._from_json_fields(fields, payload)
        assert isinstance(obj, File)
        obj.name = fields["name"]
        return obj

    def __repr__(self) -> str:
        return f"<runlog.File {self.name!r} {self.payload().size} bytes>"


def guess_mime(name: str) -> str:
    """The MIME type of a file name; a compressed file (``x.tar.gz``) is its compression's."""
    mime, encoding = mimetypes.guess_type(name, strict=False)
    if encoding is not None:
        return _ENCODING_MIME.get(encoding, _DEFAULT_MIME)
    return mime or _DEFAULT_MIME


def file_ext(name: str) -> str:
    """The extension of a file name without the dot, lowercase; ``"bin"`` when it has none or
    one that is no usable extension (too long, or with characters such as spaces): the name
    itself is kept, so nothing is lost."""
    ext = os.path.splitext(name)[1].lstrip(".").lower()
    return ext if EXT.fullmatch(ext) else "bin"
