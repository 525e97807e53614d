"""The Run: validation, the step/commit engine, the summary, and emitting IR records."""

from __future__ import annotations

import os
import string
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from runlog.typespec.errors import (
    DataError,
    FinishedRunError,
    StaleStepError,
    StaleStepWarning,
    UsageError,
    warn,
)
from runlog.typespec.records import (
    FileSaved,
    Finished,
    MetricDefined,
    Record,
    RunStarted,
    StaleRow,
    new_row,
)
from runlog.typespec.summary import SUMMARY_MODES, Summary, split_metric_name
from runlog.typespec.values import flatten

from ._config_view import ConfigView
from ._engine import TIMESTAMP, StepEngine
from ._settings import Settings
from ._summary_view import SummaryView

_FAST = (float, str, bool, type(None))
_INT64 = 2**63
#: key -> its one-segment path, shared by all rows (at most _MAX_PATHS keys)
_PATHS: dict[str, tuple[str]] = {}
_MAX_PATHS = 10_000
_ID_CHARS = string.ascii_lowercase + string.digits

#: every Run not yet finished, for atexit and fork handling
live_runs: weakref.WeakSet[Run] = weakref.WeakSet()


def new_run_id() -> str:
    """8 random characters from ``[a-z0-9]``."""
    import secrets  # on first use: it imports random, a cost at `import runlog`

    return "".join(secrets.choice(_ID_CHARS) for _ in range(8))


def check_step(step: Any) -> int:
    """A valid step as an ``int``; a float, bool or negative step is a DataError."""
    if type(step) is int:
        if step >= 0:
            return step
    elif not isinstance(step, bool) and hasattr(step, "__index__") and not isinstance(step, float):
        value = step.__index__()
        if value >= 0:
            return value
    raise DataError(
        f"step must be an int >= 0, got {step!r} ({type(step).__name__}); "
        "accepted: int or numpy integer >= 0, or None for the next step"
    )


def check_commit(commit: Any) -> bool:
    """A numpy bool or the ints 0 / 1 as a bool; anything else is a DataError."""
    if not isinstance(commit, (float, complex, str, bytes)) and _is_zero_or_one(commit):
        return bool(commit)
    raise DataError(
        f"commit must be True, False or None, got {commit!r} ({type(commit).__name__}); "
        "accepted: a bool (or numpy bool, 0 or 1), or None for the default"
    )


def _is_zero_or_one(value: Any) -> bool:
    try:
        return bool(value in (0, 1))
    except (TypeError, ValueError):  # an array, say
        return False


def stale_message(step: int, current: int) -> str:
    """The stale-step warning: wandb's first two sentences word for word, then runlog's remedy."""
    return (
        f"Tried to log to step {step} that is less than the current step {current}. "
        "Steps must be monotonically increasing, so this data will be ignored. "
        "To keep such data, pass settings={'on_stale_step': 'keep'} to runlog.init "
        "(backends that accept out-of-order steps render it, the files backend stores it), or "
        "give the metric its own x-axis with run.define_metric(name, step_metric=...)."
    )


class Run:
    """One experiment run. Create it with :func:`runlog.init`."""

    def __init__(
        self,
        *,
        id: str,
        project: str,
        name: str,
        dir: Path,
        group: str | None,
        job_type: str | None,
        tags: tuple[str, ...],
        notes: str | None,
        config: dict[str, Any],
        settings: Settings,
        backends: dict[str, Any],
        dispatcher: Any,
        hook: Any,
        disabled: bool = False,
        start_step: int = 0,
        resumed: bool = False,
        summary: Summary | None = None,
    ) -> None:
        self._id = id
        self._project = project
        self._name = name
        self._dir = dir
        self._group = group
        self._job_type = job_type
        self._tags = tags
        self._notes = notes
        self._settings = settings
        self._backends = backends
        self._dispatcher = dispatcher
        self._hook = hook
        self._disabled = disabled
        self._lock = threading.Lock()
        self._engine = StepEngine(start_step)
        self._summary = summary or Summary()
        self._finished = False
        self._preempting = False
        self._forked_from: int | None = None
        self._start_time = time.time()
        self._t0 = time.monotonic()
        self._rows = 0
        self._stale_calls = 0
        self._stale_keys = 0
        self._step_metrics: dict[str, MetricDefined] = {}
        self._step_globs: dict[str, MetricDefined] = {}
        self._latest_axis: dict[str, Any] = {}
        self.config = ConfigView(self, config)
        self.summary = SummaryView(self)
        self._started = RunStarted(
            id=id, project=project, name=name, start_time=self._start_time, group=group,
            job_type=job_type, tags=tags, notes=notes, config=dict(config),
            host=_hostname(), version=_version(), resumed=resumed,
            resumed_step=start_step if resumed else None, backends=tuple(backends),
        )
        if not disabled:
            live_runs.add(self)
            dispatcher.start(self._started)

    # -- read-only identity ------------------------------------------------------------------
    id = property(lambda self: self._id, doc="The run id.")
    name = property(lambda self: self._name, doc="The run name (defaults to the id).")
    project = property(lambda self: self._project, doc="The project.")
    dir = property(lambda self: self._dir, doc="Local directory of this run's files.")
    group = property(lambda self: self._group, doc="The run group.")
    job_type = property(lambda self: self._job_type, doc="The job type.")
    tags = property(lambda self: self._tags, doc="The run tags.")
    notes = property(lambda self: self._notes, doc="The run notes.")
    settings = property(lambda self: self._settings, doc="The run's Settings.")

    @property
    def step(self) -> int:
        """The step the next ``log()`` uses; after ``finish()``, the final step."""
        return self._engine.cur

    @property
    def backends(self) -> dict[str, Any]:
        """Backend instances by name, e.g. ``run.backends["memory"]``."""
        return dict(self._backends)

    @property
    def finished(self) -> bool:
        """True once ``finish()`` has run."""
        return self._finished

    @property
    def stats(self) -> dict[str, Any]:
        """Counters: rows, stale_calls, stale_keys and per-backend state (see the guide)."""
        return {
            "rows": self._rows,
            "stale_calls": self._stale_calls,
            "stale_keys": self._stale_keys,
            "backends": self._dispatcher.stats() if self._dispatcher else {},
        }

    # -- logging -----------------------------------------------------------------------------
    def log(
        self,
        data: dict[str, Any],
        step: int | None = None,
        commit: bool | None = None,
        sync: bool | None = None,
    ) -> None:
        """Log a dict of values to the run's history, with wandb's step and commit rules.

        ``step=None`` uses the current step and commits (unless ``commit=False``); a step above
        the current one commits any open row first and opens a row at ``step``, committed by
        ``commit=True`` or by a later call; a lower step is rejected (``on_stale_step``).
        ``sync`` is accepted and ignored.
        """
        if self._finished or self._forked_from is not None or self._disabled:
            if self._disabled:
                return
            self._refuse("log")
        if step is not None:
            step = check_step(step)
        if commit is not None and type(commit) is not bool:
            commit = check_commit(commit)
        now = time.time()
        leaves = _fast_leaves(data) if type(data) is dict else None
        if leaves is None:
            leaves = flatten(data, self._hook)
            special = ("_step",) in leaves or ("_runtime",) in leaves or TIMESTAMP in leaves
        else:  # flat: the keys of data are the paths' only segments
            special = "_step" in data or "_runtime" in data or "_timestamp" in data
        if special:
            _special_keys(leaves, now)
        else:
            leaves[TIMESTAMP] = now
        with self._lock:
            if self._finished:
                self._refuse("log")
            engine = self._engine
            if step is None and commit is None and not engine.pending:  # the common call
                self._commit(engine.advance(), leaves)
                return
            if step is not None and step < engine.cur:
                self._stale(step, leaves, now)
                return
            for row_step, values in engine.log(leaves, step, commit):
                self._commit(row_step, values)

    def _commit(self, step: int, values: dict[tuple[str, ...], Any]) -> None:
        timestamp = values.pop(TIMESTAMP)
        if self._step_metrics or self._step_globs:
            self._sync_axes(values)
        row = new_row(step, timestamp, time.monotonic() - self._t0, values)
        self._rows += 1
        self._summary.apply_row(row)
        self._dispatcher.emit(row)

    def _stale(self, step: int, leaves: dict[tuple[str, ...], Any], now: float) -> None:
        policy = self._settings.on_stale_step
        current = self._engine.cur
        user = {p: v for p, v in leaves.items() if p != TIMESTAMP}
        self._stale_calls += 1  # counted whatever the policy (SPEC §3)
        self._stale_keys += len(user)
        if policy == "raise":
            raise StaleStepError(stale_message(step, current))
        self._dispatcher.emit(StaleRow(step, current, leaves.get(TIMESTAMP, now), user, policy))
        if policy == "warn":
            warn(StaleStepWarning(stale_message(step, current)), StaleStepWarning)

    def _sync_axes(self, values: dict[tuple[str, ...], Any]) -> None:
        """Carry the latest value of each step metric into rows that hold its metric but lack it."""
        latest = self._latest_axis
        for axis in latest:
            v = values.get(split_metric_name(axis))
            if type(v) in (int, float):
                latest[axis] = v
        for path in list(values):
            key = ".".join(path)
            metric = self._step_metrics.get(key)
            if metric is None and self._step_globs and not key.startswith("_"):
                metric = next((m for p, m in self._step_globs.items() if key.startswith(p)), None)
            if metric is None or not metric.step_sync or metric.step_metric is None:
                continue
            axis_path = split_metric_name(metric.step_metric)
            if axis_path not in values:
                values[axis_path] = latest.get(metric.step_metric, 0)

    def define_metric(
        self,
        name: str,
        step_metric: str | None = None,
        step_sync: bool | None = None,
        summary: str | None = None,
        goal: str | None = None,
        hidden: bool | None = None,
    ) -> MetricDefined:
        """Customize a metric: its x-axis (``step_metric``), its summary statistics
        (``summary="min,max,mean,first,last,best,none"``), its ``goal`` and visibility.

        ``name`` may end in ``*`` (a prefix glob); ``a.b`` addresses the nested key
        ``{"a": {"b": ...}}`` and ``a\\.b`` is a literal dot.
        """
        self._check_active("define_metric")
        if not isinstance(name, str) or not name:
            raise UsageError(f"define_metric: name must be a non-empty str, got {name!r}")
        if "*" in name[:-1]:
            raise UsageError(f"define_metric: {name!r}: a glob may only end in '*'")
        modes: tuple[str, ...] = ()
        if summary is not None:
            if not isinstance(summary, str):
                raise UsageError(f"define_metric: summary must be a str, got {summary!r}")
            modes = tuple(m.strip() for m in summary.split(",") if m.strip())
            bad = [m for m in modes if m not in SUMMARY_MODES]
            if bad:
                raise UsageError(
                    f"define_metric: unknown summary mode(s) {bad}; accepted: "
                    f"{', '.join(SUMMARY_MODES)}"
                )
        if goal is not None and goal not in ("minimize", "maximize"):
            raise UsageError(f"define_metric: goal must be 'minimize' or 'maximize', got {goal!r}")
        if "best" in modes and goal is None:
            raise UsageError("define_metric: summary 'best' needs goal='minimize' or 'maximize'")
        if step_metric is not None and not isinstance(step_metric, str):
            raise UsageError(f"define_metric: step_metric must be a str, got {step_metric!r}")
        if step_sync is None and step_metric is not None:
            step_sync = True
        metric = MetricDefined(name, step_metric, step_sync, modes, goal, hidden)
        with self._lock:
            if step_metric is not None:
                self._latest_axis.setdefault(step_metric, 0)
                if name.endswith("*"):
                    self._step_globs[name[:-1]] = metric
                else:
                    self._step_metrics[name] = metric
            self._apply(metric)
        return metric

    def save(self, glob_str: str | os.PathLike, base_path: str | os.PathLike | None = None,
             ) -> list[str]:
        """Attach files matching a path or glob to the run; returns the names they got.

        Names are relative to ``base_path`` (default: the folder part of the pattern). The
        bytes are read now; backends store them (files: ``files/``; MLflow: artifacts).
        """
        from runlog.typespec.media.file import File

        self._check_active("save")
        pattern = os.path.expanduser(os.fspath(glob_str))
        base = os.fspath(base_path) if base_path is not None else _glob_base(pattern)
        import glob

        paths = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
        if not paths:
            warn(f"run.save: no file matches {pattern!r}")
        records = []
        for path in paths:
            name = os.path.relpath(path, base).replace(os.sep, "/")
            if name.startswith("../"):
                raise UsageError(f"run.save: {path!r} is outside base_path {base!r}")
            records.append(FileSaved(name, File(path, name=os.path.basename(name))))
        with self._lock:
            if not self._disabled:
                for record in records:
                    self._dispatcher.emit(record)
        return [r.name for r in records]

    # -- lifecycle ---------------------------------------------------------------------------
    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every backend has durably written what was logged before this call.

        Returns False if ``timeout`` seconds passed first.
        """
        if self._forked_from is not None:
            self._refuse("flush")  # the parent's workers do not exist in this process
        if self._disabled or self._finished:
            return True
        return self._dispatcher.flush(timeout)

    def mark_preempting(self) -> None:
        """Make the final status ``preempted`` (e.g. before a scheduler kills the job)."""
        self._preempting = True

    def finish(self, exit_code: int = 0) -> None:
        """Commit any open row, then flush and close every backend. Calling it again is a no-op.

        ``exit_code != 0`` marks the run ``failed``; after ``mark_preempting()`` (or SIGTERM)
        it is ``preempted``.
        """
        with self._lock:
            if self._finished:
                return
            if self._forked_from is not None:
                return
            for row_step, values in self._engine.finish():
                self._commit(row_step, values)
            self._finished = True
        live_runs.discard(self)
        if self._disabled:
            return
        status = "failed" if exit_code else ("preempted" if self._preempting else "finished")
        done = Finished(exit_code, status, self._summary.nested(), time.time(), self._engine.cur)
        self._dispatcher.close(done, self._settings.finish_timeout)

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.finish(exit_code=1 if exc_type is not None else 0)

    # -- helpers for the summary and config views ----------------------------------------------
    def _apply(self, record: Record) -> None:
        """Fold a summary/metric record and send it (caller holds the lock)."""
        self._summary.apply(record)
        if not self._disabled:
            self._dispatcher.emit(record)

    def _emit_config(self, record: Record) -> None:
        if not self._disabled:
            self._dispatcher.emit(record)

    def _check_active(self, what: str) -> None:
        if self._finished or self._forked_from is not None:
            self._refuse(what)

    def _refuse(self, what: str) -> None:
        if self._forked_from is not None:
            raise UsageError(
                f"run {self._id!r} belongs to process {self._forked_from}; this process "
                f"({os.getpid()}) was forked from it and cannot {what} to it. "
                "Call runlog.init() in this process for a run of its own"
            )
        raise FinishedRunError(
            f"Run ({self._id}) is finished. The call to `{what}` will be ignored. "
            "Please make sure that you are using an active run."
        )

    def _after_fork_in_child(self, parent: int) -> None:
        self._forked_from = parent
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        state = "finished" if self._finished else "active"
        return f"<runlog.Run {self._project}/{self._id} {state} step={self._engine.cur}>"


def _fast_leaves(data: dict[Any, Any]) -> dict[tuple[str, ...], Any] | None:
    """Leaves of a flat dict of plain values, or None when the general path is needed.

    Each key's path tuple is made once and shared by every row that has the key (a queued
    row then holds no tuples of its own).
    """
    leaves = {}
    paths = _PATHS
    for key, value in data.items():
        t = type(value)
        if type(key) is not str or not key:
            return None
        if t in _FAST or (t is int and -_INT64 <= value < _INT64):
            path = paths.get(key)
            if path is None:
                path = (key,)
                if len(paths) < _MAX_PATHS:
                    paths[key] = path
            leaves[path] = value
        else:
            return None
    return leaves


def _special_keys(leaves: dict[tuple[str, ...], Any], now: float) -> None:
    """Drop a user ``_step``, drop ``_runtime`` (set at commit), keep a valid ``_timestamp``."""
    leaves.pop(("_step",), None)
    leaves.pop(("_runtime",), None)
    ts = leaves.get(TIMESTAMP)
    if ts is None:
        leaves[TIMESTAMP] = now
    elif type(ts) not in (int, float):
        raise DataError(
            f"_timestamp must be Unix seconds as a number, got {type(ts).__name__} {ts!r}"
        )


def _glob_base(pattern: str) -> str:
    """The folder part of a glob pattern, before its first wildcard."""
    import glob

    head = pattern
    while glob.has_magic(head):
        head = os.path.dirname(head)
    return os.path.dirname(head) if head == pattern else head or "."


def _hostname() -> str:
    import socket

    return socket.gethostname()


def _version() -> str:
    from ._version import __version__

    return __version__
