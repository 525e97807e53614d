"""The MLflow backend ``mlflow``: one MLflow run per runlog run, in batches, without loss.

Experiment = project (created if missing); the run carries the run name, tags, notes
(``mlflow.note.content``), group and job type, runlog's run id (``runlog.run_id``, used to find
it again on resume) and MLflow's usual provenance tags. Numbers become metric points through
``log_batch`` (chunked to MLflow's limits), config becomes params, media become artifacts in the
layouts MLflow's UI reads, and the summary and status are written at finish. Everything is sent
from the backend's worker through an :class:`~.outbox.Outbox`, which retries a store that is
down and delivers every point exactly once when it is back. See ``docs/backends/mlflow.md``.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from runlog.backends._axes import StepAxes
from runlog.backends._contract import Capabilities, ExistingRun
from runlog.backends.options import Option, parse_options
from runlog.typespec.errors import BackendError, UsageError
from runlog.typespec.jsonform import dumps, leaves_to_json
from runlog.typespec.media import KINDS, Media, MediaSequence
from runlog.typespec.records import (
    ArtifactLogged,
    ConfigChanged,
    FileSaved,
    Finished,
    MetricDefined,
    Record,
    Row,
    RunStarted,
    StaleRow,
    SystemSample,
)
from runlog.typespec.summary import Summary

from . import media, store
from .keys import KeyRegistry, clean
from .outbox import Call, Files, LogBatch, Outbox
from .params import MAX_TAG_VALUE, ParamTracker

logger = logging.getLogger("runlog.backends.mlflow")

KeyPath = tuple[str, ...]
#: option -> what it accepts (for the error on an unknown option)
#: below the default block_timeout (30 s), after which a backend call that has not returned
#: counts as stalled and the backend is disabled
RETRY_TIMEOUT = 25.0
OPTIONS = {
    "tracking_uri": Option(None, str, "the MLflow tracking URI (sqlite:///…, http(s)://…, "
                                      "postgresql://…)"),
    "experiment": Option(None, str, "the MLflow experiment name (default: the runlog project)"),
    "artifact_location": Option(None, str, "where a new experiment stores artifacts (default: "
                                           "MLflow's choice; beside the database for sqlite)"),
    "retry_timeout": Option(RETRY_TIMEOUT, float, "seconds to keep retrying an unreachable "
                            "store at flush and finish (default 25; keep it below the run's "
                            "block_timeout)", minimum=0.0),
}
#: MLflow's per-request limits (server-enforced)
MAX_METRICS, MAX_PARAMS_TAGS = 1000, 100
STATUS = {"finished": "FINISHED", "failed": "FAILED", "preempted": "KILLED"}
LOGGED_ARTIFACTS = "mlflow.loggedArtifacts"
_NUMBER = (int, float, bool)
#: prefix of the system-metrics keys (as MLflow's own system metrics)
SYSTEM = "system/"


class MlflowBackend:
    """Renders IR records as one MLflow run (see the module docstring)."""

    name = "mlflow"
    capabilities = Capabilities(kinds=KINDS - {"plot"}, stale_rows=True, resume=True,
                                batch_size=1000)

    def __init__(self, options: dict[str, Any], run_dir: Path) -> None:
        options = parse_options("mlflow", options, OPTIONS)
        run_dir = Path(run_dir)
        #: the tracking URI this backend writes to
        self.tracking_uri = store.tracking_uri(options.get("tracking_uri"), run_dir.parents[1])
        self._experiment_name = str(options.get("experiment") or run_dir.parent.name)
        self._artifact_location = (str(options["artifact_location"])
                                   if options.get("artifact_location")
                                   else store.default_artifact_location(self.tracking_uri))
        self._runlog_id = run_dir.name
        self._retry_timeout = options["retry_timeout"]
        self._client: Any = None
        self._found: Any = None  # the MLflow run found by existing_run()
        self._looked = False
        self._run: RunStarted | None = None
        #: the MLflow run id (set once the run exists in the store)
        self.run_id: str | None = None
        #: raises ServerDown at once when a tracking server does not answer (None: a database)
        self._probe = store.make_probe(self.tracking_uri)
        self._outbox = Outbox(self._connect, self._probe, _redact(self.tracking_uri))
        self._keys = KeyRegistry()
        self._params = ParamTracker()
        self._config: dict[str, Any] = {}
        self._latest: dict[str, tuple[int, float]] = {}  # metric key -> (step, value) at max step
        self._axes = StepAxes()
        self._tables: list[dict[str, str]] = []
        self._images_tagged = False
        self._deadline: float | None = None
        self._warned: set[tuple[str, str]] = set()

    # -- resume ------------------------------------------------------------------------------
    def existing_run(self) -> ExistingRun | None:
        """The state of the MLflow run tagged with this runlog run id, or None."""
        try:
            found = self._lookup()
        except Exception as exc:
            raise BackendError(f"mlflow backend: cannot look up run {self._runlog_id!r} in "
                               f"{_redact(self.tracking_uri)}: {type(exc).__name__}: {exc}",
                               "mlflow") from exc
        if found is None:
            return None
        client, run_id = self._client, found.info.run_id
        tags, metrics = found.data.tags, found.data.metrics
        keys = store.read_json_artifact(client, run_id, "keys.json") or {}
        names = KeyRegistry()
        names.load(keys.get("metrics", {}), metrics)
        summary = Summary()
        for key, value in metrics.items():
            path = names.path_of(key)
            if path is not None and not key.startswith(SYSTEM):  # system metrics: no summary
                summary.set(path, value)
        if found.info.status != "RUNNING":  # finished properly: its summary is the final word
            for path, value in (store.read_json_artifact(client, run_id, "summary.json") or []):
                if type(value) in (*_NUMBER, str):
                    summary.set(tuple(path), value)
        step = tags.get(store.STEP_TAG)
        config = store.read_json_artifact(client, run_id, "config.json") or {}
        return ExistingRun(next_step=int(step) + 1 if step is not None else 0, summary=summary,
                           config=config)

    def release(self) -> None:
        """Nothing is held before :meth:`start` (the looked-up client holds no lock)."""

    def _lookup(self) -> Any:
        if not self._looked:
            if self._probe is not None:  # else MLflow's own retries wait minutes for a dead server
                self._probe()
            client = self._get_client()
            experiment = client.get_experiment_by_name(self._experiment_name)
            self._found = (None if experiment is None else
                           store.find_run(client, experiment.experiment_id, self._runlog_id))
            self._looked = True
        return self._found

    # -- Backend -----------------------------------------------------------------------------
    def start(self, run: RunStarted) -> None:
        """Remember the run; create (or reopen) the MLflow run if the store answers now."""
        self._run = run
        self._outbox.add(Call(lambda client, run_id: None, "creating the MLflow run"))
        self._outbox.deliver(0.0)

    def write(self, records: Sequence[Record]) -> None:
        """Turn a batch of records into requests, then send what is due."""
        metrics: list[Any] = []
        files: dict[str, bytes] = {}
        tags: dict[str, str] = {}
        last_step: int | None = None
        finished: Finished | None = None
        for record in records:
            kind = type(record)
            if kind is Row or (kind is StaleRow and record.policy == "keep"):
                self._row(record, metrics, files)
                if kind is Row:
                    last_step = record.step
            elif kind is RunStarted:
                self._config = dict(record.config)
                self._config_changed(self._config, files)
            elif kind is ConfigChanged:
                self._config.update(record.values)
                self._config_changed(record.values, files)
            elif kind is MetricDefined:
                self._axes.define(record)
            elif kind is SystemSample:
                metrics += _system_metrics(record)
            elif kind is FileSaved:
                files[_safe_path(record.name)] = record.payload.payload().data
            elif kind is ArtifactLogged:
                _artifact(record, files, tags)
            elif kind is Finished:
                finished = record
                self._summary(record, metrics, files)
        if self._keys.take_new() or self._params.names.take_new():
            files[f"{store.STATE_DIR}/keys.json"] = json.dumps(
                {"metrics": self._keys.irregular, "params": self._params.names.irregular},
                ensure_ascii=False).encode("utf-8")
        self._media_tags(files, tags)
        if last_step is not None:
            tags[store.STEP_TAG] = str(last_step)
        self._queue(metrics, files, tags)
        if finished is not None:
            self._finish_ops(finished)
        if self._outbox.due():
            self._outbox.deliver(0.0)

    def flush(self, timeout: float | None = None) -> bool:
        """Deliver everything queued, retrying an unreachable store for up to ``timeout``
        seconds (``retry_timeout`` when None); True if the store holds it all."""
        budget = self._retry_timeout if timeout is None else min(timeout, self._retry_timeout)
        if self._deadline is not None:
            budget = min(budget, self._deadline - time.monotonic())
        return self._outbox.deliver(budget)

    def close(self, finished: Finished) -> None:
        """Deliver what is left within ``retry_timeout`` of the finish; report any loss."""
        if self._deadline is None:
            self._deadline = time.monotonic() + self._retry_timeout
        if self._outbox.deliver(self._deadline - time.monotonic()):
            return
        logger.error(
            "runlog mlflow backend: %s stayed unreachable for retry_timeout=%g s after the run "
            "finished; NOT delivered to MLflow run %s: %s. Last error: %s. The run's other "
            "backends, if any, still have it.", self._outbox.where, self._retry_timeout,
            self.run_id, self._outbox.pending(), self._outbox.last_error)

    # -- connecting ------------------------------------------------------------------------
    def _get_client(self) -> Any:
        if self._client is None:
            from mlflow import MlflowClient

            store.prepare(self.tracking_uri)
            self._client = MlflowClient(self.tracking_uri)
        return self._client

    def _connect(self) -> tuple[Any, str]:
        """``(client, run id)``, creating or reopening the MLflow run the first time."""
        if self.run_id is not None:
            return self._client, self.run_id
        client = self._get_client()
        run = self._run
        assert run is not None, "start() comes first"
        experiment = store.experiment_id(client, self._experiment_name, self._artifact_location)
        found = self._found if self._looked else store.find_run(client, experiment,
                                                                 self._runlog_id)
        if found is not None and (run.resumed or self._looked):
            self._reopen(client, found)
            self.run_id = found.info.run_id
        else:
            created = client.create_run(experiment, start_time=int(run.start_time * 1000),
                                        tags=self._run_tags(run), run_name=run.name)
            self.run_id = created.info.run_id
        return client, self.run_id

    def _reopen(self, client: Any, found: Any) -> None:
        """Continue a recorded run: take over its key names and params, mark it running."""
        run_id = found.info.run_id
        keys = store.read_json_artifact(client, run_id, "keys.json") or {}
        self._keys.load(keys.get("metrics", {}), found.data.metrics)
        self._params.names.load(keys.get("params", {}), [])
        self._params.load(found.data.params)
        client.update_run(run_id, status="RUNNING")

    def _run_tags(self, run: RunStarted) -> dict[str, str]:
        from mlflow.tracking.context.registry import resolve_tags

        tags = {store.RUN_ID_TAG: run.id, "runlog.version": run.version}
        if run.host:
            tags["runlog.host"] = run.host
        tags.update(_provenance_tags(run))
        if run.notes:
            tags["mlflow.note.content"] = run.notes
        if run.group:
            tags["runlog.group"] = run.group
        if run.job_type:
            tags["runlog.job_type"] = run.job_type
        if run.tags:
            tags["runlog.tags"] = json.dumps(list(run.tags), ensure_ascii=False)
            for label in run.tags:
                tags.setdefault(clean(label), "true")
        return {k: v[:MAX_TAG_VALUE] for k, v in resolve_tags(tags).items()}

    # -- records ---------------------------------------------------------------------------
    def _row(self, row: Row | StaleRow, metrics: list[Any], files: dict[str, bytes]) -> None:
        from mlflow.entities import Metric

        ts = int(row.timestamp * 1000)
        keys = self._keys
        values = row.values
        axes = self._axes.defined
        if axes:
            self._axes.observe(values)
        for path, value in values.items():
            t = type(value)
            if value is None:
                continue
            key = keys.key(path)
            step = self._step_of(path, row.step) if axes else row.step
            if t in _NUMBER:
                metrics.append(Metric(key, float(value), ts, step))
                self._track(key, step, float(value))
            elif t is str:
                files[f"text/{key}/{step}.txt"] = value.encode("utf-8")
            elif isinstance(value, (Media, MediaSequence)):
                out = media.Rendered()
                try:
                    media.render(out, key, step, ts, value, self._warn)
                except Exception as exc:  # noqa: BLE001 - one bad value never stops the run
                    self._warn(key, f"a {value.kind} value could not be written at step {step} "
                                    f"({type(exc).__name__}: {exc}); skipped")
                    continue
                files.update(out.files)
                self._tables += [{"path": p, "type": "table"} for p in out.tables]
                self._images_tagged = self._images_tagged or out.images
                for suffix, number in out.metrics:
                    derived = keys.key(path, suffix=suffix)
                    metrics.append(Metric(derived, number, ts, step))
                    self._track(derived, step, number)
            else:  # a list (or a dict inside one): kept as JSON
                files[f"text/{key}/{step}.json"] = dumps(value).encode("utf-8")

    def _track(self, key: str, step: int, value: float) -> None:
        held = self._latest.get(key)
        if held is None or step >= held[0]:
            self._latest[key] = (step, value)

    def _config_changed(self, values: dict[str, Any], files: dict[str, bytes]) -> None:
        params, changed, long_values = self._params.update(values)
        files.update(long_values)
        files[f"{store.STATE_DIR}/config.json"] = dumps(self._config).encode("utf-8")
        if params or changed:
            from mlflow.entities import Param, RunTag

            items = [Param(k, v) for k, v in params.items()]
            items += [RunTag(k, v) for k, v in changed.items()]
            for i in range(0, len(items), MAX_PARAMS_TAGS):
                chunk = items[i:i + MAX_PARAMS_TAGS]
                self._outbox.add(LogBatch(
                    params=[p for p in chunk if isinstance(p, Param)],
                    tags=[t for t in chunk if isinstance(t, RunTag)]))

    def _step_of(self, path: KeyPath, step: int) -> int:
        """The MLflow step of a leaf: its ``define_metric`` step metric's value when that is
        a whole number, else the runlog step (with a warning, once)."""
        found = self._axes.axis_value(path)
        if found is None:
            return step
        axis, value = found
        if not (math.isfinite(value) and value == int(value)):
            self._warn(".".join(axis), "MLflow steps are integers; a step metric value that is "
                                       "not a whole number is plotted at _step instead")
            return step
        return int(value)

    def _summary(self, done: Finished, metrics: list[Any], files: dict[str, bytes]) -> None:
        """Summary values MLflow does not already show as a metric's latest value become
        ``summary/<key>`` metrics at the final step; the whole summary is
        ``runlog/summary.json``."""
        from mlflow.entities import Metric

        leaves = _leaves(done.summary)
        step = max(done.final_step, max((s for s, _ in self._latest.values()), default=0))
        ts = int(done.end_time * 1000)
        for path, value in leaves.items():
            if path[0].startswith("_") or type(value) not in _NUMBER:
                continue
            key = self._keys.find(path)
            held = None if key is None else self._latest.get(key)
            if held is not None and _same(held[1], float(value)):
                continue
            metrics.append(Metric(self._keys.key(path, prefix="summary/"), float(value), ts,
                                  step))
        files[f"{store.STATE_DIR}/summary.json"] = dumps(
            leaves_to_json(leaves, store=lambda p: p.filename)).encode("utf-8")

    def _media_tags(self, files: dict[str, bytes], tags: dict[str, str]) -> None:
        if self._images_tagged and files and any(f.startswith("images/") for f in files):
            tags["mlflow.loggedImages"] = "True"
        if self._tables and any(f.startswith("tables/") for f in files):
            listed = json.dumps(self._tables)
            if len(listed) > MAX_TAG_VALUE:
                self._warn(LOGGED_ARTIFACTS, "too many tables to list in the mlflow."
                                             "loggedArtifacts tag; the newest are listed")
                while len(json.dumps(self._tables)) > MAX_TAG_VALUE:
                    self._tables.pop(0)
                listed = json.dumps(self._tables)
            tags[LOGGED_ARTIFACTS] = listed

    # -- requests ----------------------------------------------------------------------------
    def _queue(self, metrics: list[Any], files: dict[str, bytes], tags: dict[str, str]) -> None:
        """Queue files first (so a point never names a missing file), then the metric points
        in requests of at most 1000, the tags riding on the last one."""
        from mlflow.entities import RunTag

        if files:
            self._outbox.add(Files(files))
        tag_list = [RunTag(k, v) for k, v in tags.items()]
        chunks = [metrics[i:i + MAX_METRICS] for i in range(0, len(metrics), MAX_METRICS)]
        last = chunks.pop() if chunks else []
        room = min(MAX_PARAMS_TAGS, MAX_METRICS - len(last))
        riding, rest = tag_list[:room], tag_list[room:]
        for chunk in chunks:
            self._outbox.add(LogBatch(metrics=chunk))
        if last or riding:
            self._outbox.add(LogBatch(metrics=last, tags=riding))
        for i in range(0, len(rest), MAX_PARAMS_TAGS):
            self._outbox.add(LogBatch(tags=rest[i:i + MAX_PARAMS_TAGS]))

    def _finish_ops(self, done: Finished) -> None:
        status = STATUS.get(done.status, "FINISHED")
        end = int(done.end_time * 1000)
        self._outbox.add(Call(
            lambda client, run_id: client.set_terminated(run_id, status=status, end_time=end),
            f"the run status {status}"))
        self._deadline = time.monotonic() + self._retry_timeout

    def _warn(self, key: str, message: str) -> None:
        if (key, message) not in self._warned:
            self._warned.add((key, message))
            logger.warning("runlog mlflow backend: %s: %s", key, message)


def _leaves(tree: dict[str, Any], prefix: KeyPath = ()) -> dict[KeyPath, Any]:
    out: dict[KeyPath, Any] = {}
    for key, value in tree.items():
        if type(value) is dict and value:
            out.update(_leaves(value, (*prefix, key)))
        else:
            out[(*prefix, key)] = value
    return out


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _artifact(record: ArtifactLogged, files: dict[str, bytes], tags: dict[str, str]) -> None:
    """An artifact's files as run artifacts ``artifacts/<name>/v<N>/<entry>`` and a tag
    ``runlog.artifact.<name>`` with its version, type, aliases, digest and references."""
    folder = f"artifacts/{record.name}/v{record.version}"
    refs = {}
    for name, value in record.entries.items():
        if type(value) is str:
            refs[name] = value
        else:
            files[_safe_path(f"{folder}/{name}")] = value.payload().data
    facts = {"version": record.version, "type": record.artifact_type,
             "aliases": list(record.aliases), "digest": record.digest, "references": refs}
    text = json.dumps(facts, ensure_ascii=False)
    tags[f"runlog.artifact.{record.name}"] = text[:MAX_TAG_VALUE]


def _safe_path(name: str) -> str:
    """A ``run.save`` name as a run-relative artifact path that stays inside the run."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return "/".join(parts) or "file"


def _redact(uri: str) -> str:
    """The URI without a password, for messages."""
    from urllib.parse import urlparse

    parsed = urlparse(uri)
    if parsed.password:
        return uri.replace(f":{parsed.password}@", ":***@")
    return uri


def factory(options: dict[str, Any], run_dir: Path) -> MlflowBackend:
    """Build the ``mlflow`` backend; options: see :data:`OPTIONS`."""
    try:
        import mlflow  # noqa: F401
    except ModuleNotFoundError as exc:
        raise UsageError("the mlflow backend needs MLflow: pip install 'runlog[mlflow]' "
                         f"({exc})") from None
    return MlflowBackend(options, run_dir)


def _provenance_tags(run: RunStarted) -> dict[str, str]:
    """MLflow's source tags from the run's provenance (they beat what MLflow would guess)."""
    tags = {}
    if run.user:
        tags["mlflow.user"] = run.user
    if run.command:
        tags["mlflow.source.name"] = run.command[0]
        tags["runlog.command"] = json.dumps(list(run.command), ensure_ascii=False)
    if run.python:
        tags["runlog.python"] = run.python
    git = run.git or {}
    for field, tag in (("commit", "mlflow.source.git.commit"),
                       ("branch", "mlflow.source.git.branch"),
                       ("remote", "mlflow.source.git.repoURL")):
        if git.get(field):
            tags[tag] = str(git[field])
    if git.get("dirty") is not None:
        tags["runlog.git.dirty"] = str(git["dirty"]).lower()
    return tags


def _system_metrics(sample: SystemSample) -> list[Any]:
    """System metrics as ``system/<name>`` points; step = whole seconds since the session
    started."""
    from mlflow.entities import Metric

    ts, step = int(sample.timestamp * 1000), int(sample.runtime)
    return [Metric(SYSTEM + name, float(v), ts, step) for name, v in sample.values.items()]
