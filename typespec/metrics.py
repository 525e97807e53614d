"""Metric names as ``define_metric`` takes them, matched against logged keys.

A name is a dotted path (``"a.b"`` is the nested key ``{"a": {"b": ...}}``, ``"a\\.b"`` the flat
key ``"a.b"``) or a glob ``prefix*`` matching every key whose dotted form starts with
``prefix``. Keys starting with ``_`` (``_step``, ``_runtime``, ...) are never matched by a glob,
only by their exact name. An exact name wins over a glob; among globs, the first defined wins.
The run, the summary and every backend match through :class:`MetricMatcher`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from .pathtree import Path

T = TypeVar("T")


def split_metric_name(name: str) -> Path:
    """``"a.b"`` -> ``("a", "b")``; ``"a\\.b"`` -> ``("a.b",)`` (wandb's dotted names)."""
    parts: list[str] = []
    buf: list[str] = []
    escaped = False
    for ch in name:
        if escaped:
            buf.append(ch if ch == "." else "\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ".":
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return tuple(parts)


def is_glob(name: str) -> bool:
    """True for a ``prefix*`` name."""
    return name.endswith("*")


class MetricMatcher(Generic[T]):
    """Values attached to metric names (exact or ``prefix*``), looked up by a key's path.

    Lookups are cached per path; defining a name clears the cache.
    """

    __slots__ = ("_cache", "_exact", "_globs")

    def __init__(self) -> None:
        self._exact: dict[Path, T] = {}
        self._globs: dict[str, T] = {}
        self._cache: dict[Path, T | None] = {}

    def add(self, name: str, value: T) -> None:
        """Attach ``value`` to ``name``; a later value for the same name replaces it."""
        if is_glob(name):
            self._globs[".".join(split_metric_name(name[:-1]))] = value
        else:
            self._exact[split_metric_name(name)] = value
        self._cache.clear()

    def get(self, path: Path) -> T | None:
        """The value of the name matching ``path``, or None."""
        try:
            return self._cache[path]
        except KeyError:
            pass
        exact = self._exact
        if path in exact:
            value = exact[path]
        elif self._globs and not path[0].startswith("_"):
            key = ".".join(path)
            value = next((v for prefix, v in self._globs.items() if key.startswith(prefix)),
                         None)
        else:
            value = None
        self._cache[path] = value
        return value

    def values(self) -> Iterator[T]:
        """Every attached value, exact names first."""
        yield from self._exact.values()
        yield from self._globs.values()

    def __bool__(self) -> bool:
        return bool(self._exact or self._globs)
