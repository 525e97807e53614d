"""Where the run goes: the tracking URI, the client, the experiment, and finding a run by id.

The tracking URI is the option ``tracking_uri``, else ``MLFLOW_TRACKING_URI``, else
``sqlite:///<run root>/mlflow.db``. Authentication to a server is MLflow's own
(``MLFLOW_TRACKING_TOKEN``, ``MLFLOW_TRACKING_USERNAME`` / ``MLFLOW_TRACKING_PASSWORD``).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

#: the tag that names the runlog run an MLflow run records
RUN_ID_TAG = "runlog.run_id"
#: the last committed runlog step delivered to the run
STEP_TAG = "runlog.step"
STATE_DIR = "runlog"  # artifact folder of runlog's own files (config, summary, key map)
HEALTH_TIMEOUT = 2.0


def tracking_uri(option: Any, run_root: Path) -> str:
    """The tracking URI to use (see the module docstring)."""
    if option:
        return str(option)
    env = os.environ.get("MLFLOW_TRACKING_URI", "").strip()
    if env:
        return env
    return f"sqlite:///{run_root / 'mlflow.db'}"


def is_server(uri: str) -> bool:
    """True for an ``http(s)://`` tracking server."""
    return urlparse(uri).scheme in ("http", "https")


def _sqlite_file(uri: str) -> Path | None:
    if not uri.startswith("sqlite:///"):
        return None
    db = uri[len("sqlite:///"):].split("?", 1)[0]
    return None if db in ("", ":memory:") else Path(db)


def prepare(uri: str) -> None:
    """Create the folder of a sqlite database file (sqlite creates the file, not folders)."""
    db = _sqlite_file(uri)
    if db is not None:
        db.parent.mkdir(parents=True, exist_ok=True)


def default_artifact_location(uri: str) -> str | None:
    """Where a new experiment keeps artifacts when the store has no artifact service: beside
    a sqlite file (``mlartifacts/``); None lets MLflow decide (servers, other databases)."""
    db = _sqlite_file(uri)
    return None if db is None else (db.parent / "mlartifacts").absolute().as_uri()


def make_probe(uri: str) -> Any:
    """A fast health check of a tracking server (None for database URIs)."""
    if not is_server(uri):
        return None
    import requests

    from .outbox import ServerDown

    url = uri.rstrip("/") + "/health"
    session = requests.Session()

    def probe() -> None:
        try:
            response = session.get(url, timeout=HEALTH_TIMEOUT)
        except requests.RequestException as exc:
            raise ServerDown(f"{url}: {type(exc).__name__}") from None
        if response.status_code in (502, 503, 504):
            raise ServerDown(f"{url}: HTTP {response.status_code}")

    return probe


def experiment_id(client: Any, name: str, artifact_location: str | None) -> str:
    """The id of experiment ``name``, created if missing (also when another process races)."""
    from mlflow.exceptions import MlflowException

    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    try:
        return client.create_experiment(name, artifact_location=artifact_location)
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
        return client.get_experiment_by_name(name).experiment_id


def find_run(client: Any, experiment: str, runlog_id: str) -> Any:
    """The newest MLflow run of ``experiment`` tagged with ``runlog_id``, or None."""
    if "'" in runlog_id:
        return None  # runlog ids never hold quotes; nothing to find
    runs = client.search_runs(
        [experiment], filter_string=f"tags.`{RUN_ID_TAG}` = '{runlog_id}'",
        order_by=["attributes.start_time DESC"], max_results=1,
    )
    return runs[0] if runs else None


def read_json_artifact(client: Any, run_id: str, name: str) -> Any:
    """The JSON artifact ``runlog/<name>`` of a run, or None if it has none."""
    listed = {f.path for f in client.list_artifacts(run_id, STATE_DIR)}
    path = f"{STATE_DIR}/{name}"
    if path not in listed:
        return None
    with tempfile.TemporaryDirectory(prefix="runlog-mlflow-") as tmp:
        local = client.download_artifacts(run_id, path, tmp)
        return json.loads(Path(local).read_text(encoding="utf-8"))
