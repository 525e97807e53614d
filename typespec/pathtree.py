"""Leaf-path dicts with wandb's path-tree rule: a leaf replaces a subtree at its path and a
subtree replaces a leaf. Used by the step engine's open row and by the summary."""

from __future__ import annotations

from typing import Any

Path = tuple[str, ...]


def prefixes(path: Path) -> list[Path]:
    """The proper prefixes of a path, shortest first."""
    return [path[:i] for i in range(1, len(path))]


def set_leaf(tree: dict[Path, Any], interior: set[Path], path: Path, value: Any) -> None:
    """Set ``tree[path] = value``, dropping a leaf at a prefix of ``path`` and any leaves under
    ``path``. ``interior`` holds proper prefixes of the tree's paths (it may hold stale ones)."""
    if len(path) > 1:
        for prefix in prefixes(path):
            tree.pop(prefix, None)
            interior.add(prefix)
    if path in interior:
        remove_under(tree, path)
    tree[path] = value


def remove_under(tree: dict[Path, Any], path: Path) -> None:
    """Delete every leaf strictly below ``path``."""
    n = len(path)
    for key in [k for k in tree if len(k) > n and k[:n] == path]:
        del tree[key]


def index(tree: dict[Path, Any]) -> set[Path]:
    """The interior set of a tree built without :func:`set_leaf`."""
    interior: set[Path] = set()
    for path in tree:
        if len(path) > 1:
            interior.update(prefixes(path))
    return interior


def subtree(tree: dict[Path, Any], path: Path) -> dict[Path, Any]:
    """The leaves strictly below ``path``, with ``path`` stripped from their keys."""
    n = len(path)
    return {k[n:]: v for k, v in tree.items() if len(k) > n and k[:n] == path}
