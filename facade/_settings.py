"""Typed run settings; a plain dict is accepted wherever Settings is, and every field can be set
from the environment as ``RUNLOG_<FIELD>`` (an argument beats the variable)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import attrs
from runlog.typespec.errors import UsageError

STALE_POLICIES = ("warn", "raise", "keep")
QUEUE_POLICIES = ("block", "drop_oldest")
RANK_POLICIES = ("zero", "all")

#: wandb.Settings keys that are init arguments: key -> the ``runlog.init`` argument
WANDB_INIT_KEYS = {
    "mode": "mode", "project": "project", "entity": "entity", "run_name": "name",
    "run_id": "id", "run_notes": "notes", "run_tags": "tags", "run_group": "group",
    "run_job_type": "job_type", "root_dir": "dir", "resume": "resume", "reinit": "reinit",
    "save_code": "save_code", "anonymous": "anonymous", "allow_val_change": "allow_val_change",
    "sync_tensorboard": "sync_tensorboard",
}
#: wandb.Settings keys with a runlog setting: key -> (runlog field, value -> field value); used
#: only when that field exists
WANDB_MAPPED: dict[str, tuple[str, Any]] = {
    "disable_git": ("disable_git", bool),
    "x_disable_stats": ("system_metrics", lambda v: not v),
    "_disable_stats": ("system_metrics", lambda v: not v),
    "x_stats_sampling_interval": ("system_metrics_interval", float),
    "_stats_sample_rate_seconds": ("system_metrics_interval", float),
}
#: wandb.Settings keys accepted with no effect (runlog has no service process, no console
#: capture, no server login); any ``x_``/``_`` key is accepted with no effect as well
WANDB_IGNORED = frozenset({
    "start_method", "console", "console_multipart", "init_timeout", "silent", "quiet",
    "show_info", "show_warnings", "show_errors", "show_emoji", "disable_code",
    "disable_job_creation", "disable_meta", "api_key", "base_url", "host", "program",
    "program_relpath", "program_abspath", "code_dir", "heartbeat_seconds", "ignore_globs",
    "label_disable", "login_timeout", "notebook_name",
    "table_raise_on_max_row_limit_exceeded", "sweep_id", "launch", "api_key_file",
    "http_proxy", "https_proxy", "insecure_disable_ssl", "identity_token_file",
    "credentials_file", "summary_timeout", "max_end_of_run_history_metrics",
    "max_end_of_run_summary_metrics", "fork_from", "resume_from", "run_url", "email",
    "username", "organization", "sweep_param_path", "files_dir", "log_dir", "sync_dir",
})


def _one_of(choices: tuple[str, ...]):
    def check(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
        if value not in choices:
            raise UsageError(
                f"settings.{attribute.name} must be one of {', '.join(map(repr, choices))}, "
                f"got {value!r} ({type(value).__name__})"
            )

    return check


def _positive(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise UsageError(
            f"settings.{attribute.name} must be a number >= 0, got {value!r} "
            f"({type(value).__name__})"
        )


@attrs.frozen(kw_only=True, init=False)
class Settings:
    """Run settings (keyword arguments; wandb.Settings keys are accepted too, see below).

    - ``on_stale_step``: ``"warn"`` (default), ``"raise"`` or ``"keep"`` (see the guide).
    - ``queue_size``: records each backend's queue holds (default 10 000).
    - ``queue_bytes``: estimated bytes each backend's queue holds (default 128 MiB; media
      count as their arrays or bytes): a full queue of either kind applies ``queue_policy``.
    - ``queue_policy``: ``"block"`` (wait up to ``block_timeout`` seconds) or ``"drop_oldest"``.
    - ``batch_size`` / ``batch_delay``: how many records, or how many seconds, a backend's worker
      gathers before a write.
    - ``retries`` / ``retry_backoff``: retries of a failing backend call after its first
      attempt, and the first delay between them (doubling); after that the backend is disabled.
    - ``strict``: backend errors raise :class:`runlog.BackendError` at flush()/finish().
    - ``finish_timeout``: seconds finish() waits for backends to drain and close.
    - ``rank_policy``: ``"zero"`` (only rank 0 logs) or ``"all"`` (a run per rank).
    - ``handle_signals``: install SIGTERM/SIGINT flush handlers (main thread only).
    - ``system_metrics`` / ``system_metrics_interval``: sample CPU, memory, disk, network and
      GPUs every that many seconds (default on, 10 s; False or 0 turns it off).
    - ``disable_git``: leave the git commit, branch, state and remote out of the run.

    wandb.Settings keys are accepted: ``mode``, ``project``, ``run_name``, ``run_id`` … are
    defaults for the matching ``runlog.init`` arguments (an argument beats them); keys such as
    ``start_method`` or ``console`` have no effect in runlog. They are kept in ``wandb_keys``
    and readable as attributes (``Settings(start_method="thread").start_method``).
    """

    on_stale_step: str = attrs.field(default="warn", validator=_one_of(STALE_POLICIES))
    queue_size: int = attrs.field(default=10_000, validator=_positive)
    queue_bytes: int = attrs.field(default=128 << 20, validator=_positive)
    queue_policy: str = attrs.field(default="block", validator=_one_of(QUEUE_POLICIES))
    block_timeout: float = attrs.field(default=30.0, validator=_positive)
    batch_size: int = attrs.field(default=1000, validator=_positive)
    batch_delay: float = attrs.field(default=0.05, validator=_positive)
    retries: int = attrs.field(default=3, validator=_positive)
    retry_backoff: float = attrs.field(default=0.1, validator=_positive)
    strict: bool = False
    finish_timeout: float = attrs.field(default=60.0, validator=_positive)
    rank_policy: str = attrs.field(default="zero", validator=_one_of(RANK_POLICIES))
    handle_signals: bool = True
    system_metrics: bool = True
    system_metrics_interval: float = attrs.field(default=10.0, validator=_positive)
    disable_git: bool = False
    #: the wandb.Settings keys given (key -> value), see the class docstring
    wandb_keys: dict[str, Any] = attrs.field(factory=dict, eq=False)

    def __init__(self, **kwargs: Any) -> None:
        own = {f.name for f in attrs.fields(type(self))} - {"wandb_keys"}
        given = {k: v for k, v in kwargs.items() if k in own}
        wandb_keys = dict(kwargs.pop("wandb_keys", None) or {})  # attrs.evolve passes it
        wandb_keys.update((k, v) for k, v in kwargs.items() if k not in own)
        unknown = sorted(k for k in wandb_keys if not _is_wandb_key(k))
        if unknown:
            raise UsageError(
                f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(own))}, "
                "and wandb.Settings keys (see the user guide)"
            )
        for key, value in wandb_keys.items():
            field, convert = WANDB_MAPPED.get(key, (None, None))
            if field in own and field not in given and value is not None:
                given[field] = convert(value)
        self.__attrs_init__(**given, wandb_keys=wandb_keys)

    def __getattr__(self, name: str) -> Any:
        if name == "wandb_keys":  # not set yet (during __init__ or unpickling)
            raise AttributeError(name)
        keys = self.wandb_keys
        if name in keys:
            return keys[name]
        raise AttributeError(f"'Settings' has no setting {name!r}")

    def init_defaults(self) -> dict[str, Any]:
        """``runlog.init`` argument -> value, from the wandb.Settings keys that name one."""
        return {WANDB_INIT_KEYS[k]: v for k, v in self.wandb_keys.items()
                if k in WANDB_INIT_KEYS and v is not None}

    @classmethod
    def resolve(cls, settings: Settings | Mapping[str, Any] | None) -> Settings:
        """Settings from an argument (Settings or dict) over ``RUNLOG_<FIELD>`` variables."""
        if isinstance(settings, Settings):
            return settings
        if not isinstance(settings, Mapping) and settings is not None:
            settings = _settings_dict(settings)
        given = dict(settings or {})
        names = {f.name: f for f in attrs.fields(cls) if f.name != "wandb_keys"}
        for name, field in names.items():
            raw = os.environ.get(f"RUNLOG_{name.upper()}")
            if name not in given and raw is not None:
                given[name] = _parse(raw, field.default, f"RUNLOG_{name.upper()}")
        return cls(**given)


def _is_wandb_key(key: str) -> bool:
    return (key in WANDB_INIT_KEYS or key in WANDB_MAPPED or key in WANDB_IGNORED
            or key.startswith(("x_", "_")))


def _settings_dict(settings: Any) -> dict[str, Any]:
    """The keys set on a settings object of another library (wandb.Settings is a pydantic
    model: only the fields it was given count)."""
    fields_set = getattr(settings, "model_fields_set", None)
    if fields_set is not None:
        return {k: getattr(settings, k) for k in fields_set}
    if hasattr(settings, "__dict__"):
        return {k: v for k, v in vars(settings).items() if not k.startswith("__")}
    raise UsageError(f"settings must be runlog.Settings, a dict or a wandb.Settings, got "
                     f"{type(settings).__name__}")


def _parse(raw: str, default: Any, where: str) -> Any:
    """Parse an environment string to the type of the field's default."""
    if isinstance(default, bool):
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off", ""):
            return False
        raise UsageError(f"{where}={raw!r}: expected true/false")
    if isinstance(default, (int, float)):
        try:
            return type(default)(raw)
        except ValueError:
            kind = "an integer" if type(default) is int else "a number"
            raise UsageError(f"{where}={raw!r}: expected {kind}") from None
    return raw
