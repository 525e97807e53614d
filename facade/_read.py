"""``runlog.read``: open a recorded run (files layout) as a read-only view."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from runlog.backends.files import FilesRun, is_run_dir
from runlog.typespec.errors import UsageError

#: the default root of local runs: a hyphenated name, so it can never import as a package
#: (a ``./runlog`` folder next to a script would shadow the installed ``runlog``)
DEFAULT_ROOT = "./runlog-runs"


def default_root() -> Path:
    """Where runs are written by default: ``$RUNLOG_DIR`` or ``./runlog-runs``."""
    return Path(os.environ.get("RUNLOG_DIR") or DEFAULT_ROOT).expanduser()


def resolve_run(ref: str | os.PathLike, root: str | os.PathLike | None = None) -> Path:
    """The run directory ``ref`` names: a path to it, or ``project/id`` or ``id`` under ``root``
    (default :func:`default_root`). Not found or ambiguous is a :class:`UsageError`."""
    if not isinstance(ref, (str, os.PathLike)):
        raise UsageError(f"a run is named by a path or an id (str), got {type(ref).__name__}")
    text = os.fspath(ref)
    if text.startswith(("http://", "https://")):
        raise UsageError(f"cannot read {text!r}: reading a run from a URL is not supported; "
                         "pass the path of a run directory")
    path = Path(text).expanduser()
    if is_run_dir(path):
        return path
    base = Path(root).expanduser() if root is not None else default_root()
    if is_run_dir(base / text):
        return base / text
    matches = sorted(p for p in base.glob(f"*/{text}") if is_run_dir(p)) if "/" not in text else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = ", ".join(f"{p.parent.name}/{p.name}" for p in matches)
        raise UsageError(f"run id {text!r} is in several projects under {base}: {names}; "
                         "name it as project/id")
    raise UsageError(f"no run {text!r}: not a run directory, and no run with that id under "
                     f"{base.absolute()}")


def read(path: str | os.PathLike, root: str | os.PathLike | None = None) -> Any:
    """A read-only view of a recorded run: ``history`` (list), ``iter_history()``,
    ``to_pandas()``, ``summary``, ``config``, ``metadata``, ``status``, ``stale``, ``files``;
    media come back as runlog media values.

    ``path`` is a run directory (``<dir>/<project>/<run id>``), or ``project/id`` or ``id``
    under ``root`` (default ``$RUNLOG_DIR`` or ``./runlog-runs``), or a collector's run
    ``http://host:port/<project>/<id>`` (token from ``$RUNLOG_HTTP__TOKEN``).
    """
    if isinstance(path, str) and path.startswith(("http://", "https://")):
        from runlog.backends.http.reader import HttpRun

        return HttpRun(path)
    return FilesRun(resolve_run(path, root))
