"""The Run: validation, the step/commit engine, the summary, and emitting IR records."""

from __future__ import annotations

import operator
import os
import string
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from runlog.typespec.errors import (
    DataError,
    Error,
    FinishedRunError,
    StaleStepError,
    StaleStepWarning,
    UsageError,
    safe_repr,
    warn,
)
from runlog.typespec.metrics import MetricMatcher, split_metric_name
from runlog.typespec.records import (
    FileSaved,
    Finished,
    MetricDefined,
    Record,
    RunStarted,
    StaleRow,
    SystemSample,
    describe_exception,
    new_row,
)
from runlog.typespec.summary import SUMMARY_MODES, Summary
from runlog.typespec.text import check_text, is_utf8
from runlog.typespec.values import flatten

from ._config_view import ConfigView
from ._engine import TIMESTAMP, StepEngine
from ._provenance import provenance
from ._settings import Settings
from ._summary_view import SummaryView
from ._system import SystemSampler
from ._worker import PLAIN_RECORD_BYTES

_FAST = (float, str, bool, type(None))
_INT64 = 2**63
#: key -> its one-segment path, shared by all rows (at most _MAX_PATHS keys)
_PATHS: dict[str, tuple[str]] = {}
_MAX_PATHS = 10_000
_ID_CHARS = string.ascii_lowercase + string.digits
#: when ``run.save`` reads a file: now, at finish, or both
SAVE_POLICIES = ("now", "end", "live")

#: every Run not yet finished, for atexit and fork handling
live_runs: weakref.WeakSet[Run] = weakref.WeakSet()
#: ``log()``'s default: called without data, it logs ``{}`` (``log(None)`` is still an error)
NO_DATA: Any = {}


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
        try:
            value = operator.index(step)
        except Exception:  # noqa: BLE001 - the object's own __index__ failed: refused below
            value = -1
        if value >= 0:
            return value
    raise DataError(
        f"step must be an int >= 0, got {safe_repr(step)} ({type(step).__name__}); "
        "accepted: int or numpy integer >= 0, or None for the next step"
    )


def check_commit(commit: Any) -> bool:
    """A numpy bool or the ints 0 / 1 as a bool; anything else is a DataError."""
    if not isinstance(commit, (float, complex, str, bytes)) and _is_zero_or_one(commit):
        return bool(commit)
    raise DataError(
        f"commit must be True, False or None, got {safe_repr(commit)} ({type(commit).__name__}); "
        "accepted: a bool (or numpy bool, 0 or 1), or None for the default"
    )


def _is_zero_or_one(value: Any) -> bool:
    try:
        return bool(value in (0, 1))
    except Exception:  # noqa: BLE001 - an array, or an object whose __eq__ fails
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
        entity: str | None = None,
        mode: str = "online",
        allow_val_change: bool = False,
        auto_resume: Path | None = None,
    ) -> None:
        self._id = id
        self._entity = entity
        self._mode = "disabled" if disabled else mode
        self._resumed = resumed
        self._auto_resume = auto_resume
        self._saved_at_end: list[tuple[str, str | None]] = []  # save(policy="live"/"end")
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
        # re-entrant, so that log() from a signal handler can tell it interrupted this thread
        self._lock = threading.RLock()
        self._deferred: deque[tuple[Any, ...]] = deque()  # those log() calls, run after
        self._finish_after: int | None = None  # the exit code of such a finish() call
        self._engine = StepEngine(start_step)
        self._summary = summary or Summary()
        self._finished = False
        self._preempting = False
        self._error: str | None = None  # the exception that ended the run
        self._forked_from: int | None = None
        self._start_time = time.time()
        self._t0 = time.monotonic()
        self._rows = 0
        self._stale_calls = 0
        self._stale_keys = 0
        #: metric name -> the path of its step metric, for metrics with step_sync
        self._synced: MetricMatcher[tuple[str, ...] | None] = MetricMatcher()
        self._latest_axis: dict[tuple[str, ...], Any] = {}
        self._artifact_versions: Any = None  # numbers logged artifacts, on first use
        self.config = ConfigView(self, config, allow_val_change)
        self.summary = SummaryView(self)
        self._started = RunStarted(
            id=id, project=project, name=name, start_time=self._start_time, group=group,
            job_type=job_type, tags=tags, notes=notes, config=dict(config),
            host=_hostname(), version=_version(), resumed=resumed,
            resumed_step=start_step if resumed else None, backends=tuple(backends),
            **provenance(disable_git=disabled or settings.disable_git),
        )
        self._sampler: SystemSampler | None = None
        if not disabled:
            live_runs.add(self)
            dispatcher.start(self._started)
            if settings.system_metrics and settings.system_metrics_interval > 0:
                self._sampler = SystemSampler(self._system_sample,
                                              settings.system_metrics_interval, self._t0)
                self._sampler.start()

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
    entity = property(lambda self: self._entity, doc="The entity given to init (or None).")
    mode = property(lambda self: self._mode, doc='"online", "offline" or "disabled".')
    resumed = property(lambda self: self._resumed, doc="True if this run continues one.")
    disabled = property(lambda self: self._disabled, doc='True under mode="disabled".')

    @property
    def path(self) -> str:
        """``entity/project/id`` (``project/id`` without an entity)."""
        return "/".join(p for p in (self._entity, self._project, self._id) if p)

    @property
    def url(self) -> str:
        """Where the run is: a ``file://`` URL of its local directory (runlog has no web app)."""
        return self._dir.as_uri()

    def get_url(self) -> str:
        """The run's location; see :attr:`url`."""
        return self.url

    def _label(self, **labels: Any) -> None:
        """wandb integrations (Hugging Face, Lightning) tag the run with their name through
        this private wandb method; runlog records nothing for it."""

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
        """Counters: rows, stale_calls, stale_keys, per-backend state and the outcome of the
        last ``flush()`` (see ``docs/dispatch.md``)."""
        return {
            "rows": self._rows,
            "stale_calls": self._stale_calls,
            "stale_keys": self._stale_keys,
            "backends": self._dispatcher.stats() if self._dispatcher else {},
            "last_flush": self._dispatcher.last_flush if self._dispatcher else None,
        }

    # -- logging -----------------------------------------------------------------------------
    def log(
        self,
        data: dict[str, Any] = NO_DATA,
        step: int | None = None,
        commit: bool | None = None,
        sync: bool | None = None,
    ) -> None:
        """Log a dict of values to the run's history, with wandb's step and commit rules.

        ``log()`` without data is ``log({})`` (older wandb code commits a row that way).

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
        if data is NO_DATA:
            data = {}
        leaves = _fast_leaves(data) if type(data) is dict else None
        plain = leaves is not None  # numbers and text only: no media to account for
        if leaves is None:
            leaves = flatten(data, self._hook)
            special = ("_step",) in leaves or ("_runtime",) in leaves or TIMESTAMP in leaves
        else:  # flat: the keys of data are the paths' only segments
            special = "_step" in data or "_runtime" in data or "_timestamp" in data
        if special:
            _special_keys(leaves, now)
        if self._lock._is_owned():  # this thread is inside a run method: a signal handler
            self._deferred.append((leaves, step, commit, now))  # logs after that method
            return
        try:
            self._log_leaves(leaves, step, commit, now, plain)
        finally:
            if self._deferred or self._finish_after is not None:
                self._after_interruption()

    def _log_leaves(self, leaves: dict[tuple[str, ...], Any], step: int | None,
                    commit: bool | None, now: float, plain: bool = False) -> None:
        with self._lock:
            if self._finished:
                self._refuse("log")
            self._dispatcher.new_call()
            engine = self._engine
            if step is None and commit is None and not engine.pending:  # the common call
                self._commit(engine.advance(), leaves, now,
                             PLAIN_RECORD_BYTES if plain else None)
                return
            if TIMESTAMP not in leaves:
                leaves[TIMESTAMP] = now  # the engine keeps each call's time in the open row
            commits = engine.log(leaves, step, commit)
            if commits is None:
                self._stale(step, leaves, now)
                return
            for row_step, values in commits:
                self._commit(row_step, values)

    def _after_interruption(self) -> None:
        """Run what signal handlers asked for while this thread held the run lock."""
        self._log_deferred()
        exit_code, self._finish_after = self._finish_after, None
        if exit_code is not None:
            self.finish(exit_code)

    def _log_deferred(self) -> None:
        """Log, in order, the calls made while this thread held the run lock (from a signal
        handler); their callers are gone, so a refusal is a warning."""
        while self._deferred:
            try:
                self._log_leaves(*self._deferred.popleft())
            except IndexError:  # another thread took the last one
                return
            except Error as exc:
                warn(f"runlog: a log() call made from a signal handler was not logged: {exc}")

    def _commit(self, step: int, values: dict[tuple[str, ...], Any], now: float | None = None,
                size: int | None = None) -> None:
        """Emit one committed row: its time is its ``_timestamp`` leaf, else ``now``;
        ``size``: its queue size estimate, if known."""
        timestamp = values.pop(TIMESTAMP, now)
        if self._synced:
            self._sync_axes(values)
        row = new_row(step, timestamp, time.monotonic() - self._t0, values)
        self._rows += 1
        self._summary.apply_row(row)
        self._dispatcher.emit(row, size)

    def _stale(self, step: int, leaves: dict[tuple[str, ...], Any], now: float) -> None:
        policy = self._settings.on_stale_step
        current = self._engine.cur
        user = {p: v for p, v in leaves.items() if p != TIMESTAMP}
        self._stale_calls += 1  # counted whatever the policy
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
            v = values.get(axis)
            if type(v) in (int, float):
                latest[axis] = v
        synced = self._synced
        for path in list(values):
            axis = synced.get(path)
            if axis is not None and axis not in values:
                values[axis] = latest.get(axis, 0)

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
        check_text(name, "define_metric: name")
        check_text(step_metric, "define_metric: step_metric")
        if step_sync is None and step_metric is not None:
            step_sync = True
        metric = MetricDefined(name, step_metric, step_sync, modes, goal, hidden)
        with self._changing("define_metric"):
            if step_metric is not None:
                axis = split_metric_name(step_metric)
                self._latest_axis.setdefault(axis, 0)
                self._synced.add(name, axis if step_sync else None)
            self._record(metric)
        return metric

    def save(self, glob_str: str | os.PathLike, base_path: str | os.PathLike | None = None,
             policy: str = "now") -> list[str]:
        """Attach files matching a path or glob to the run; returns the names they got.

        Names are relative to ``base_path`` (default: the folder part of the pattern). The
        bytes are read now (``policy="now"``), at ``finish()`` (``"end"``), or now and again
        at ``finish()`` (``"live"``: the run keeps the file's last content); backends store
        them (files: ``files/``; MLflow: artifacts). A wildcard never follows a symbolic link
        (to a file or a folder): links it meets are skipped with a warning; a path named
        without wildcards is read as given.
        """
        if policy not in SAVE_POLICIES:
            accepted = ", ".join(map(repr, SAVE_POLICIES))
            raise UsageError(f"run.save: policy must be one of {accepted}, got {policy!r} "
                             f"({type(policy).__name__})")
        base = os.fspath(base_path) if base_path is not None else None
        if policy != "now":
            with self._changing("save"):
                self._saved_at_end.append((os.fspath(glob_str), base))
            if policy == "end":
                return []
        return self._save_now(glob_str, base)

    def save_main_script(self) -> list[str]:
        """Store the script Python was started with as ``code/<its name>`` (``save_code``);
        a warning when there is none (an interactive session)."""
        import __main__

        path = getattr(__main__, "__file__", None)
        if not path or not os.path.isfile(path):
            warn("runlog: save_code=True: there is no main script to store (interactive "
                 "session)")
            return []
        return self._save_now(path, os.path.dirname(os.path.abspath(path)), prefix="code/")

    def _save_now(self, glob_str: str | os.PathLike, base_path: str | None,
                  prefix: str = "") -> list[str]:
        from runlog.typespec.media.file import File

        pattern = os.path.expanduser(os.fspath(glob_str))
        base = os.fspath(base_path) if base_path is not None else _glob_base(pattern)
        import glob

        paths = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
        if glob.has_magic(pattern):
            links = [p for p in paths if _through_link(p, _glob_base(pattern))]
            if links:
                warn(f"run.save: skipped {len(links)} match(es) through symbolic links, which "
                     f"a wildcard does not follow (name a file to save it): {links[:3]}")
                paths = [p for p in paths if p not in set(links)]
        if not paths:
            warn(f"run.save: no file matches {pattern!r}")
        records = []
        for path in paths:
            name = prefix + os.path.relpath(path, base).replace(os.sep, "/")
            if name.startswith("../"):
                raise UsageError(f"run.save: {path!r} is outside base_path {base!r}")
            check_text(name, "run.save: a file name (rename the file to UTF-8 text)")
            records.append(FileSaved(name, File(path, name=os.path.basename(name))))
        with self._changing("save"):
            for record in records:
                self._record(record)
        return [r.name for r in records]

    # -- artifacts, alerts and code (facade/_artifacts.py) ------------------------------------
    def log_artifact(self, artifact_or_path: Any, name: str | None = None,
                     type: str | None = None, aliases: Any = None) -> Any:
        """Log a ``runlog.Artifact`` (or a file or directory path) as a new version, or the
        version it already is (same content); ``latest`` always moves to it. Returns the
        artifact (see ``docs/artifacts.md``)."""
        from . import _artifacts

        with self._changing("log_artifact"):
            if self._artifact_versions is None:
                self._artifact_versions = _artifacts.ArtifactVersions(self._dir.parent)
            record = _artifacts.artifact_record(artifact_or_path, name, type, aliases,
                                                self._artifact_versions)
            self._record(record)
        return artifact_or_path

    def use_artifact(self, artifact_or_name: str, type: str | None = None) -> Any:
        """A logged artifact of this project: ``"name"``, ``"name:alias"`` or ``"name:v<N>"``,
        with ``download(root=None)`` and ``file(root=None)``; ``type``, if given, must be its
        type."""
        from ._artifacts import find_used

        return find_used(self._dir.parent, artifact_or_name, type)

    def link_artifact(self, artifact: Any, target_path: str, aliases: Any = None) -> None:
        """wandb's model-registry link: refused, runlog has no registry."""
        raise UsageError(
            f"link_artifact({target_path!r}) is not supported by runlog: there is no model "
            "registry; later runs find a logged artifact with use_artifact('name:alias')"
        )

    def alert(self, title: str, text: str, level: Any = "INFO",
              wait_duration: Any = None) -> None:
        """Record an alert (``runlog.AlertLevel`` INFO, WARN or ERROR) as an event of the run;
        ``runlog show`` lists them. Nothing is sent anywhere."""
        from ._artifacts import alert_record

        record = alert_record(title, text, level, wait_duration)
        with self._changing("alert"):
            self._record(record)

    def log_code(self, root: str | os.PathLike = ".", name: str | None = None,
                 include_fn: Any = None, exclude_fn: Any = None) -> list[str]:
        """Save the source files under ``root`` (default: ``*.py``) as ``code/<path>`` files
        of the run; returns their names."""
        from ._artifacts import code_records

        records = code_records(root, name, include_fn, exclude_fn, self._dir.parents[1])
        with self._changing("log_code"):
            for record in records:
                self._record(record)
        return [r.name for r in records]

    # -- lifecycle ---------------------------------------------------------------------------
    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every backend has durably written what was logged before this call.

        Returns False if ``timeout`` seconds passed first, or a backend's data is not durable
        or was lost since the previous flush; ``run.stats["last_flush"]`` says which and why.
        """
        if self._forked_from is not None:
            self._refuse("flush")  # the parent's workers do not exist in this process
        if self._disabled or self._finished:
            return True
        if self._deferred:
            self._log_deferred()
        return self._dispatcher.flush(timeout)

    def mark_preempting(self) -> None:
        """Make the final status ``preempted`` (e.g. before a scheduler kills the job)."""
        self._preempting = True

    def finish(self, exit_code: int = 0) -> None:
        """Commit any open row, then flush and close every backend. Calling it again is a no-op.

        ``exit_code != 0`` marks the run ``failed``; after ``mark_preempting()`` (or SIGTERM)
        it is ``preempted``. Called from a signal handler that interrupted ``log()``, it runs
        as soon as that call returns (or raises).
        """
        if self._lock._is_owned() and not self._finished:
            self._finish_after = exit_code
            return
        if self._sampler is not None and self._forked_from is None:
            self._sampler.stop()  # outside the lock: a sample being sent needs it
        with self._lock:
            if self._finished:
                return
            if self._forked_from is not None:
                return
            self._log_deferred()
            self._save_at_end()
            if not self._disabled:
                self._dispatcher.new_call()
            for row_step, values in self._engine.finish():
                self._commit(row_step, values)
            self._finished = True
        live_runs.discard(self)
        if self._disabled:
            return
        status = "failed" if exit_code else ("preempted" if self._preempting else "finished")
        if self._auto_resume is not None and status == "finished":
            self._auto_resume.unlink(missing_ok=True)  # nothing left for resume="auto"
        done = Finished(exit_code, status, self._summary.nested(), time.time(), self._engine.cur,
                        error=self._error if exit_code else None)
        self._dispatcher.close(done, self._settings.finish_timeout)

    def _save_at_end(self) -> None:
        """The files of ``save(policy="end"/"live")``, read now that the run ends; a failure
        is a warning (the run must finish)."""
        for pattern, base in self._saved_at_end:
            try:
                self._save_now(pattern, base)
            except Error as exc:
                warn(f"runlog: run.save({pattern!r}) at finish: {exc}")
        self._saved_at_end.clear()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc is not None:
            self._error = describe_exception(exc)
        self.finish(exit_code=1 if exc_type is not None else 0)

    # -- for changes from the summary and config views, define_metric and save ----------------
    @contextmanager
    def _changing(self, what: str) -> Iterator[None]:
        """Hold the run lock for a change named ``what``, sent with :meth:`_record`; refused
        (:meth:`_refuse`) unless the run is active and belongs to this process."""
        with self._lock:
            if self._finished or self._forked_from is not None:
                self._refuse(what)
            if not self._disabled:
                self._dispatcher.new_call()
            yield

    def _record(self, record: Record) -> None:
        """Fold a record into the summary (if it is a summary or metric record) and send it to
        the backends. Only inside :meth:`_changing`."""
        self._summary.apply(record)
        if not self._disabled:
            self._dispatcher.emit(record)

    def _system_sample(self, sample: SystemSample) -> None:
        """Send a sample of the system-metrics sampler (its thread) while the run is active."""
        with self._lock:
            if not self._finished:
                self._dispatcher.new_call()
                self._dispatcher.emit(sample)

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
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        state = "finished" if self._finished else "active"
        return f"<runlog.Run {self._project}/{self._id} {state} step={self._engine.cur}>"


def _fast_leaves(data: dict[Any, Any]) -> dict[tuple[str, ...], Any] | None:
    """Leaves of a flat dict of plain values and UTF-8 text, or None when the general path
    (which also names what is wrong) is needed.

    Each key's path tuple is made once and shared by every row that has the key (a queued
    row then holds no tuples of its own).
    """
    leaves = {}
    paths = _PATHS
    for key, value in data.items():
        if type(key) is not str:
            return None
        path = paths.get(key)  # the keys in it are non-empty UTF-8
        if path is None:
            if not key or not is_utf8(key):
                return None
            path = (key,)
            if len(paths) < _MAX_PATHS:
                paths[key] = path
        t = type(value)
        if t is float or (t in _FAST and (t is not str or is_utf8(value))) or (
            t is int and -_INT64 <= value < _INT64
        ):
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


def _through_link(path: str, start: str) -> bool:
    """True if ``path`` or a folder on the way to it from ``start`` is a symbolic link."""
    current = start
    for part in os.path.relpath(path, start).split(os.sep):
        current = os.path.join(current, part)
        if os.path.islink(current):
            return True
    return False


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
