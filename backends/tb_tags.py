"""TensorBoard tags from runlog keys: a reversible, collision-free escaping.

TensorBoard (tensorboardX's ``_clean_tag``) turns every character outside ``[-/\\w.]`` into
``_`` and strips a leading ``/``, so ``"a b"`` and ``"a:b"`` would merge into one series.
:func:`encode` maps a key into that charset injectively and :func:`decode` inverts it:

- word characters other than ``_``, ``-``, ``.`` and ``/`` (except a leading ``/``) stay;
- any other character becomes ``_xHH``, ``_uHHHH`` or ``_UHHHHHHHH`` (its code point in
  lowercase hex): ``"a b"`` -> ``"a_x20b"``, ``"a:b"`` -> ``"a_x3ab"``;
- ``_`` stays ``_`` unless it is last or followed by ``_``, ``x``, ``u``, ``U`` or an ASCII digit
  in the output, where it is written ``__``: ``"train_loss"`` stays, ``"top_5"`` ->
  ``"top__5"``.

A tag is *canonical* when it is the encoding of a key. A single ``_`` before a digit is never
canonical, so runlog's own tags use that shape and can never equal a user's tag: sequence
items are ``<tag>/_<i>``, runlog's bookkeeping lives under ``runlog/_...`` (see
:data:`KEYMAP_TAG`).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w")
_HEX = frozenset("0123456789abcdefABCDEF")
#: after a literal ``_``, these characters force it to be written ``__``
_AMBIGUOUS_NEXT = frozenset("_xuU0123456789")
_ESCAPE_WIDTH = {"x": 2, "u": 4, "U": 8}

#: text: ``{tag: key}`` JSON of the keys first seen at that step
KEYMAP_TAG = "runlog/_keymap"
#: text: the run config as JSON (at start and after each change)
CONFIG_TAG = "runlog/_config"
#: text: the final summary as JSON; numeric leaves also as scalars under ``SUMMARY_TAG + "/"``
SUMMARY_TAG = "runlog/_summary"


def _plain(ch: str, first: bool) -> bool:
    if ch == "_":
        return False
    if ch in "-.":
        return True
    if ch == "/":
        return not first
    return _WORD.match(ch) is not None


def _escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFF:
        return f"_x{code:02x}"
    if code <= 0xFFFF:
        return f"_u{code:04x}"
    return f"_U{code:08x}"


def encode(key: str) -> str:
    """The TensorBoard tag of a flat key (segments joined by ``/``); inverse of :func:`decode`."""
    if all(_plain(ch, i == 0) for i, ch in enumerate(key)):
        return key
    out: list[str] = []
    # right to left: a literal "_" needs to know the first character written after it
    for i in range(len(key) - 1, -1, -1):
        ch = key[i]
        if ch == "_":
            nxt = out[-1][0] if out else ""
            out.append("__" if not nxt or nxt in _AMBIGUOUS_NEXT else "_")
        elif _plain(ch, i == 0):
            out.append(ch)
        else:
            out.append(_escape(ch))
    return "".join(reversed(out))


def decode(tag: str) -> str:
    """The key a tag was encoded from; ``ValueError`` if ``tag`` is not an encoding."""
    out: list[str] = []
    i, n = 0, len(tag)
    while i < n:
        ch = tag[i]
        if ch != "_":
            out.append(ch)
            i += 1
            continue
        nxt = tag[i + 1] if i + 1 < n else ""
        width = _ESCAPE_WIDTH.get(nxt)
        if nxt == "_":
            out.append("_")
            i += 2
        elif width is not None:
            digits = tag[i + 2 : i + 2 + width]
            if len(digits) != width or not _HEX.issuperset(digits):
                raise ValueError(f"bad escape {tag[i:i + 2 + width]!r} at {i} in tag {tag!r}")
            out.append(chr(int(digits, 16)))
            i += 2 + width
        elif nxt:
            out.append("_")
            i += 1
        else:
            raise ValueError(f"tag {tag!r} ends in a single '_', which no key encodes to")
    return "".join(out)


def is_key_tag(tag: str) -> bool:
    """True if ``tag`` is exactly the encoding of some key (runlog's own tags are not)."""
    try:
        return encode(decode(tag)) == tag
    except (ValueError, OverflowError):
        return False


def item_tag(tag: str, index: int) -> str:
    """The tag of item ``index`` of a media sequence logged under ``tag``."""
    return f"{tag}/_{index}"
