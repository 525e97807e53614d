"""Artifacts in the files layout: versioned manifests over the run's content-addressed media.

A run that logs an artifact writes ``artifacts/<name>/v<N>/manifest.json`` in its own
directory; the files are the run's ``media/<sha256>.<ext>``. Versions are numbered per artifact
name across the runs of a project (the folders next to the run): the same digest keeps its
version, a new digest gets the next one (``v0`` first). An alias names the version most
recently logged with it (``latest``: the last logged), ``v<N>`` names version N.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
from runlog.typespec.artifact import check_artifact_name, entry_name
from runlog.typespec.errors import DataError, UsageError
from runlog.typespec.jsonform import Store, value_to_json
from runlog.typespec.records import ArtifactLogged

from .io import atomic_write, ensure_dir
from .media import MediaStore

ARTIFACTS = "artifacts"
MANIFEST = "manifest.json"
MANIFEST_FORMAT = "runlog-artifact"
_VERSION = re.compile(r"v([0-9]{1,9})")


def save_manifest(run_dir: Path, record: ArtifactLogged, store: Store) -> int:
    """Write the manifest of ``record`` in ``run_dir`` (payloads through ``store``); returns
    the version it got among the artifacts of the project."""
    version = artifact_versions(run_dir.parent, record.name).get(record.digest)
    if version is None:
        version = next_version(run_dir.parent, record.name)
    entries = {}
    for name, value in record.entries.items():
        if type(value) is str:
            entries[name] = {"uri": value}
        else:
            payload = value.payload()
            entries[name] = {"path": store(payload), "sha256": payload.sha256,
                             "size": payload.size, "mime": payload.mime}
    manifest = {
        "format": MANIFEST_FORMAT, "name": record.name, "type": record.artifact_type,
        "version": version, "digest": record.digest, "aliases": list(record.aliases),
        "description": record.description, "metadata": value_to_json(record.metadata),
        "timestamp": record.timestamp, "run_id": run_dir.name, "entries": entries,
    }
    folder = ensure_dir(run_dir, f"{ARTIFACTS}/{check_artifact_name(record.name)}/v{version}")
    text = json.dumps(manifest, indent=2, ensure_ascii=False, allow_nan=True)
    atomic_write(folder / MANIFEST, text.encode("utf-8"))
    return version


@attrs.frozen
class StoredArtifact:
    """One logged version of an artifact, as a run directory holds it (read-only).

    ``entries``: entry name -> ``{"path", "sha256", "size", "mime"}`` for a file or
    ``{"uri"}`` for a reference; :meth:`read` gives a file's bytes (checked against its sha256).
    """

    name: str
    type: str
    version: int
    digest: str
    aliases: tuple[str, ...]
    description: str | None
    metadata: dict[str, Any]
    timestamp: float
    run_dir: Path
    entries: dict[str, dict[str, Any]]

    def read(self, name: str) -> bytes:
        """The bytes of the file entry ``name``."""
        entry = self.entries.get(name)
        if entry is None or "path" not in entry:
            raise UsageError(f"artifact {self.name}:v{self.version} has no file entry {name!r}"
                             f" (its entries: {sorted(self.entries)[:10]})")
        return MediaStore(self.run_dir).load(entry["path"], entry)


def iter_manifests(project_dir: Path, name: str) -> Iterator[StoredArtifact]:
    """Every stored version of artifact ``name`` in the runs of ``project_dir`` (unordered)."""
    check_artifact_name(name)
    if not project_dir.is_dir():
        return
    for path in project_dir.glob(f"*/{ARTIFACTS}/{name}/v*/{MANIFEST}"):
        # read only from inside the project: no symbolic link on the way down
        if not _VERSION.fullmatch(path.parent.name) or any(
                p.is_symlink() for p in (path, *path.parents[:4])):
            continue
        yield _read_manifest(path)


def artifact_versions(project_dir: Path, name: str) -> dict[str, int]:
    """digest -> version of every stored version of artifact ``name`` in the project."""
    return {a.digest: a.version for a in iter_manifests(project_dir, name)}


def next_version(project_dir: Path, name: str) -> int:
    """The version a new digest of artifact ``name`` gets in the project."""
    return max(artifact_versions(project_dir, name).values(), default=-1) + 1


def find_artifact(project_dir: Path, spec: str) -> StoredArtifact:
    """The artifact ``"name"`` (its latest), ``"name:alias"`` or ``"name:v<N>"`` among the runs
    of ``project_dir``; a UsageError names what exists when nothing matches."""
    if type(spec) is not str:
        raise UsageError(f"use_artifact: expected 'name', 'name:alias' or 'name:v<N>', got "
                         f"{spec!r} ({type(spec).__name__})")
    name, _, alias = spec.partition(":")
    alias = alias or "latest"
    stored = list(iter_manifests(project_dir, name))
    if not stored:
        raise UsageError(f"use_artifact: no artifact named {name!r} was logged in project "
                         f"{project_dir.name!r} (under {project_dir})")
    match = _VERSION.fullmatch(alias)
    if match is not None:
        found = [a for a in stored if a.version == int(match.group(1))]
    else:
        found = [a for a in stored if alias in a.aliases]
    if not found:
        known = sorted({f"v{a.version}" for a in stored} | {x for a in stored for x in a.aliases})
        raise UsageError(f"use_artifact: artifact {name!r} has no version or alias {alias!r}; "
                         f"it has: {', '.join(known)}")
    return max(found, key=lambda a: (a.timestamp, a.version))


def _read_manifest(path: Path) -> StoredArtifact:
    try:
        obj = json.loads(path.read_bytes())
        entries = obj["entries"]
        for name in entries:
            entry_name(name)
        return StoredArtifact(
            name=obj["name"], type=obj["type"], version=int(obj["version"]),
            digest=obj["digest"], aliases=tuple(obj["aliases"]),
            description=obj.get("description"), metadata=obj.get("metadata") or {},
            timestamp=float(obj["timestamp"]), run_dir=path.parents[3], entries=entries,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{path} is not a valid artifact manifest "
                        f"({type(exc).__name__}: {exc})") from None
