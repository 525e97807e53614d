"""``runlog sync``: a recorded run replayed into another backend keeps its steps, timestamps,
values, config and summary; syncing again, or after a ``kill -9`` half-way, never duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import runlog
from runlog.migrate.sync import sync
from tensorboard.backend.event_processing import event_accumulator as ea

ALL = {ea.SCALARS: 0, ea.IMAGES: 0, ea.HISTOGRAMS: 0, ea.TENSORS: 0}


def _source(tmp_path: Path, rows: int = 20) -> Path:
    run = runlog.init(project="p", id="src", dir=tmp_path / "runs", config={"lr": 0.25},
                      backends=["files"], settings={"handle_signals": False})
    for step in range(rows):
        run.log({"loss": 1.0 / (step + 1), "train": {"acc": step / rows}})
    run.log({"picture": runlog.Image(np.full((4, 4, 3), 7, dtype=np.uint8))})
    run.summary["best"] = 0.5
    run.finish()
    return tmp_path / "runs" / "p" / "src"


def _scalars(logdir: Path, tag: str) -> list[tuple[int, float, float]]:
    acc = ea.EventAccumulator(str(logdir), size_guidance=ALL).Reload()
    return [(e.step, e.wall_time, e.value) for e in acc.Scalars(tag)]


def test_sync_to_tb_keeps_steps_timestamps_and_values(tmp_path):
    src = _source(tmp_path)
    source = runlog.read(src)

    report = sync(src, f"tb:logdir={tmp_path / 'tb'}")

    assert report.sent == {"tb": (0, 21)}
    got = _scalars(tmp_path / "tb" / "src", "loss")
    want = [(r["_step"], r["_timestamp"], r["loss"]) for r in source.history if "loss" in r]
    assert [(s, t) for s, t, _ in got] == [(s, pytest.approx(t)) for s, t, _ in want]
    assert [v for _, _, v in got] == pytest.approx([v for _, _, v in want], rel=1e-6)
    acc = ea.EventAccumulator(str(tmp_path / "tb" / "src"), size_guidance=ALL).Reload()
    (image,) = acc.Images("picture")
    assert image.step == 20


def test_sync_twice_sends_only_what_is_new(tmp_path):
    src = _source(tmp_path)
    target = f"tb:logdir={tmp_path / 'tb'}"
    sync(src, target)

    again = sync(src, target)

    assert again.sent == {"tb": (None, 0)}
    steps = [s for s, _, _ in _scalars(tmp_path / "tb" / "src", "loss")]
    assert steps == list(range(20))


def test_dry_run_sends_nothing(tmp_path):
    src = _source(tmp_path)

    report = sync(src, f"tb:logdir={tmp_path / 'tb'}", dry_run=True)

    assert report.sent == {"tb": (0, 21)}
    assert report.lines() == [f"{src}: would send 21 rows to tb from step 0"]
    assert not (tmp_path / "tb").exists()


def test_sync_to_a_second_files_directory_and_to_two_targets(tmp_path):
    src = _source(tmp_path)
    source = runlog.read(src)

    sync(src, ["files:dir=" + str(tmp_path / "copy"), f"tb:logdir={tmp_path / 'tb'}"])

    copy = runlog.read(tmp_path / "copy" / "p" / "src")
    strip = [{k: v for k, v in r.items() if k != "picture"} for r in source.history]
    assert [{k: v for k, v in r.items() if k != "picture"} for r in copy.history] == strip
    assert copy.history[-1]["picture"] == source.history[-1]["picture"]
    assert copy.config == {"lr": 0.25} and copy.summary["best"] == 0.5
    assert copy.status == "finished"
    assert [s for s, _, _ in _scalars(tmp_path / "tb" / "src", "loss")] == list(range(20))


SYNC = textwrap.dedent("""
    import sys
    from runlog.migrate.sync import sync
    sync(sys.argv[1], sys.argv[2])
    print("done", flush=True)
""")


@pytest.mark.slow
def test_sync_killed_half_way_then_run_again_ends_complete_without_duplicates(tmp_path):
    rows = 30_000
    run = runlog.init(project="p", id="big", dir=tmp_path / "runs", backends=["files"],
                      settings={"handle_signals": False})
    for step in range(rows):
        run.log({"x": float(step)})
    run.finish()
    src = tmp_path / "runs" / "p" / "big"
    target = f"tb:logdir={tmp_path / 'tb'},flush_secs=0.05"
    logdir = tmp_path / "tb" / "big"
    proc = subprocess.Popen([sys.executable, "-c", SYNC, str(src), target],
                            stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        sizes = sum(p.stat().st_size for p in logdir.glob("events*")) if logdir.is_dir() else 0
        if sizes > 100_000:  # part of the run is on disk: kill it now
            break
        time.sleep(0.01)
    killed_early = proc.poll() is None
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    steps_before = {s for s, _, _ in _scalars(logdir, "x")}
    assert killed_early and 0 < len(steps_before) < rows, "the sync was not cut half-way"

    sync(src, target)

    got = [(s, v) for s, _, v in _scalars(logdir, "x")]
    assert [s for s, _ in got] == list(range(rows))  # every step once, in order
    assert all(v == float(s) for s, v in got)


def test_sync_to_mlflow_read_back_with_mlflow_client_and_twice_without_duplicates(tmp_path):
    from mlflow.tracking import MlflowClient

    src = _source(tmp_path)
    source = runlog.read(src)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"

    first = runlog.sync(src, f"mlflow:tracking_uri={uri}")
    again = runlog.sync(src, f"mlflow:tracking_uri={uri}")

    assert first.sent == {"mlflow": (0, 21)} and again.sent == {"mlflow": (None, 0)}
    client = MlflowClient(uri)
    (run,) = client.search_runs([client.get_experiment_by_name("p").experiment_id])
    assert run.data.tags["runlog.run_id"] == "src" and run.info.status == "FINISHED"
    history = sorted(client.get_metric_history(run.info.run_id, "loss"), key=lambda m: m.step)
    want = [(r["_step"], int(r["_timestamp"] * 1000), r["loss"])
            for r in source.history if "loss" in r]
    assert [(m.step, m.timestamp, m.value) for m in history] == want
    assert run.data.params["lr"] == "0.25"


def test_sync_to_http_arrives_at_the_collector_equal_to_the_source(tmp_path):
    from _http_collector import Collector

    src = _source(tmp_path)
    source = runlog.read(src)
    with Collector(tmp_path / "D") as collector:
        runlog.sync(src, f"http:url={collector.url}")
        again = runlog.sync(src, f"http:url={collector.url}")
        stored = runlog.read(tmp_path / "D" / "p" / "src")
        remote = runlog.read(f"{collector.url}/p/src")
        assert again.sent == {"http": (None, 0)}
        assert stored.history == source.history
        assert remote.history == source.history
        assert stored.config == source.config and stored.summary == source.summary
        assert stored.status == "finished"


def test_a_spooled_run_replays_into_any_backend(tmp_path):
    from _http_collector import free_port

    url = f"http://127.0.0.1:{free_port()}"  # no collector there: everything stays spooled
    run = runlog.init(project="p", id="offline", dir=tmp_path / "runs",
                      settings={"handle_signals": False},
                      backends=[{"http": {"url": url, "retry_for": 0.2, "close_timeout": 0.5}}])
    for step in range(30):
        run.log({"x": float(step)})
    run.log({"img": runlog.Image(np.full((3, 3, 3), 9, dtype=np.uint8))})
    run.finish()
    spooled = tmp_path / "runs" / ".http-spool" / "p" / "offline"

    out = subprocess.run(
        [sys.executable, "-m", "runlog._cli", "sync", str(spooled), "--to",
         f"files:dir={tmp_path / 'copy'}"],
        capture_output=True, text=True, timeout=120,
    )

    assert out.returncode == 0, out.stderr
    copy = runlog.read(tmp_path / "copy" / "p" / "offline")
    assert [r["_step"] for r in copy.history] == list(range(31))
    assert [r["x"] for r in copy.history[:30]] == [float(s) for s in range(30)]
    assert copy.history[30]["img"].to_numpy()[0, 0].tolist() == [9, 9, 9]
    assert copy.status == "finished"
