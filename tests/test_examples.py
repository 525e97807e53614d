"""The scripts and packages in examples/, run as a user runs them, with assertions on what
they produced."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import runlog

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_python(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_ci_testing_example_passes_with_the_fixture(tmp_path):
    shutil.copytree(EXAMPLES / "ci_testing", tmp_path / "ci_testing")
    result = run_python("-m", "pytest", "-q", "-p", "no:cacheprovider", "ci_testing",
                        cwd=tmp_path)
    assert "3 passed" in result.stdout


@pytest.fixture
def csv_plugin(tmp_path):
    """examples/plugin_backend installed with pip into this environment, uninstalled after."""
    source = tmp_path / "plugin_backend"
    shutil.copytree(EXAMPLES / "plugin_backend", source)  # the build writes next to the source
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--no-deps", "--no-build-isolation", str(source)],
                   check=True, capture_output=True, timeout=180)
    try:
        yield
    finally:
        subprocess.run([*pip, "uninstall", "-y", "runlog-csv"], check=True, capture_output=True,
                       timeout=120)


PLUGIN_RUN = """
import csv, warnings
import runlog

warnings.simplefilter("error")  # the example raises no warning
run = runlog.init(project="p", id="r", dir=".", backends=["files", "csv:flush_every=2"],
                  settings={"handle_signals": False})
for step in range(3):
    run.log({"train": {"loss": 1 / (step + 1)}, "note": f"step {step}"})
run.finish()
with open("p/r/metrics.csv", newline="") as f:
    print(list(csv.reader(f)))
"""

PLUGIN_MEDIA = """
import json, time
from pathlib import Path
import numpy as np
import runlog
from runlog._registry import installed_backends
from runlog.typespec import Finished, Row, RunStarted

factory, plugin = installed_backends()["csv"]
backend = factory({}, Path("run"))
image = runlog.Image(np.full((2, 3, 3), 200, dtype=np.uint8))
backend.start(RunStarted(id="r", project="p", name="r", start_time=time.time()))
backend.write([Row(0, time.time(), 0.1, {("img",): image, ("xs",): [1, 2]})])
backend.close(Finished(0, "finished", {}, time.time()))
print(json.dumps({"plugin": plugin, "csv": Path("run/metrics.csv").read_text(),
                  "sha": image.payload().sha256, "data": image.payload().data.hex()}))
"""


def test_the_plugin_package_installs_with_pip_and_is_selected_by_name(csv_plugin, tmp_path):
    listed = subprocess.run([str(Path(sys.executable).with_name("runlog")), "backends"],
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and "runlog_csv.factory" in listed.stdout
    result = run_python("-c", PLUGIN_RUN, cwd=tmp_path)
    rows = ast.literal_eval(result.stdout)  # the printed list of CSV rows
    assert rows[0] == ["step", "timestamp", "runtime", "key", "value"]
    assert [(r[0], r[3], r[4]) for r in rows[1:]] == [
        ("0", "train/loss", "1.0"), ("0", "note", "step 0"),
        ("1", "train/loss", "0.5"), ("1", "note", "step 1"),
        ("2", "train/loss", "0.3333333333333333"), ("2", "note", "step 2"),
    ]
    assert runlog.read(tmp_path / "p" / "r").metadata["backends"] == ["files", "csv"]


def test_the_plugin_writes_media_bytes_and_rejects_a_bad_option(csv_plugin, tmp_path):
    import json

    out = json.loads(run_python("-c", PLUGIN_MEDIA, cwd=tmp_path).stdout)
    lines = out["csv"].splitlines()
    assert lines[1].endswith(f",img,csv_media/{out['sha']}.png")
    assert lines[2].endswith(',xs,"[1, 2]"')
    stored = tmp_path / "run" / "csv_media" / f"{out['sha']}.png"
    assert stored.read_bytes() == bytes.fromhex(out["data"])
    bad = subprocess.run(
        [sys.executable, "-c", "import runlog; runlog.init(backends=['csv:flush_every=0'])"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert "option 'flush_every' must be an int >= 1, got int 0" in bad.stderr


def test_multi_backend_writes_the_same_run_to_files_tensorboard_and_mlflow(tmp_path):
    from mlflow.tracking import MlflowClient
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run_python(str(EXAMPLES / "multi_backend.py"), str(tmp_path), cwd=tmp_path)
    (run_dir,) = (tmp_path / "multi").iterdir()
    history = runlog.read(run_dir).history
    assert len(history) == 20
    events = EventAccumulator(str(run_dir), size_guidance={"scalars": 0, "histograms": 0})
    events.Reload()
    scalars = events.Scalars("train/loss")
    assert [e.step for e in scalars] == list(range(20))
    assert [e.value for e in scalars] == pytest.approx([row["train"]["loss"] for row in history])
    assert len(events.Histograms("weights")) == 20
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    (mlrun,) = client.search_runs([client.get_experiment_by_name("multi").experiment_id])
    losses = sorted(client.get_metric_history(mlrun.info.run_id, "train/loss"),
                    key=lambda m: m.step)
    assert [m.step for m in losses] == list(range(20))
    assert [m.value for m in losses] == pytest.approx([row["train"]["loss"] for row in history])


def test_resume_continues_one_history_over_two_sessions(tmp_path):
    result = run_python(str(EXAMPLES / "resume.py"), str(tmp_path), cwd=tmp_path)
    assert "session starts at step 5" in result.stdout
    recorded = runlog.read(tmp_path / "resume" / "long-job")
    assert recorded.metadata["sessions"] == 2 and recorded.status == "finished"
    assert [(row["_step"], row["epoch"]) for row in recorded.history] == [
        (i, i) for i in range(10)]


def test_threads_log_every_row_once_and_whole(tmp_path):
    run_python(str(EXAMPLES / "threads.py"), str(tmp_path), cwd=tmp_path)
    (run_dir,) = (tmp_path / "threads").iterdir()
    history = runlog.read(run_dir).history
    assert [row["_step"] for row in history] == list(range(200))
    per_worker: dict[int, list[int]] = {}
    for row in history:
        worker = row["worker"]
        assert set(row) - {"_step", "_runtime", "_timestamp"} == {"worker", f"worker{worker}/i"}
        per_worker.setdefault(worker, []).append(row[f"worker{worker}/i"])
    assert per_worker == {w: list(range(50)) for w in range(4)}


def test_quickstart_logs_a_finished_run_and_prints_it(tmp_path):
    result = run_python(str(EXAMPLES / "quickstart.py"), cwd=tmp_path)
    first = result.stdout.splitlines()[0]  # "run <id> in <dir> (finished)"
    run_dir = Path(first.split(" in ", 1)[1].rsplit(" (", 1)[0])
    assert first.endswith("(finished)") and run_dir.is_relative_to(tmp_path)
    recorded = runlog.read(run_dir)
    history = recorded.history
    assert recorded.rows == 16 and recorded.status == "finished"  # 15 steps + the open row
    assert [row["epoch"] for row in history[:15]] == [e for e in range(3) for _ in range(5)]
    assert [row["val/acc"] for row in history if "val/acc" in row] == pytest.approx(
        [0.6, 0.7, 0.8])  # each joined the next row; finish() committed the last
    assert recorded.summary["val/acc"] == {"max": pytest.approx(0.8)}  # summary="max"
    assert recorded.config == {"lr": 0.01, "epochs": 3, "batch_size": 32}
