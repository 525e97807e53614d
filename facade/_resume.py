"""Whether a run exists, and where it continues: asked of the selected backends, never read here.

Every selected backend declaring ``Capabilities(resume=True)`` is asked ``existing_run()``, in
this order of trust: the ``files`` backend first (when selected), then the others in selection
order. The first one that has the run provides its next step, summary and config. A backend
that cannot tell (``existing_run`` raises ``BackendError``: its server is down) fails a resume
and is passed over, with a warning, for a new run.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, cast

from runlog.backends import ExistingRun, ResumableBackend, capabilities_of
from runlog.typespec.errors import BackendError, UsageError

logger = logging.getLogger("runlog")

#: the backend trusted first: its record log is the most complete account of a run
FIRST = "files"


def resumable(backends: dict[str, Any]) -> list[tuple[str, ResumableBackend]]:
    """The backends that can resume a run, ``(key, backend)`` in the order of trust."""
    found = [(key, cast(ResumableBackend, b)) for key, b in backends.items()
             if capabilities_of(b).resume]
    return sorted(found, key=lambda item: item[0].partition("@")[0] != FIRST)


def existing_run(
    backends: dict[str, Any], resume: str | None, run_id: str, run_dir: Path
) -> ExistingRun | None:
    """The state to continue from (None: a new run), or a UsageError when ``resume`` refuses.

    ``resume=None`` or ``"never"``: a run any backend reports is refused; ``"must"``: a run no
    backend reports is refused; ``"allow"``/``"must"``: continue the most trusted one's state.
    On an error the caller releases the backends (:func:`release`).
    """
    asked = resumable(backends)
    found = []
    for key, backend in asked:
        try:
            state = backend.existing_run()
        except BackendError as exc:
            # it cannot tell (a server is down): resuming blind could repeat steps, so a resume
            # fails; a new run goes on, since a down server must not stop training
            if resume in ("allow", "must"):
                raise
            logger.warning("runlog: backend %r cannot tell whether run %r exists (%s); it is "
                           "started as a new run", key, run_id, exc)
            continue
        if state is not None:
            found.append((key, state))
    where = f"{', '.join(repr(k) for k, _ in found)} (run directory {run_dir})"
    if found and resume is None:
        raise UsageError(
            f"run {run_id!r} already exists in backend(s) {where}; pass resume='allow' or "
            "resume='must' to continue it, or choose another id"
        )
    if found and resume == "never":
        raise UsageError(f"run {run_id!r} already exists in backend(s) {where} and "
                         "resume='never'")
    if not found and resume == "must":
        which = (f"none of the resumable backends ({', '.join(k for k, _ in asked)}) has it"
                 if asked else "none of the selected backends can resume a run")
        raise UsageError(f"resume='must' but no run {run_id!r} exists: {which} "
                         f"(run directory {run_dir})")
    return found[0][1] if found else None


def release(backends: dict[str, Any]) -> None:
    """Let every resumable backend go of what ``existing_run`` took: the run does not start."""
    for _key, backend in resumable(backends):
        backend.release()
