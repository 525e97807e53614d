"""Real MLflow stores for the mlflow backend's tests and read-back helpers.

A tracking server and a PostgreSQL cluster, both on 127.0.0.1 and a free port, each stopped
through the process the test started.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

STARTUP_TIMEOUT = 90.0


@pytest.fixture(autouse=True)
def mlflow_env(monkeypatch):
    """No artifact progress bars, and no MLFLOW_TRACKING_URI from the caller's shell."""
    monkeypatch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MlflowServer:
    """``mlflow server`` (one worker, no job runner) serving artifacts through its proxy."""

    def __init__(self, backend_store: str, artifacts: Path, port: int | None = None) -> None:
        self.backend_store = backend_store
        self.artifacts = artifacts
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = artifacts.parent / f"server-{self.port}.log"

    def start(self) -> MlflowServer:
        env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "mlflow", "server", "--backend-store-uri",
                 self.backend_store, "--artifacts-destination", str(self.artifacts),
                 "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mlflow server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"mlflow server not ready in {STARTUP_TIMEOUT} s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server's process group (the uvicorn worker included)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(15)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _port_open(self.port):
            time.sleep(0.2)
        self.proc = None


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class PostgresCluster:
    """A throwaway PostgreSQL cluster; as root it runs as the ``postgres`` user (PostgreSQL
    refuses root). Binaries come from PATH or Debian's ``/usr/lib/postgresql/<v>/bin``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="runlog-pg-"))
        self._prefix: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self._prefix = ["runuser", "-u", "postgres", "--"]
        self.data = self.dir / "data"
        found = shutil.which("initdb") or next(
            iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)), None)
        if found is None:
            raise RuntimeError("PostgreSQL's initdb is not installed (.ci/run installs it)")
        self._bin = Path(found).parent

    def _as_postgres(self, tool: str, *args: str) -> None:
        subprocess.run([*self._prefix, str(self._bin / tool), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def start(self) -> PostgresCluster:
        self._as_postgres("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self._as_postgres(
            "pg_ctl", "-D", str(self.data), "-l", str(self.dir / "pg.log"), "-w", "-t", "60",
            "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start")
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE mlflow")
        return self

    @property
    def uri(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/mlflow"

    def stop(self) -> None:
        """``pg_ctl stop`` signals the postmaster by the pid in its pid file."""
        try:
            self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def artifact_paths(client: Any, run_id: str, path: str | None = None) -> list[str]:
    """Every artifact file of a run, walking folders."""
    out = []
    for info in client.list_artifacts(run_id, path):
        out += artifact_paths(client, run_id, info.path) if info.is_dir else [info.path]
    return out


def history(client: Any, run_id: str, key: str) -> list[tuple[int, float, int]]:
    """``(step, value, timestamp)`` of a metric, in step order."""
    points = client.get_metric_history(run_id, key)
    return sorted((m.step, m.value, m.timestamp) for m in points)


def the_run(client: Any, project: str, runlog_id: str) -> Any:
    """The single MLflow run of ``project`` recording runlog run ``runlog_id``."""
    experiment = client.get_experiment_by_name(project)
    runs = client.search_runs([experiment.experiment_id],
                              filter_string=f"tags.`runlog.run_id` = '{runlog_id}'")
    assert len(runs) == 1, [r.info.run_id for r in runs]
    return runs[0]
