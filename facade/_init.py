"""``runlog.init`` and the module-level current run."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from runlog.typespec.errors import Error, UsageError, warn
from runlog.typespec.text import check_text

from . import _lifecycle, _ranks, _resume
from ._dispatch import Dispatcher
from ._read import DEFAULT_ROOT
from ._registry import convert_hook, installed_backends
from ._run import Run, new_run_id
from ._selection import BackendSpec, select_backends
from ._settings import Settings

logger = logging.getLogger("runlog")

MODES = ("online", "offline", "disabled")
RESUME = ("allow", "must", "never", "auto")
REINIT = ("finish_previous", "create_new", "return_previous")
#: wandb's spellings of a mode, resume or reinit value -> runlog's
MODE_ALIASES = {"dryrun": "offline", "run": "online"}
RESUME_ALIASES = {True: "auto", False: None, "true": "auto", "false": None}
REINIT_ALIASES = {True: "finish_previous", False: "finish_previous", "default": "finish_previous"}
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")  # one directory name, fullmatch
#: backends that take the ``offline`` option: in mode="offline" they spool and send nothing
OFFLINE_OPTION = ("http",)
#: a file in ``<dir>/<project>`` naming the run resume="auto" continues (removed by a clean finish)
AUTO_RESUME = ".auto-resume"

#: the newest run started by init (None when none is active)
current: Run | None = None
#: the settings given to ``runlog.setup()``: those of an ``init`` without ``settings=``
setup_settings: Settings | None = None


def _env(value: Any, variable: str, default: Any = None) -> Any:
    """``value`` if given, else ``RUNLOG_<X>``, else ``WANDB_<X>`` (``variable`` names both
    as ``"RUNLOG_X|WANDB_Y"``), else ``default``."""
    if value is not None:
        return value
    for name in variable.split("|"):
        raw = os.environ.get(name)
        if raw not in (None, ""):
            return raw
    return default


def _choice(value: Any, choices: tuple[str, ...], what: str,
            aliases: dict[Any, Any] | None = None, env: bool = False) -> Any:
    if aliases and isinstance(value, (str, bool)) and value in aliases:
        value = aliases[value]
    if value is not None and value not in choices:
        raise UsageError(
            f"{what} must be one of {', '.join(map(repr, choices))} or None, got {value!r} "
            f"({type(value).__name__})" + (f"; it comes from the argument, a settings key, "
                                             f"RUNLOG_{what.upper()} or WANDB_{what.upper()}"
                                             if env else "")
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
    resume: str | bool | None = None,
    mode: str | None = None,
    reinit: Any = None,
    settings: Any = None,
    entity: str | None = None,
    anonymous: str | None = None,
    save_code: bool | None = None,
    allow_val_change: bool | None = None,
    config_exclude_keys: list[str] | None = None,
    config_include_keys: list[str] | None = None,
    monitor_gym: bool | None = None,
    sync_tensorboard: bool | None = None,
    tensorboard: bool | None = None,
    resume_from: str | None = None,
    fork_from: str | None = None,
) -> Run:
    """Start a run and make it the current one; also usable as a context manager.

    Every argument beats a wandb.Settings key naming it, which beats its ``RUNLOG_*``
    variable, which beats its ``WANDB_*`` variable (see the user guide for the defaults).
    """
    global current
    from ._config_view import config_items

    settings = Settings.resolve(settings if settings is not None else setup_settings)
    given = settings.init_defaults()
    project, name, dir, id, tags, notes = (
        _given(project, "project", given), _given(name, "name", given),
        _given(dir, "dir", given), _given(id, "id", given), _given(tags, "tags", given),
        _given(notes, "notes", given))
    group, job_type, resume, mode, reinit, entity, save_code, allow_val_change = (
        _given(group, "group", given), _given(job_type, "job_type", given),
        _given(resume, "resume", given), _given(mode, "mode", given),
        _given(reinit, "reinit", given), _given(entity, "entity", given),
        _given(save_code, "save_code", given), _given(allow_val_change, "allow_val_change", given))
    sync_tensorboard = _given(sync_tensorboard, "sync_tensorboard", given)
    _refuse_unsupported(resume_from, fork_from)
    mode = _choice(_env(mode, "RUNLOG_MODE|WANDB_MODE", "online"), MODES, "mode",
                   MODE_ALIASES, env=True)
    reinit = _choice(reinit, REINIT, "reinit", REINIT_ALIASES) or "finish_previous"
    previous = current if current is not None and not current.finished else None
    if reinit == "return_previous" and previous is not None:
        return previous
    resume = _choice(_env(resume, "RUNLOG_RESUME|WANDB_RESUME"), RESUME, "resume",
                     RESUME_ALIASES, env=True)
    project = str(_env(project, "RUNLOG_PROJECT|WANDB_PROJECT", "default"))
    _check_dir_name(project, "project")
    root = Path(_env(dir, "RUNLOG_DIR|WANDB_DIR", DEFAULT_ROOT)).expanduser().absolute()
    run_id = _env(id, "RUNLOG_RUN_ID|WANDB_RUN_ID")
    auto_marker = None
    if resume == "auto":
        auto_marker = root / project / AUTO_RESUME
        run_id = run_id or _auto_resume_id(auto_marker)
        resume = "allow"
    run_id = str(run_id or new_run_id())
    mode, run_id, group = _ranks.apply(settings.rank_policy, mode, run_id, group)
    _check_dir_name(run_id, "run id")
    name = str(_env(name, "RUNLOG_RUN_NAME|WANDB_NAME", run_id))
    run_dir = root / project / run_id
    tags = _env(tags, "RUNLOG_TAGS|WANDB_TAGS")
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",") if t.strip()] if tags else ()
    tags = tuple(str(t) for t in (tags or ()))
    notes = _env(notes, "RUNLOG_NOTES|WANDB_NOTES")
    entity = None if entity is None else str(entity)
    for what, text in (("name", name), ("notes", notes), ("group", group), ("entity", entity),
                       ("job_type", job_type), *(("tags", t) for t in tags)):
        check_text(text, f"init: {what}")  # run.json and every backend must be able to hold it
    config_data = _filter_config(config_items(config), config_include_keys, config_exclude_keys)
    tb_writers = None
    if (sync_tensorboard or tensorboard) and mode != "disabled":
        from . import _tb_sync

        tb_writers = _tb_sync.writer_classes()  # none installed: refused before the run starts
    if monitor_gym:
        warn("runlog: monitor_gym=True records nothing: log the environment's frames "
             "yourself with runlog.Video")

    if previous is not None and previous.dir == run_dir:
        if resume not in ("allow", "must"):
            raise UsageError(
                f"run {run_id!r} is the active run; pass resume='allow' or resume='must' to "
                "finish it and continue it, or choose another id"
            )
        if reinit == "finish_previous":
            previous.finish()  # its data must be complete (and its lock free) before it resumes

    disabled = mode == "disabled"
    # factories only validate: an unknown backend or a bad option fails before anything else
    instances = {} if disabled else build_backends(select_backends(backends), run_dir,
                                                   offline=mode == "offline")

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

    if previous is not None and not previous.finished and reinit == "finish_previous":
        previous.finish()  # only now: a failing init leaves the active run alone
    _lifecycle.install(settings)
    run = Run(
        id=run_id, project=project, name=name, dir=run_dir, group=group, job_type=job_type,
        tags=tags, notes=notes, config=config_data, settings=settings, backends=instances,
        dispatcher=None if disabled else Dispatcher(instances, settings, run_dir),
        hook=None if disabled else convert_hook(), disabled=disabled,
        start_step=start_step, resumed=resumed, summary=summary, entity=entity,
        mode=mode, allow_val_change=bool(allow_val_change),
        auto_resume=None if disabled else auto_marker,
    )
    current = run
    if auto_marker is not None and not disabled:
        _write_marker(auto_marker, run_id)
    if save_code and not disabled:
        run.save_main_script()
    if tb_writers:
        from . import _tb_sync

        _tb_sync.install(run, tb_writers)
    return run


def _given(value: Any, arg: str, settings: dict[str, Any]) -> Any:
    return settings.get(arg) if value is None else value


def _refuse_unsupported(resume_from: Any, fork_from: Any) -> None:
    """One clear line for the wandb arguments runlog does not implement."""
    for what, value in (("resume_from", resume_from), ("fork_from", fork_from)):
        if value is not None:
            raise UsageError(f"init: {what}= (rewinding or forking a run) is not supported; "
                             "use resume='allow' to continue a run at its next step")


def _filter_config(config: dict[str, Any], include: Any, exclude: Any) -> dict[str, Any]:
    """The config without ``exclude`` keys, or with only ``include`` keys (not both)."""
    if include is not None and exclude is not None:
        raise UsageError("init: pass config_include_keys or config_exclude_keys, not both")
    for what, keys in (("config_include_keys", include), ("config_exclude_keys", exclude)):
        if keys is not None and (isinstance(keys, str)
                                 or not all(isinstance(k, str) for k in keys)):
            raise UsageError(f"init: {what} must be a list of str, got {keys!r} "
                             f"({type(keys).__name__})")
    if include is not None:
        return {k: v for k, v in config.items() if k in set(include)}
    if exclude is not None:
        return {k: v for k, v in config.items() if k not in set(exclude)}
    return config


def _auto_resume_id(marker: Path) -> str | None:
    """The id of the run resume="auto" continues: the last one in this project that did not
    finish cleanly, or None."""
    try:
        found = marker.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return found if _SAFE_NAME.fullmatch(found) else None


def _write_marker(marker: Path, run_id: str) -> None:
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(run_id, encoding="utf-8")
    except OSError as exc:
        warn(f"runlog: resume='auto' cannot remember run {run_id!r} in {marker}: {exc}")


def _check_dir_name(value: str, what: str) -> None:
    """A project or run id names one directory under ``dir``: nothing else is accepted."""
    if not _SAFE_NAME.fullmatch(value):
        raise UsageError(
            f"{what} {value!r} is not usable as a directory name; use letters, digits, "
            "'_', '-' and '.', starting with a letter or digit (up to 128 characters)"
        )


def build_backends(specs: list[BackendSpec], run_dir: Path, offline: bool = False,
                   ) -> dict[str, Any]:
    """Instantiate the selected backends, keyed by name (or ``name@label``); an unknown name
    lists the installed ones. ``offline``: network backends spool and send nothing (http gets
    its ``offline`` option; an mlflow backend on a tracking server is left out, and the files
    backend records the run for ``runlog sync``)."""
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
        options = dict(spec.options)
        if offline and spec.name in OFFLINE_OPTION:
            options["offline"] = True
        out[spec.key] = factory(options, run_dir)
    if offline:
        _offline_servers(out, specs, run_dir, installed)
    return out


def _offline_servers(out: dict[str, Any], specs: list[BackendSpec], run_dir: Path,
                     installed: Any) -> None:
    """Leave out the backends that write to a tracking server; the files backend keeps the run
    (it is added if not selected) for ``runlog sync``."""
    servers = {key: uri for key, b in out.items()
               if str(uri := getattr(b, "tracking_uri", "")).startswith(("http://", "https://"))}
    if not servers:
        return
    for key in servers:
        out.pop(key)
    if not any(spec.name == "files" for spec in specs):
        factory, _plugin = (installed or installed_backends())["files"]
        out["files"] = factory({}, run_dir)
    targets = " ".join(f"--to mlflow:tracking_uri={_redacted(uri)}" for uri in servers.values())
    logger.warning("runlog: offline: %s not contacted; the run is recorded in %s, send it "
                   "later with `runlog sync %s %s`", ", ".join(servers), run_dir, run_dir, targets)


def _redacted(uri: str) -> str:
    """``uri`` without a password (``user:***@host``), for a message."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def require_run(what: str) -> Run:
    """The current active run, or the error wandb users know."""
    if current is None or current.finished:
        raise Error(f"You must call runlog.init() before runlog.{what}()")
    return current
