"""The facade side of artifacts, alerts and ``log_code``: building their records, and finding
logged artifacts again through the files backend's reader (``runlog.backends.files``)."""

from __future__ import annotations

import datetime
import inspect
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runlog.typespec.artifact import Artifact, check_artifact_name, digest_of
from runlog.typespec.errors import DataError, UsageError, safe_repr
from runlog.typespec.records import Alert, AlertLevel, ArtifactLogged, FileSaved
from runlog.typespec.text import check_text

from ._config_view import config_value

#: folders ``log_code`` never enters by default
_SKIPPED_DIRS = frozenset({"__pycache__", "site-packages", "node_modules"})


class ArtifactVersions:
    """Numbers the artifacts a run logs: the version stored in the project (files layout) for
    a known digest, else the next one, counting the versions this run logged but the files
    backend may not have written yet."""

    def __init__(self, project_dir: Path) -> None:
        self.project_dir = project_dir
        self._logged: dict[str, dict[str, int]] = {}  # name -> digest -> version

    def version_of(self, name: str, digest: str) -> int:
        """The version ``digest`` has or gets among the artifacts called ``name``."""
        from runlog.backends.files import artifact_versions

        known = {**artifact_versions(self.project_dir, name), **self._logged.get(name, {})}
        version = known.get(digest)
        if version is None:
            version = max(known.values(), default=-1) + 1
        self._logged.setdefault(name, {})[digest] = version
        return version


def artifact_record(artifact_or_path: Any, name: str | None, type: str | None,
                    aliases: Any, versions: ArtifactVersions) -> ArtifactLogged:
    """The ``ArtifactLogged`` record of ``run.log_artifact``'s arguments."""
    if isinstance(artifact_or_path, Artifact):
        artifact = artifact_or_path
    elif isinstance(artifact_or_path, (str, os.PathLike)):
        path = os.fspath(artifact_or_path)
        artifact = Artifact(name or os.path.basename(os.path.normpath(path)),
                            type or "unspecified")
        if os.path.isdir(path):
            artifact.add_dir(path)
        else:
            artifact.add_file(path)
    else:
        raise DataError(f"log_artifact: {safe_repr(artifact_or_path)} "
                        f"({artifact_or_path.__class__.__name__}) is not accepted: a "
                        "runlog.Artifact, or the path of a file or directory")
    if not artifact.entries:
        raise UsageError(f"log_artifact: artifact {artifact.name!r} is empty; add files with "
                         "add_file, add_dir, new_file or add_reference first")
    record_name = check_artifact_name(name) if name is not None else artifact.name
    metadata = {str(k): config_value(v, (str(k),)) for k, v in artifact.metadata.items()}
    digest = digest_of(artifact.entries)
    return ArtifactLogged(
        name=record_name, artifact_type=artifact.type, digest=digest,
        entries=dict(artifact.entries),
        timestamp=time.time(), version=versions.version_of(record_name, digest),
        aliases=_aliases(aliases), description=artifact.description, metadata=metadata,
    )


def _aliases(aliases: Any) -> tuple[str, ...]:
    """The aliases as given (a str or a list of str), ``latest`` always among them."""
    given = [aliases] if isinstance(aliases, str) else list(aliases or ())
    for alias in given:
        check_artifact_name(alias, "alias")
        if alias[0] == "v" and alias[1:].isdigit():
            raise DataError(f"log_artifact: alias {alias!r} is a version name; versions are "
                            "numbered by runlog (use another alias, like 'best')")
    return tuple(dict.fromkeys(["latest", *given]))


class UsedArtifact:
    """A logged artifact found by ``use_artifact``: its facts, :meth:`download` and :meth:`file`.

    ``name`` is ``"<name>:v<N>"`` (as in wandb), ``version`` ``"v<N>"``; ``type``, ``aliases``,
    ``metadata``, ``description``, ``digest`` and ``entries`` (entry names) describe it.
    """

    def __init__(self, stored: Any) -> None:
        self._stored = stored
        self.name = f"{stored.name}:v{stored.version}"
        self.version = f"v{stored.version}"
        self.type = stored.type
        self.aliases = list(stored.aliases)
        self.metadata = dict(stored.metadata)
        self.description = stored.description
        self.digest = stored.digest
        self.entries = sorted(stored.entries)

    def download(self, root: str | os.PathLike | None = None) -> str:
        """Write the artifact's files under ``root`` (default ``./artifacts/<name>:v<N>``)
        and return that directory. References are not fetched."""
        stored = self._stored
        target = Path(root if root is not None else
                      os.path.join("artifacts", f"{stored.name}:v{stored.version}"))
        for entry, info in stored.entries.items():
            if "path" not in info:
                continue
            path = target.joinpath(*entry.split("/"))
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(stored.read(entry))
            os.replace(tmp, path)
        return os.fspath(target)

    def file(self, root: str | os.PathLike | None = None) -> str:
        """Download a single-file artifact and return the path of its file."""
        files = [e for e, info in self._stored.entries.items() if "path" in info]
        if len(files) != 1:
            raise UsageError(f"artifact {self.name} has {len(files)} files; file() is for an "
                             "artifact of one file (use download() for the others)")
        return os.path.join(self.download(root), *files[0].split("/"))

    def __repr__(self) -> str:
        return f"<runlog artifact {self.name} type={self.type} aliases={self.aliases}>"


def find_used(project_dir: Path, spec: Any, type: str | None = None) -> UsedArtifact:
    """``use_artifact(spec, type=None)``: the stored artifact ``name[:alias|:v<N>]`` of the
    project; a ``type`` other than the stored one is a :class:`UsageError`."""
    from runlog.backends.files import find_artifact

    if isinstance(spec, str) and "/" in spec:  # "entity/project/name:alias": the project part
        parts = spec.split("/")
        project_dir = project_dir.parent / parts[-2]
        spec = parts[-1]
    used = UsedArtifact(find_artifact(project_dir, spec))
    if type is not None and type != used.type:
        raise UsageError(f"use_artifact: {spec!r} is of type {used.type!r}, not {type!r}")
    return used


def alert_record(title: Any, text: Any, level: Any, wait_duration: Any) -> Alert:
    """The ``Alert`` record of ``run.alert``'s arguments."""
    for arg, value in (("title", title), ("text", text)):
        if not isinstance(value, str):
            raise DataError(f"alert: {arg} must be a str, got {safe_repr(value)} "
                            f"({value.__class__.__name__})")
        check_text(value, f"alert: {arg}")
    try:
        level = AlertLevel(level.value if isinstance(level, AlertLevel) else level)
    except ValueError:
        raise DataError(f"alert: level {safe_repr(level)} ({level.__class__.__name__}) is not "
                        "accepted: AlertLevel.INFO, WARN or ERROR (or those strings)") from None
    if isinstance(wait_duration, datetime.timedelta):
        wait_duration = wait_duration.total_seconds()
    if wait_duration is not None and (isinstance(wait_duration, bool)
                                      or not isinstance(wait_duration, (int, float))):
        raise DataError(f"alert: wait_duration {safe_repr(wait_duration)} "
                        f"({wait_duration.__class__.__name__}) is not accepted: seconds (int "
                        "or float), a datetime.timedelta, or None")
    seconds = None if wait_duration is None else float(wait_duration)
    return Alert(title, text, level.value, time.time(), seconds)


def code_records(root: str | os.PathLike, name: str | None,
                 include_fn: Callable[..., bool] | None,
                 exclude_fn: Callable[..., bool] | None, skip: Path) -> list[FileSaved]:
    """``FileSaved`` records ``<name or "code">/<path>`` of the source files under ``root``:
    ``*.py`` unless ``include_fn(path, root)`` says otherwise, minus ``exclude_fn(path, root)``
    (either may also take just ``path``), hidden folders, ``__pycache__``, ``site-packages``
    and the run directory ``skip``."""
    from runlog.typespec.media.file import File

    base = os.path.abspath(os.fspath(root))
    if not os.path.isdir(base):
        raise UsageError(f"log_code: root {os.fspath(root)!r} is not a directory")
    folder = "code" if name is None else check_artifact_name(name, "name")
    include = _two_args(include_fn) if include_fn else (lambda p, r: p.endswith(".py"))
    exclude = _two_args(exclude_fn) if exclude_fn else (lambda p, r: False)
    skip_dir = os.path.abspath(skip)
    records = []
    for current, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS
                         and os.path.join(current, d) != skip_dir)
        for file in sorted(files):
            path = os.path.join(current, file)
            if os.path.islink(path) or not include(path, base) or exclude(path, base):
                continue
            relative = os.path.relpath(path, base).replace(os.sep, "/")
            check_text(relative, "log_code: a file name (rename the file to UTF-8 text)")
            records.append(FileSaved(f"{folder}/{relative}", File(path, name=file)))
    return sorted(records, key=lambda r: r.name)


def _two_args(fn: Callable[..., bool]) -> Callable[[str, str], bool]:
    """``fn`` called as ``fn(path, root)``, or ``fn(path)`` if it takes one argument."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return fn
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) == 1 and not any(p.kind is p.VAR_POSITIONAL for p in params):
        return lambda path, root: fn(path)
    return fn


# -- the module forms: runlog.log_artifact / use_artifact / alert on the current run ----------
def log_artifact(artifact_or_path: Any, name: str | None = None, type: str | None = None,
                 aliases: Any = None) -> Any:
    """``run.log_artifact`` on the current run."""
    from ._init import require_run

    return require_run("log_artifact").log_artifact(artifact_or_path, name, type, aliases)


def use_artifact(artifact_or_name: str, type: str | None = None) -> UsedArtifact:
    """``run.use_artifact`` on the current run."""
    from ._init import require_run

    return require_run("use_artifact").use_artifact(artifact_or_name, type)


def alert(title: str, text: str, level: Any = AlertLevel.INFO, wait_duration: Any = None
          ) -> None:
    """``run.alert`` on the current run."""
    from ._init import require_run

    require_run("alert").alert(title, text, level, wait_duration)


__all__ = ["AlertLevel", "Artifact", "UsedArtifact", "alert", "log_artifact", "use_artifact"]
