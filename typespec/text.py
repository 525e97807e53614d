"""Text that every backend can write: a ``str`` must encode as UTF-8.

A lone surrogate (``"\\udcff"``) is a ``str`` that no UTF-8 file, protobuf or HTTP body can
hold; Python makes them from undecodable bytes, e.g. a file name returned by ``os.listdir``
on a non-UTF-8 name. runlog refuses such text where it is passed in, naming where it was.
"""

from __future__ import annotations

from typing import Any

from .errors import DataError, safe_repr

#: what an error about text says is accepted, and how to fix the text
_ACCEPTED = (
    "accepted: text that encodes as UTF-8; replace the bad characters first, e.g. "
    "text.encode('utf-8', 'replace').decode('utf-8')"
)


def is_utf8(text: str) -> bool:
    """True if ``text`` encodes as UTF-8 (holds no lone surrogate)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_text(text: Any, where: str) -> Any:
    """``text`` itself when it is not a ``str`` or encodes as UTF-8; otherwise a DataError
    naming ``where`` (e.g. ``"key 'a' -> 'b'"`` or ``"Html: caption"``)."""
    if type(text) is not str and not isinstance(text, str):
        return text
    if is_utf8(text):
        return text
    raise text_error(text, where)


def text_error(text: str, where: str) -> DataError:
    """The DataError for a ``str`` holding a lone surrogate."""
    index = next(i for i, ch in enumerate(text) if 0xD800 <= ord(ch) <= 0xDFFF)
    return DataError(
        f"{where}: the str {safe_repr(text)} holds the lone surrogate "
        f"U+{ord(text[index]):04X} at index {index}, which is not Unicode text and cannot be "
        "written as UTF-8 (a file name from os.listdir of a non-UTF-8 name makes such "
        f"strings); {_ACCEPTED}"
    )
