"""Where a run comes from: command line, interpreter, user and git checkout (``RunStarted``)."""

from __future__ import annotations

import os
import platform
import sys
from typing import Any
from urllib.parse import urlsplit, urlunsplit

#: seconds each ``git`` call may take before the git fields are left out
GIT_TIMEOUT = 2.0


def provenance(disable_git: bool = False) -> dict[str, Any]:
    """``RunStarted`` fields of this process: ``command``, ``python``, ``executable``,
    ``user`` and ``git`` (None with ``disable_git``, outside a repository, or without git)."""
    return {
        "command": tuple(str(arg) for arg in sys.argv),
        "python": platform.python_version(),
        "executable": sys.executable or "",
        "user": _user(),
        "git": None if disable_git else git_state(os.getcwd()),
    }


def git_state(cwd: str) -> dict[str, Any] | None:
    """``{"commit", "branch", "dirty", "remote"}`` of the checkout holding ``cwd``, or None.

    ``branch`` is None on a detached HEAD, ``remote`` is the URL of ``origin`` (credentials
    removed) or None; a ``git`` that is missing, slow or failing leaves everything out.
    """
    head = _git(cwd, "rev-parse", "HEAD", "--abbrev-ref", "HEAD")
    if head is None or len(head.split()) != 2:
        return None
    commit, branch = head.split()
    status = _git(cwd, "status", "--porcelain", "--untracked-files=no")
    remote = _git(cwd, "config", "--get", "remote.origin.url")
    return {
        "commit": commit,
        "branch": None if branch == "HEAD" else branch,
        "dirty": None if status is None else bool(status),
        "remote": strip_credentials(remote) if remote else None,
    }


def strip_credentials(url: str) -> str:
    """``url`` without a user name or password (``https://tok@host/x`` -> ``https://host/x``);
    scp-like remotes (``git@host:x``) name an account, not a secret, and stay."""
    parts = urlsplit(url)
    if not parts.scheme or "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=host))


def _git(cwd: str, *args: str) -> str | None:
    import subprocess  # on first use: a cost at `import runlog`

    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT,
            stdin=subprocess.DEVNULL, check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a container's unnamed uid): left empty
        return ""
