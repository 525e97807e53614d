"""``Artifact``: a named, typed bundle of files (and references) that a run logs as one version.

Files are read when they are added, so the artifact holds exactly the bytes it had then; a
reference is a URI that is recorded, never fetched. The digest is the sha256 of the sorted
``name -> content`` list, so the same files under the same names always give the same digest.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath
from typing import IO, Any

from .errors import DataError, UsageError, safe_repr
from .media.file import File
from .text import check_text

#: artifact names and types: what a directory name can hold everywhere
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
#: wandb's ``add_file`` policies (copy now / the file will not change): runlog reads it now for both
_POLICIES = ("mutable", "immutable")


def check_artifact_name(name: Any, what: str = "name") -> str:
    """``name`` if it is a usable artifact name or type, else a DataError saying what is."""
    if type(name) is not str or not _NAME.fullmatch(name):
        raise DataError(f"Artifact: {what} {safe_repr(name)} ({type(name).__name__}) is not "
                        "accepted: expected 1-128 ASCII letters, digits, '_', '.' or '-', not "
                        "starting with '.' or '-' (like 'model' or 'mnist-v2')")
    return name


def entry_name(name: Any) -> str:
    """A relative POSIX path for an entry; anything that could leave the artifact is an error."""
    if type(name) is not str or not name:
        raise DataError(f"Artifact: entry name must be a non-empty str, got {safe_repr(name)} "
                        f"({type(name).__name__})")
    check_text(name, "Artifact: an entry name")
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or not parts or any(p in (".", "..") for p in parts):
        raise DataError(f"Artifact: entry name {name!r} must be a relative path without '.' or "
                        "'..' segments (like 'model.pt' or 'weights/layer1.bin')")
    return "/".join(parts)


def digest_of(entries: dict[str, Any]) -> str:
    """The sha256 of the sorted entries: a file counts by its content's sha256, a reference
    by its URI."""
    h = hashlib.sha256()
    for name in sorted(entries):
        value = entries[name]
        content = value if type(value) is str else value.payload().sha256
        kind = "ref" if type(value) is str else "file"
        h.update(f"{name}\0{kind}\0{content}\n".encode())
    return h.hexdigest()


class Artifact:
    """A named, typed bundle of files to log with ``run.log_artifact``.

    ``Artifact("model", type="model", metadata={"epochs": 3})``, then :meth:`add_file`,
    :meth:`add_dir`, :meth:`new_file` or :meth:`add_reference`. Each logged content gets a
    version (``v0``, ``v1``, ...); ``run.use_artifact("model:latest")`` finds it again.
    """

    def __init__(self, name: str, type: str, description: str | None = None,
                 metadata: dict[str, Any] | None = None) -> None:
        self.name = check_artifact_name(name)
        self.type = check_artifact_name(type, "type")
        if description is not None and not isinstance(description, str):
            raise DataError(f"Artifact: description must be a str or None, got "
                            f"{safe_repr(description)} ({description.__class__.__name__})")
        self.description = description
        if metadata is not None and not isinstance(metadata, dict):
            raise DataError(f"Artifact: metadata must be a dict or None, got "
                            f"{safe_repr(metadata)} ({metadata.__class__.__name__})")
        self.metadata: dict[str, Any] = dict(metadata or {})
        #: entry name -> ``File`` (bytes read when added) or a reference URI (str)
        self.entries: dict[str, Any] = {}

    def add_file(self, local_path: str | os.PathLike, name: str | None = None,
                 policy: str = "mutable") -> str:
        """Add one file (read now) as ``name`` (default: its base name); returns the name.

        ``policy`` is wandb's ``"mutable"`` or ``"immutable"``: both read the file now, so
        later changes to it are never in the artifact."""
        if policy not in _POLICIES:
            raise UsageError(f"Artifact.add_file: policy {safe_repr(policy)} "
                             f"({type(policy).__name__}) is not accepted: 'mutable' or "
                             "'immutable'")
        path = os.fspath(local_path)
        if not os.path.isfile(path):
            raise UsageError(f"Artifact.add_file: {path!r} is not a file")
        return self._add(name or os.path.basename(path), File(path))

    def add_dir(self, local_path: str | os.PathLike, name: str | None = None) -> list[str]:
        """Add every file under a directory (read now), named by their path relative to it,
        under the folder ``name`` if given; returns the names. Symbolic links are not followed.
        """
        root = os.fspath(local_path)
        if not os.path.isdir(root):
            raise UsageError(f"Artifact.add_dir: {root!r} is not a directory")
        added = []
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            for file in sorted(files):
                path = os.path.join(folder, file)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                relative = os.path.relpath(path, root).replace(os.sep, "/")
                added.append(self._add(f"{name}/{relative}" if name else relative, File(path)))
        return added

    @contextmanager
    def new_file(self, name: str, mode: str = "w", encoding: str | None = None
                 ) -> Iterator[IO[Any]]:
        """A file to write into the artifact: ``with art.new_file("notes.txt") as f:``.

        ``mode`` is ``"w"`` (text, UTF-8 unless ``encoding``) or ``"wb"``; the entry is added
        when the block ends without an exception."""
        if mode not in ("w", "wb"):
            raise UsageError(f"Artifact.new_file: mode {mode!r} is not accepted: 'w' or 'wb'")
        entry_name(name)
        buffer = io.BytesIO()
        stream: IO[Any] = buffer if mode == "wb" else io.TextIOWrapper(
            buffer, encoding=encoding or "utf-8", newline="")
        yield stream
        stream.flush()
        self._add(name, File(buffer.getvalue(), name=os.path.basename(name)))

    def add_reference(self, uri: str, name: str | None = None) -> str:
        """Record a URI (``s3://...``, ``https://...``, ``file:///...``) as an entry; it is
        never fetched. ``name`` defaults to the last part of the URI."""
        if type(uri) is not str or "://" not in uri:
            raise DataError(f"Artifact.add_reference: uri {safe_repr(uri)} "
                            f"({type(uri).__name__}) is not accepted: a URI like "
                            "'s3://bucket/key' or 'https://host/file'")
        check_text(uri, "Artifact.add_reference: uri")
        default = uri.rstrip("/").rsplit("/", 1)[-1]
        return self._add(name or default, uri)

    @property
    def digest(self) -> str:
        """The sha256 of the current entries (same files under the same names: same digest)."""
        return digest_of(self.entries)

    def _add(self, name: str, value: Any) -> str:
        name = entry_name(name)
        if name in self.entries:
            raise UsageError(f"Artifact {self.name!r}: an entry named {name!r} was already "
                             "added; pass name= to add it under another name")
        self.entries[name] = value
        return name

    def __repr__(self) -> str:
        return f"<runlog.Artifact {self.name} type={self.type} entries={len(self.entries)}>"
