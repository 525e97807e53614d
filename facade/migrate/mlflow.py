"""``runlog import mlflow``: MLflow runs (any tracking URI) into the files layout.

Each metric's history is read page by page and the pages of all metrics are merged by
(timestamp, step), so memory stays bounded by the number of metrics, not the length of the
run. Points at one step become one history row; params become config (JSON values decoded),
``mlflow.runName`` the name, ``mlflow.note.content`` the notes, the other non-system tags
``key=value`` run tags, and artifacts saved files (``files/``). MLflow keeps no steps for
arbitrary artifacts, so images logged as artifacts come over as files; the report says so.
"""

from __future__ import annotations

import heapq
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
from runlog.backends.mlflow.keys import KeyRegistry
from runlog.backends.mlflow.store import RUN_ID_TAG, STATE_DIR, read_json_artifact
from runlog.typespec.errors import UsageError
from runlog.typespec.records import FileSaved, RunStarted, nest

from ._target import FilesTarget, ImportReport, safe_id

_PAGE = 10_000
_STATUS = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "preempted"}
_NOTE, _NAME = "mlflow.note.content", "mlflow.runName"
#: tags runlog's own mlflow backend writes, restored to the fields they came from
_GROUP, _JOB_TYPE = "runlog.group", "runlog.job_type"


def _client(tracking_uri: str) -> Any:
    try:
        from mlflow.tracking import MlflowClient
    except ModuleNotFoundError as exc:
        raise UsageError(
            "importing from MLflow needs the 'mlflow' package: pip install 'runlog[mlflow]'"
            f" ({exc})"
        ) from None
    return MlflowClient(tracking_uri=tracking_uri)


def import_mlflow(
    tracking_uri: str,
    dir: str | os.PathLike,
    experiment: str | None = None,
    run_id: str | None = None,
    project: str | None = None,
) -> list[ImportReport]:
    """Import MLflow runs into ``<dir>/<project>/<run id>``: one run (``run_id``), every run
    of ``experiment`` (by name), or every run of every experiment. ``project`` defaults to
    the experiment's name."""
    client = _client(tracking_uri)
    if run_id is not None:
        runs = [client.get_run(run_id)]
    else:
        if experiment is not None:
            found = client.get_experiment_by_name(experiment)
            if found is None:
                raise UsageError(f"no MLflow experiment named {experiment!r} at {tracking_uri}")
            ids = [found.experiment_id]
        else:
            ids = [e.experiment_id for e in client.search_experiments()]
        runs = _all_runs(client, ids)
    store = _store(tracking_uri)
    return [_import_run(client, store, run, Path(dir), project, tracking_uri) for run in runs]


def _all_runs(client: Any, experiment_ids: list[str]) -> Iterator[Any]:
    token = None
    while True:
        page = client.search_runs(experiment_ids, max_results=1000, page_token=token,
                                  order_by=["attributes.start_time ASC"])
        yield from page
        token = page.token
        if not token:
            return


def _store(tracking_uri: str) -> Any:
    """The tracking store, whose ``get_metric_history`` pages (the client's does not)."""
    from mlflow.tracking._tracking_service.utils import _get_store

    return _get_store(tracking_uri)


def _import_run(client: Any, store: Any, run: Any, root: Path, project: str | None,
                tracking_uri: str) -> ImportReport:
    info, data = run.info, run.data
    tags = dict(data.tags)
    experiment = client.get_experiment(info.experiment_id).name
    started = RunStarted(
        id=safe_id(tags.get(RUN_ID_TAG) or info.run_id),
        project=safe_id(project or experiment),
        name=tags.get(_NAME) or info.run_name or info.run_id,
        start_time=(info.start_time or 0) / 1000,
        group=tags.get(_GROUP), job_type=tags.get(_JOB_TYPE),
        tags=tuple(f"{k}={v}" if v else k for k, v in sorted(tags.items())
                   if not k.startswith(("mlflow.", "runlog."))),
        notes=tags.get(_NOTE), config={k: _param(v) for k, v in data.params.items()},
        host="", origin={"tool": "mlflow", "tracking_uri": _redacted(tracking_uri),
                         "experiment": experiment, "run_id": info.run_id},
    )
    names, own_config, own_summary = _runlog_state(client, info.run_id)
    if own_config is not None:
        started = attrs.evolve(started, config=own_config)
    target = FilesTarget(root, started)
    try:
        end = started.start_time
        keys = {k: path for k in sorted(data.metrics) if (path := names.path_of(k)) is not None}
        for step, timestamp, values in _rows(store, info.run_id, keys):
            target.row(step, timestamp, values)
            end = max(end, timestamp)
        _artifacts(client, info.run_id, target)
    except BaseException:
        target.abort()
        raise
    status = _STATUS.get(info.status)
    if status is None:
        target.skip(f"the run's status {info.status} (it had not ended; imported as failed)")
        status = "failed"
    end_time = info.end_time / 1000 if info.end_time else end
    return target.finish(status, end_time, exit_code=0 if status == "finished" else 1,
                         summary=own_summary)


def _runlog_state(client: Any, run_id: str) -> tuple[Any, dict | None, dict | None]:
    """The key map, config and summary runlog's mlflow backend kept in the run (empty for a
    run MLflow's own API wrote)."""
    names = KeyRegistry()
    keys = read_json_artifact(client, run_id, "keys.json") or {}
    names.load(keys.get("metrics", {}), ())
    config = read_json_artifact(client, run_id, "config.json")
    leaves = read_json_artifact(client, run_id, "summary.json")
    summary = None if leaves is None else nest({
        tuple(path): value for path, value in leaves
        if type(value) in (int, float, bool, str) or value is None})
    return names, config, summary


def _param(text: str) -> Any:
    """A param as written: runlog's mlflow backend JSON-encodes values; other strings stay."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _redacted(uri: str) -> str:
    """The URI without a password (``user:secret@`` → ``user@``)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _history(store: Any, run_id: str, key: str,
             path: tuple[str, ...]) -> Iterator[tuple[int, int, tuple[str, ...], float]]:
    """``(timestamp ms, step, path, value)`` of one metric, page by page, oldest first."""
    token = None
    while True:
        page = store.get_metric_history(run_id, key, max_results=_PAGE, page_token=token)
        for m in page:
            yield m.timestamp, m.step, path, m.value
        token = getattr(page, "token", None)
        if not token:
            return


def _rows(store: Any, run_id: str,
          keys: dict[str, tuple[str, ...]]) -> Iterator[tuple[int, float, dict]]:
    """History rows: the metrics' points (MLflow key -> runlog path) merged by time, one row
    per run of equal steps."""
    merged = heapq.merge(*(_history(store, run_id, k, p) for k, p in keys.items()))
    step: int | None = None
    stamp = 0
    values: dict[tuple[str, ...], float] = {}
    for timestamp, at, path, value in merged:
        if values and (at != step or path in values):
            yield step, stamp / 1000, values
            values = {}
        if not values:
            step, stamp = at, timestamp
        values[path] = value
    if values:
        yield step, stamp / 1000, values


def _artifacts(client: Any, run_id: str, target: FilesTarget, path: str | None = None) -> None:
    """Every artifact of the run as a saved file, downloaded one at a time."""
    from runlog.typespec.media.file import File

    for item in client.list_artifacts(run_id, path):
        if item.path == STATE_DIR:
            continue  # runlog's bookkeeping, read above
        if item.is_dir:
            _artifacts(client, run_id, target, item.path)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            local = client.download_artifacts(run_id, item.path, tmp)
            target.add(FileSaved(item.path, File(local)))
            target.flush()
        if item.path.startswith("images/"):
            target.skip("images logged with mlflow.log_image (kept as files, without steps)")
