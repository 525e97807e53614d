"""IR records: small frozen classes the facade emits and every backend receives, in log order.

A leaf path is a tuple of key segments, so ``{"a/b": 1}`` is ``("a/b",)`` and
``{"a": {"b": 1}}`` is ``("a", "b")``. Values are IR values (see ``runlog.typespec.values``).
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

Path = tuple[str, ...]


@attrs.frozen(slots=True)
class RunStarted:
    """A run began (or was resumed): who it is, its config and where it continues."""

    id: str
    project: str
    name: str
    start_time: float
    group: str | None = None
    job_type: str | None = None
    tags: tuple[str, ...] = ()
    notes: str | None = None
    config: dict[str, Any] = attrs.field(factory=dict)
    host: str = ""
    version: str = ""
    resumed: bool = False
    resumed_step: int | None = None
    backends: tuple[str, ...] = ()
    #: where an imported run came from (``{"tool": "tensorboard", ...}``); None if logged live
    origin: dict[str, Any] | None = None
    #: provenance: the command line (``sys.argv``), the Python version and executable, the
    #: user, and ``{"commit", "branch", "dirty", "remote"}`` of the git checkout (None outside
    #: one, or with ``disable_git``); empty for runs recorded before these fields existed
    command: tuple[str, ...] = ()
    python: str = ""
    executable: str = ""
    user: str = ""
    git: dict[str, Any] | None = None


@attrs.frozen(slots=True)
class ConfigChanged:
    """Config keys set or changed (top-level key -> JSON-safe value)."""

    values: dict[str, Any]


@attrs.frozen(slots=True)
class MetricDefined:
    """The arguments of one ``define_metric`` call."""

    name: str
    step_metric: str | None = None
    step_sync: bool | None = None
    summary: tuple[str, ...] = ()
    goal: str | None = None
    hidden: bool | None = None


@attrs.frozen(slots=True)
class Row:
    """One committed history row: ``_step``, ``_timestamp``, ``_runtime`` and its leaves."""

    step: int
    timestamp: float
    runtime: float
    values: dict[Path, Any]


_new = object.__new__
_set_step, _set_ts = Row.step.__set__, Row.timestamp.__set__  # type: ignore[attr-defined]
_set_rt, _set_values = Row.runtime.__set__, Row.values.__set__  # type: ignore[attr-defined]


def new_row(step: int, timestamp: float, runtime: float, values: dict[Path, Any]) -> Row:
    """``Row(step, timestamp, runtime, values)`` at half the cost, for the logging hot path.

    Row has no validators or converters, so filling its slots directly builds the same frozen
    object that ``Row(...)`` does.
    """
    row = _new(Row)
    _set_step(row, step)
    _set_ts(row, timestamp)
    _set_rt(row, runtime)
    _set_values(row, values)
    return row


@attrs.frozen(slots=True)
class StaleRow:
    """Data rejected by the stale-step rule, kept so that nothing is lost from disk."""

    step: int
    current_step: int
    timestamp: float
    values: dict[Path, Any]
    policy: str


@attrs.frozen(slots=True)
class SystemSample:
    """One sample of the system-metrics sampler: Unix ``timestamp``, seconds since the run
    started (``runtime``) and ``{name: number}`` (``"cpu.percent"``, ``"gpu.0.temp_c"``, ...),
    a stream of its own, never part of the history rows; backends show it under ``system/``."""

    timestamp: float
    runtime: float
    values: dict[str, float]


@attrs.frozen(slots=True)
class SummaryChanged:
    """Explicit summary changes: leaves set (a dict value is one leaf) and paths removed."""

    set: dict[Path, Any] = attrs.field(factory=dict)
    removed: tuple[Path, ...] = ()


@attrs.frozen(slots=True)
class FileSaved:
    """A file attached to the run by ``run.save``; ``payload`` is a ``File`` media value."""

    name: str
    payload: Any


@attrs.frozen(slots=True)
class ArtifactLogged:
    """A versioned bundle of files logged by ``run.log_artifact`` (``artifact_type`` is the
    artifact's ``type``: that name is the record's own tag in the JSON form).

    ``entries`` maps a relative name to a ``File`` media value, or to a URI string for a
    reference (recorded, never fetched). ``digest`` is the sha256 of the sorted entries (see
    ``runlog.typespec.artifact``): the same content has the same digest. ``version`` is the
    number the run found for it (same digest: same version; new digest: the next), ``aliases``
    always hold ``latest``.
    """

    name: str
    artifact_type: str
    digest: str
    entries: dict[str, Any]
    timestamp: float
    version: int | None = None
    aliases: tuple[str, ...] = ()
    description: str | None = None
    metadata: dict[str, Any] = attrs.field(factory=dict)


class AlertLevel(str, enum.Enum):
    """How urgent an :class:`Alert` is (its value is what the record holds)."""

    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


@attrs.frozen(slots=True)
class Alert:
    """An alert raised by ``run.alert``: recorded as an event of the run, never sent anywhere."""

    title: str
    text: str
    level: str
    timestamp: float
    wait_duration: float | None = None


@attrs.frozen(slots=True)
class Finished:
    """The run ended: exit code, final status, final (nested) summary and end time;
    ``error`` is ``"ExceptionType: message"`` when an exception ended the run, else None."""

    exit_code: int
    status: str
    summary: dict[str, Any]
    end_time: float
    final_step: int = 0
    error: str | None = None


def describe_exception(exc: BaseException) -> str:
    """``"ExceptionType: message"`` (just the type when the message is empty), always valid
    UTF-8; an exception whose ``__str__`` raises is described by its type alone."""
    try:
        text = str(exc).encode("utf-8", "backslashreplace").decode("utf-8")
    except Exception:  # noqa: BLE001 - a broken __str__ must not hide the failure itself
        text = ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


Record = (
    RunStarted | ConfigChanged | MetricDefined | Row | StaleRow | SummaryChanged | FileSaved
    | ArtifactLogged | Alert | Finished | SystemSample
)

#: JSON ``"type"`` tag of each record class.
RECORD_TYPES: dict[str, type] = {
    "run_started": RunStarted,
    "config_changed": ConfigChanged,
    "metric_defined": MetricDefined,
    "row": Row,
    "stale_row": StaleRow,
    "summary_changed": SummaryChanged,
    "file_saved": FileSaved,
    "artifact_logged": ArtifactLogged,
    "alert": Alert,
    "finished": Finished,
    "system_sample": SystemSample,
}

STATUSES = ("finished", "failed", "preempted")


def nest(leaves: dict[Path, Any]) -> dict[str, Any]:
    """Leaves ``{("a", "b"): 1}`` as a nested dict ``{"a": {"b": 1}}``."""
    out: dict[str, Any] = {}
    for path, value in leaves.items():
        node = out
        for seg in path[:-1]:
            child = node.get(seg)
            if not isinstance(child, dict):
                child = node[seg] = {}
            node = child
        node[path[-1]] = value
    return out


def sample_dict(sample: SystemSample) -> dict[str, Any]:
    """A system-metrics sample as readers show it: ``_timestamp``, ``_runtime`` and its values."""
    return {"_timestamp": sample.timestamp, "_runtime": sample.runtime, **sample.values}


def row_dict(row: Row) -> dict[str, Any]:
    """A history row as wandb shows it: nested values, ``_step``, ``_runtime``, ``_timestamp``."""
    out = nest(row.values)
    out["_step"] = row.step
    out["_runtime"] = row.runtime
    out["_timestamp"] = row.timestamp
    return out
