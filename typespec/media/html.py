"""Html: an HTML document from a string, a path to an .html file or an open file."""

from __future__ import annotations

import re
from typing import Any

from ..errors import DataError
from ..payload import Payload
from ..text import check_text
from ._source import bad_input, check_caption, is_source, read_source
from .base import Media

_SUFFIXES = (".html", ".htm")
_ACCEPTED = "a str of HTML, a path to an .html file, bytes of UTF-8 HTML or an open file"
#: what ``inject=True`` adds at the start of the head: the payload's charset, and links that
#: open in a new tab (as wandb's injection); no stylesheet, nothing fetched from a network
INJECTED = '<meta charset="utf-8"><base target="_blank">'
_HEAD = re.compile(r"<head(?:\s[^>]*)?>", re.IGNORECASE)
_HTML = re.compile(r"<html(?:\s[^>]*)?>", re.IGNORECASE)
_DOCTYPE = re.compile(r"\s*<!doctype[^>]*>", re.IGNORECASE)


class Html(Media):
    """HTML: ``Html(data, inject=False, data_is_not_path=False, caption=None)``.

    ``data`` is a string of HTML, a path (a ``str`` ending in .html / .htm, or any
    ``os.PathLike``) read now, UTF-8 bytes, or an open file; with ``data_is_not_path=True`` a
    ``str`` is always HTML. The payload is the UTF-8 document as given; ``inject=True`` adds
    :data:`INJECTED` at the start of its ``<head>`` (made if missing). Unlike wandb, runlog
    injects nothing by default and never links wandb's stylesheet.

    Read accessor: :attr:`html` (the document as ``str``).
    """

    kind = "html"

    def __init__(self, data: Any, inject: bool = False, data_is_not_path: bool = False,
                 caption: str | None = None) -> None:
        self.caption = check_caption("Html", caption)
        for name, flag in (("inject", inject), ("data_is_not_path", data_is_not_path)):
            if not isinstance(flag, bool):
                raise bad_input("Html", name, flag, "True or False")
        if isinstance(data, str) and (data_is_not_path or not _looks_like_path(data)):
            content = check_text(data, "Html: data").encode("utf-8")
        elif is_source(data):
            content, _ = read_source(data, "Html")
            try:
                content.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(f"Html: the document is not UTF-8 text: {exc}") from None
        else:
            raise bad_input("Html", "data", data, _ACCEPTED)
        if inject:
            content = inject_head(content.decode("utf-8")).encode("utf-8")
        self._set_payload(Payload(content, "html", "text/html", {"file_type": "html"}))

    @property
    def html(self) -> str:
        """The HTML document."""
        return self.payload().data.decode("utf-8")

    def __repr__(self) -> str:
        return f"<runlog.Html {self.payload().size} bytes>"


def inject_head(html: str) -> str:
    """``html`` with :data:`INJECTED` at the start of its head: after ``<head>``, else in a new
    head after ``<html>``, else in a new head after the doctype or before the document."""
    head = _HEAD.search(html)
    if head:
        return html[:head.end()] + INJECTED + html[head.end():]
    root = _HTML.search(html) or _DOCTYPE.match(html)
    at = root.end() if root else 0
    return html[:at] + "<head>" + INJECTED + "</head>" + html[at:]


def _looks_like_path(text: str) -> bool:
    """A one-line str without markup that ends in .html or .htm is a file name."""
    return "<" not in text and "\n" not in text and text.strip().lower().endswith(_SUFFIXES)
