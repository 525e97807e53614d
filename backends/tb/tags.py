"""TensorBoard tags from runlog keys: a reversible, collision-free escaping.

TensorBoard (tensorboardX's ``_clean_tag``) turns every character outside ``[-/\\w.]`` into
``_`` and strips a leading ``/``, so ``"a b"`` and ``"a:b"`` would merge into one series.
:func:`encode` maps a key into that charset injectively and :func:`decode` inverts it:

- word characters other than ``_``, ``-``, ``.`` and ``/`` (except a leading ``/``) stay;
- any other character becomes ``_xHH``, ``_uHHHH`` or ``_UHHHHHHHH`` (its code point in
  lowercase hex): ``"a b"`` -> ``"a_x20b"``, ``"a:b"`` -> ``"a_x3ab"``;
- ``_`` stays ``_`` unless it is last or followed in the output by ``_``, ``/`` or what reads
  as an escape; then it is written ``__``: ``"train_loss"``, ``"top_5"`` and ``"pos_x"`` stay,
  ``"a_/b"`` -> ``"a__/b"``, ``"x_"`` -> ``"x__"``, ``"a_x20"`` -> ``"a__x20"``;
- a key ending in ``/text_summary`` (the suffix tensorboardX gives text tags) has that ``t``
  escaped, so no scalar tag equals a text tag.

A tag is *canonical* (:func:`is_key_tag`) when it is the encoding of a key. A single ``_``
before ``/`` (or at the end) is never canonical, so runlog's own tags use that shape and can never
equal a user's: sequence items are ``<tag>_/<i>``, one PR curve per class
``<tag>_/<class>``, mesh parts ``<tag>_/VERTEX``, and runlog's bookkeeping lives under
``runlog_/``.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w")
#: what follows the ``_`` of an escape
_ESCAPE = re.compile(r"x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}")

_TEXT_SUFFIX = "/text_summary"

#: text: ``{tag: key}`` JSON of the keys first seen at that step
KEYMAP_TAG = "runlog_/keymap"
#: text: the run config as JSON (at start and after each change)
CONFIG_TAG = "runlog_/config"
#: text: the final summary as JSON; its numeric leaves are scalars ``sub_tag(SUMMARY_TAG, tag)``
SUMMARY_TAG = "runlog_/summary"
#: text: where the run comes from (command line, Python, user, host, git) as JSON, at start
PROVENANCE_TAG = "runlog_/provenance"
#: prefix of the system-metrics scalars (``system/cpu.percent``)
SYSTEM_PREFIX = "system/"
#: ``summary_description`` of every system-metrics scalar: how a reader tells them from a
#: user's key that starts with ``system/``
SYSTEM_DESCRIPTION = "runlog system metric"


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
    if all(_plain(ch, i == 0) for i, ch in enumerate(key)) and not key.endswith(_TEXT_SUFFIX):
        return key
    out: list[str] = []
    # right to left: a literal "_" needs to know the first character written after it
    for i in range(len(key) - 1, -1, -1):
        ch = key[i]
        if ch == "_":
            after = "".join(reversed(out[-9:]))
            ambiguous = not after or after[0] in "_/" or _ESCAPE.match(after)
            out.append("__" if ambiguous else "_")
        elif _plain(ch, i == 0):
            out.append(ch)
        else:
            out.append(_escape(ch))
    tag = "".join(reversed(out))
    if tag.endswith(_TEXT_SUFFIX):
        tag = tag[: 1 - len(_TEXT_SUFFIX)] + "_x74" + tag[2 - len(_TEXT_SUFFIX) :]
    return tag


def decode(tag: str) -> str:
    """The key a tag was encoded from; ``ValueError`` if ``tag`` is not an encoding."""
    out: list[str] = []
    i, n = 0, len(tag)
    while i < n:
        ch = tag[i]
        if ch != "_":
            out.append(ch)
            i += 1
        elif tag.startswith("_", i + 1):
            out.append("_")
            i += 2
        elif escape := _ESCAPE.match(tag, i + 1):
            out.append(chr(int(escape.group()[1:], 16)))
            i = escape.end()
        elif i + 1 < n:
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


def sub_tag(tag: str, name: str) -> str:
    """``<tag>_/<name>``: a tag under ``tag`` that no key encodes to.

    Used for item ``i`` of a media sequence (``sub_tag(tag, "3")``), one PR curve per class
    (``sub_tag(tag, encode(label))``), the parts of a mesh and the summary scalars.
    """
    return f"{tag}_/{name}"
