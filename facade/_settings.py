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


@attrs.frozen(kw_only=True)
class Settings:
    """Run settings.

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

    @classmethod
    def resolve(cls, settings: Settings | Mapping[str, Any] | None) -> Settings:
        """Settings from an argument (Settings or dict) over ``RUNLOG_<FIELD>`` variables."""
        if isinstance(settings, Settings):
            return settings
        given = dict(settings or {})
        names = {f.name: f for f in attrs.fields(cls)}
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise UsageError(
                f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}"
            )
        for name, field in names.items():
            raw = os.environ.get(f"RUNLOG_{name.upper()}")
            if name not in given and raw is not None:
                given[name] = _parse(raw, field.default, f"RUNLOG_{name.upper()}")
        return cls(**given)


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
