"""``runlog.init`` and the module-level current run."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from runlog.typespec.errors import Error, UsageError

from . import _lifecycle, _ranks, _resume
from ._dispatch import Dispatcher
from ._registry import convert_hook, installed_backends
from ._run import Run, new_run_id
from ._selection import BackendSpec, select_backends
from ._settings import Settings

MODES = ("online", "offline", "disabled")
RESUME = ("allow", "must", "never")
REINIT = ("finish_previous", "create_new")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")

#: the newest run started by init (None when none is active)
current: Run | None = None


def _env(value: Any, variable: str, default: Any = None) -> Any:
    if value is not None:
        return value
    raw = os.environ.get(variable)
    return raw if raw not in (None, "") else default


def _choice(value: Any, choices: tuple[str, ...], what: str) -> Any:
    if value is not None and value not in choices:
        raise UsageError(
            f"{what} must be one of {', '.join(map(repr, choices))} or None, got {value!r}"
        )
    return value


def init(
    project: str | None = None,
    name: str | None = None,
    config: Any = None,
    backends: Any = None,
    dir: str | os.PathLike | None = None,
    id: str | None = None,
    tags: Any = None,
    notes: str | None = None,
    group: str | None = None,
    job_type: str | None = None,
    resume: str | None = None,
    mode: str | None = None,
    reinit: Any = None,
    settings: Any = None,
) -> Run:
    """Start a run and make it the current one; also usable as a context manager.

    Every argument beats its ``RUNLOG_*`` variable (see the user guide for the defaults).
    """
    global current
    from ._config_view import config_items

    settings = Settings.resolve(settings)
    mode = _choice(_env(mode, "RUNLOG_MODE", "online"), MODES, "mode")
    if reinit is True:
        reinit = "finish_previous"
    reinit = _choice(reinit or "finish_previous", REINIT, "reinit")
    resume = _choice(_env(resume, "RUNLOG_RESUME"), RESUME, "resume")
    project = str(_env(project, "RUNLOG_PROJECT", "default"))
    run_id = str(_env(id, "RUNLOG_RUN_ID") or new_run_id())
    mode, run_id, group = _ranks.apply(settings.rank_policy, mode, run_id, group)
    if not _SAFE_ID.match(run_id):
        raise UsageError(
            f"run id {run_id!r} is not usable as a directory name; use letters, digits, "
            "'_', '-' and '.' (up to 128 characters)"
        )
    name = str(_env(name, "RUNLOG_RUN_NAME", run_id))
    root = Path(_env(dir, "RUNLOG_DIR", "./runlog")).expanduser().absolute()
    run_dir = root / project / run_id
    if isinstance(tags, str):
        tags = (tags,)
    tags = tuple(str(t) for t in (tags or ()))
    config_data = config_items(config)

    disabled = mode == "disabled"
    # factories only validate: an unknown backend or a bad option fails before anything else
    instances = {} if disabled else build_backends(select_backends(backends), run_dir)
    if current is not None and not current.finished and reinit == "finish_previous":
        current.finish()

    existing = None
    if not disabled:
        try:
            existing = _resume.existing_run(instances, resume, run_id, run_dir)
        except BaseException:
            _resume.release(instances)
            raise
    resumed = existing is not None  # resume is "allow" or "must" (anything else was refused)
    start_step, summary = (existing.next_step, existing.summary) if resumed else (0, None)
    if resumed:
        config_data = {**existing.config, **config_data}

    _lifecycle.install(settings)
    run = Run(
        id=run_id, project=project, name=name, dir=run_dir, group=group, job_type=job_type,
        tags=tags, notes=notes, config=config_data, settings=settings, backends=instances,
        dispatcher=None if disabled else Dispatcher(instances, settings, run_dir),
        hook=None if disabled else convert_hook(), disabled=disabled,
        start_step=start_step, resumed=resumed, summary=summary,
    )
    current = run
    return run


def build_backends(specs: list[BackendSpec], run_dir: Path) -> dict[str, Any]:
    """Instantiate the selected backends, keyed by name (or ``name@label``); an unknown name
    lists the installed ones."""
    out: dict[str, Any] = {}
    installed = None
    for spec in specs:
        if spec.key in out:
            raise UsageError(f"backend {spec.key!r} is selected twice; select it again under a "
                             f"label, e.g. '{spec.name}@second'")
        if spec.instance is not None:
            out[spec.key] = spec.instance
            continue
        if installed is None:
            installed = installed_backends()
        if spec.name not in installed:
            raise UsageError(
                f"unknown backend {spec.name!r}; installed backends: "
                f"{', '.join(sorted(installed)) or '(none)'}"
            )
        factory, _plugin = installed[spec.name]
        out[spec.key] = factory(dict(spec.options), run_dir)
    return out


def require_run(what: str) -> Run:
    """The current active run, or the error wandb users know."""
    if current is None or current.finished:
        raise Error(f"You must call runlog.init() before runlog.{what}()")
    return current
