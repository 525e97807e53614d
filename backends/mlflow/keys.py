"""MLflow names for runlog keys: valid, collision-free, and mapped back to the original path.

MLflow metric and param keys may hold letters, digits, ``_ - . /`` and spaces (colons too, but
not on Windows), at most 250 characters, and must be a normal POSIX path (no empty, ``.`` or
``..`` segment, no leading or trailing ``/``). Image keys are stricter (ASCII only), and
keys also become artifact paths, so runlog uses the ASCII subset for every key.

A path ``("train", "loss")`` or ``("train/loss",)`` is first written ``train/loss``; anything
outside the rules becomes ``_``; a name already taken by another path gets `` 2``, `` 3``, …
appended. Every name that does not read back as the single key it spells is recorded in
:attr:`KeyRegistry.irregular`, which the backend stores in the run (``runlog/keys.json``), so
every name maps back to exactly one runlog path.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Hashable, Iterable
from typing import Any

Path = tuple[str, ...]

MAX_KEY = 250
_BAD = re.compile(r"[^A-Za-z0-9_\-. /]")


def clean(text: str) -> str:
    """``text`` made into a valid MLflow key (not yet checked for collisions)."""
    text = _BAD.sub("_", text)
    parts = [p if p not in ("", ".", "..") else "_" for p in text.split("/")]
    text = "/".join(p.strip() or "_" for p in parts)
    text = text[:MAX_KEY].rstrip("/ ") or "_"
    if posixpath.normpath(text) != text:  # a cut left a trailing "/." or similar
        text = text.rstrip("./ ") or "_"
    return text


class KeyRegistry:
    """Assigns each (path, suffix) one MLflow key, never the same key to two of them."""

    def __init__(self) -> None:
        self._by_path: dict[Hashable, str] = {}
        self._taken: set[str] = set()
        #: MLflow key -> ``{"path": [...], "suffix": str}`` for every key that is not simply
        #: its own single-segment path
        self.irregular: dict[str, dict[str, Any]] = {}
        self._new = False

    def load(self, irregular: dict[str, dict[str, Any]], existing: Iterable[str]) -> None:
        """Take over the names of a resumed run: its irregular map and every key it has."""
        for key, entry in irregular.items():
            ident = (entry.get("prefix", ""), tuple(entry["path"]), entry.get("suffix", ""))
            self._claim(ident, key)
            self.irregular[key] = entry
        for key in existing:
            if key not in self._taken:
                self._claim(("", (key,), ""), key)

    def key(self, path: Path, suffix: str = "", prefix: str = "") -> str:
        """The MLflow key of ``path``, with ``prefix`` (``"summary/"``) and ``suffix``
        (``"/min"``) around it for keys derived from it."""
        ident = (prefix, path, suffix)
        found = self._by_path.get(ident)
        if found is not None:
            return found
        base = clean(prefix + "/".join(path) + suffix)
        key, n = base, 1
        while key in self._taken:
            n += 1
            tail = f" {n}"
            key = base[: MAX_KEY - len(tail)].rstrip("/ ") + tail
        self._claim(ident, key)
        if prefix or suffix or path != (key,):
            self.irregular[key] = {"path": list(path), "prefix": prefix, "suffix": suffix}
            self._new = True
        return key

    def find(self, path: Path) -> str | None:
        """The key already assigned to ``path``, or None."""
        return self._by_path.get(("", path, ""))

    def take_new(self) -> bool:
        """True once after new irregular keys were assigned (the map needs storing)."""
        new, self._new = self._new, False
        return new

    def path_of(self, key: str) -> Path | None:
        """The runlog path a key stands for (None for a derived key such as ``loss/min``)."""
        entry = self.irregular.get(key)
        if entry is None:
            return (key,)
        if entry.get("suffix") or entry.get("prefix"):
            return None
        return tuple(entry["path"])

    def _claim(self, ident: Hashable, key: str) -> None:
        self._by_path[ident] = key
        self._taken.add(key)
