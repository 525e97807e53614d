"""Html: an HTML document from a string, a path to an .html file or an open file."""

from __future__ import annotations

from typing import Any

from ..errors import DataError
from ..payload import Payload
from ..text import check_text
from ._source import bad_input, check_caption, is_source, read_source
from .base import Media

_SUFFIXES = (".html", ".htm")
_ACCEPTED = "a str of HTML, a path to an .html file, bytes of UTF-8 HTML or an open file"


class Html(Media):
    """HTML: ``Html(data, caption=None)``.

    ``data`` is a string of HTML, a path (a ``str`` ending in .html / .htm, or any
    ``os.PathLike``) read now, UTF-8 bytes, or an open file. The payload is the UTF-8 document
    as given: runlog injects no stylesheet (wandb's ``inject`` is not supported).

    Read accessor: :attr:`html` (the document as ``str``).
    """

    kind = "html"

    def __init__(self, data: Any, caption: str | None = None) -> None:
        self.caption = check_caption("Html", caption)
        if isinstance(data, str) and not _looks_like_path(data):
            content = check_text(data, "Html: data").encode("utf-8")
        elif is_source(data):
            content, _ = read_source(data, "Html")
            try:
                content.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(f"Html: the document is not UTF-8 text: {exc}") from None
        else:
            raise bad_input("Html", "data", data, _ACCEPTED)
        self._set_payload(Payload(content, "html", "text/html", {"file_type": "html"}))

    @property
    def html(self) -> str:
        """The HTML document."""
        return self.payload().data.decode("utf-8")

    def __repr__(self) -> str:
        return f"<runlog.Html {self.payload().size} bytes>"


def _looks_like_path(text: str) -> bool:
    """A one-line str without markup that ends in .html or .htm is a file name."""
    return "<" not in text and "\n" not in text and text.strip().lower().endswith(_SUFFIXES)
