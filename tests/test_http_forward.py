"""``runlog serve --to``: every run forwarded into another backend, in order, exactly once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import runlog
from _http_collector import NO_SIGNALS, Collector, wait_for
from test_tb_support import read, scalars

pytestmark = pytest.mark.slow

FLAKY = '''
"""A third-party backend that fails while a flag file exists."""
from pathlib import Path

import pluggy
from runlog.backends import Capabilities, ExistingRun

hookimpl = pluggy.HookimplMarker("runlog")


class Flaky:
    name = "flaky"
    capabilities = Capabilities(resume=True)

    def __init__(self, options, run_dir):
        self.out = Path(options["out"])
        self.run_id = run_dir.name

    def existing_run(self):
        mine = [line.split() for line in self.out.read_text().splitlines()
                if line.startswith(self.run_id + " ")] if self.out.exists() else []
        return ExistingRun(next_step=int(mine[-1][1]) + 1) if mine else None

    def start(self, run):
        pass

    def write(self, records):
        if (self.out.parent / "broken").exists():
            raise RuntimeError("the target is down")
        with open(self.out, "a") as f:
            for r in records:
                if type(r).__name__ == "Row":
                    f.write(f"{self.run_id} {r.step} {r.values[('x',)]}\\n")

    def flush(self, timeout):
        return True

    def close(self, finished):
        pass


@hookimpl
def runlog_backends():
    return {"flaky": Flaky}
'''


def _log(url: str, run_id: str, rows: int) -> None:
    run = runlog.init(project="p", id=run_id, settings=NO_SIGNALS,
                      backends=[{"http": {"url": url}}])
    for step in range(rows):
        run.log({"x": step, "loss": 1.0 / (step + 1)})
    run.finish()


def test_forwarded_to_tb_and_read_back_with_tensorboard(tmp_path: Path) -> None:
    with Collector(tmp_path / "D", to=("tb",)) as collector:
        _log(collector.url, "tbrun", 20)
        logdir = tmp_path / "D" / "p" / "tbrun"

        def forwarded() -> bool:
            return any(logdir.glob("events.out.tfevents.*")) and len(
                scalars(read(logdir), "loss")) == 20

        wait_for(forwarded, what="tb events")
    assert scalars(read(logdir), "loss") == [(s, pytest.approx(1.0 / (s + 1))) for s in range(20)]


def test_forwarded_to_mlflow_and_read_back_with_mlflow_client(tmp_path: Path) -> None:
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with Collector(tmp_path / "D", to=(f"mlflow:tracking_uri={uri}",)) as collector:
        _log(collector.url, "mlrun", 20)

        def forwarded() -> list:
            client = MlflowClient(uri)
            experiment = client.get_experiment_by_name("p")
            if experiment is None:
                return []
            runs = client.search_runs([experiment.experiment_id])
            if not runs or runs[0].info.status != "FINISHED":
                return []
            return client.get_metric_history(runs[0].info.run_id, "loss")

        wait_for(lambda: len(forwarded()) == 20, what="mlflow metrics")
        history = sorted(forwarded(), key=lambda m: m.step)
    assert [(m.step, m.value) for m in history] == [
        (s, pytest.approx(1.0 / (s + 1))) for s in range(20)]


def test_a_failing_target_does_not_stop_ingest_and_catches_up(tmp_path: Path) -> None:
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "flaky_target.py").write_text(FLAKY)
    out = tmp_path / "out" / "rows.txt"
    out.parent.mkdir()
    (out.parent / "broken").touch()
    collector = Collector(tmp_path / "D", to=(f"flaky:out={out}",), plugins=("flaky_target",),
                          pythonpath=tmp_path / "plugins")
    collector.start()
    try:
        _log(collector.url, "r1", 30)
        assert len(runlog.read(tmp_path / "D" / "p" / "r1").history) == 30  # ingest went on
        assert not out.exists()
        (out.parent / "broken").unlink()
        wait_for(lambda: out.exists() and len(out.read_text().splitlines()) == 30,
                 what="forwarding to catch up")

        cursors = tmp_path / "D" / ".forward"
        wait_for(lambda: '"p/r1": {"records": 32' in "".join(
            p.read_text() for p in cursors.glob("*.json")), what="the cursor saved")
        collector.kill()  # the cursor survives: r1 is not forwarded again
        collector.start()
        _log(collector.url, "r2", 10)
        wait_for(lambda: len(out.read_text().splitlines()) == 40, what="r2 forwarded")
    finally:
        collector.stop()
    lines = out.read_text().splitlines()
    assert lines == [f"r1 {s} {s}" for s in range(30)] + [f"r2 {s} {s}" for s in range(10)]
    log = collector.log.read_text()
    assert log.count("forwarding run p/r1 to flaky") == 1, log

    # a crash after the target flushed but before the cursor was saved: the cursor is behind
    for path in cursors.glob("*.json"):
        cursor = json.loads(path.read_text())
        cursor["runs"]["p/r1"] = {"records": 0, "offset": 0}
        path.write_text(json.dumps(cursor))
    collector.start()
    try:
        wait_for(lambda: '"p/r1": {"records": 32' in "".join(
            p.read_text() for p in cursors.glob("*.json")), what="r1 replayed")
    finally:
        collector.stop()
    assert out.read_text().splitlines() == lines  # the target said what it had: no duplicate
