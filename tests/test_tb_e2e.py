"""``runlog.init(backends=["tb"])`` end to end, read back with TensorBoard's reader and server."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import runlog
from test_tb_support import fenced_json, read, scalars, texts

NO_SIGNALS = {"handle_signals": False}


def test_log_config_summary_and_media(tmp_path: Path) -> None:
    run = runlog.init(project="proj", backends=["tb", "memory"], dir=tmp_path,
                      config={"lr": 0.1, "net": {"depth": 4}}, settings=NO_SIGNALS)
    run.config.update({"batch": 32})
    for i in range(5):
        run.log({"train": {"loss": 1.0 / (i + 1)}, "acc @ top1": i / 10})
    run.log({"img": runlog.Image(np.full((4, 4, 3), 200, np.uint8)),
             "hist": runlog.Histogram(np_histogram=([1, 2], [0.0, 1.0, 2.0]))})
    run.summary["best"] = 0.75
    timestamps = [r["_timestamp"] for r in run.backends["memory"].history]
    run.finish()

    logdir = tmp_path / "proj" / run.id
    assert run.backends["tb"].logdir == logdir
    acc = read(logdir)
    loss = acc.Scalars("train/loss")
    assert [(e.step, round(e.value, 6)) for e in loss] == [
        (i, round(1.0 / (i + 1), 6)) for i in range(5)]
    assert [e.wall_time for e in loss] == timestamps[:5]
    assert scalars(acc, "acc_x20_x40_x20top1") == [(i, float(np.float32(i / 10)))
                                                  for i in range(5)]
    assert [e.step for e in acc.Images("img")] == [5]
    assert acc.Histograms("hist")[0].histogram_value.bucket == [1, 2]
    config = fenced_json(texts(acc, "runlog_/config")[-1][1])
    assert config == {"lr": 0.1, "net": {"depth": 4}, "batch": 32}
    summary = fenced_json(texts(acc, "runlog_/summary")[0][1])
    assert summary["best"] == 0.75 and summary["acc @ top1"] == 0.4
    assert scalars(acc, "runlog_/summary_/best") == [(6, 0.75)]


def test_flush_makes_a_live_run_readable(tmp_path: Path) -> None:
    run = runlog.init(backends=["tb"], dir=tmp_path, settings=NO_SIGNALS)
    for i in range(300):
        run.log({"x": float(i)})
    assert run.flush() is True
    assert len(read(run.backends["tb"].logdir).Scalars("x")) == 300
    run.finish()


def test_stale_steps_are_kept_under_keep(tmp_path: Path) -> None:
    run = runlog.init(backends=["tb"], dir=tmp_path,
                      settings={**NO_SIGNALS, "on_stale_step": "keep"})
    run.log({"x": 1.0}, step=10, commit=True)
    run.log({"x": 2.0}, step=3)  # stale: kept, at its own step
    run.log({"x": 3.0}, step=12)
    run.finish()
    assert scalars(read(run.backends["tb"].logdir), "x") == [(10, 1.0), (3, 2.0), (12, 3.0)]


def test_define_metric_step_metric_sets_the_x_axis(tmp_path: Path) -> None:
    run = runlog.init(backends=["tb"], dir=tmp_path, settings=NO_SIGNALS)
    run.define_metric("val/*", step_metric="epoch")
    for epoch in range(3):
        for _ in range(4):
            run.log({"train/loss": 1.0})
        run.log({"val/acc": epoch / 10, "epoch": epoch})
    run.finish()
    acc = read(run.backends["tb"].logdir)
    assert [s for s, _ in scalars(acc, "val/acc")] == [0, 1, 2]
    assert [s for s, _ in scalars(acc, "train/loss")][:5] == [0, 1, 2, 3, 5]


def _wait_for_scalars(logdir: Path, tag: str, timeout: float = 10) -> list:
    """The series of ``tag`` once a reader sees it (bounded wait), else ``[]``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if logdir.is_dir():
            acc = read(logdir)
            if tag in acc.Tags()["scalars"]:
                return scalars(acc, tag)
        time.sleep(0.05)
    return []


def test_options_come_from_the_backend_entry(tmp_path: Path) -> None:
    root = tmp_path / "tbroot"
    run = runlog.init(backends=[f"tb:logdir={root},flush_secs=0"], dir=tmp_path / "d",
                      settings=NO_SIGNALS)
    run.log({"x": 1.0})
    # flush_secs=0: the worker flushes after each batch; a live reader sees the row without
    # run.flush()
    assert _wait_for_scalars(root / run.id, "x") == [(0, 1.0)]
    run.finish()
    assert not list((tmp_path / "d").rglob("events.out.tfevents.*"))


# -- a real TensorBoard server ---------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, body: dict | None = None, raw: bool = False) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        content = resp.read()
    return content if raw else json.loads(content)


@pytest.mark.slow
def test_tensorboard_server_shows_scalars_hparams_and_meshes(tmp_path: Path) -> None:
    ids = []
    points = np.hstack([np.arange(12.0).reshape(4, 3) / 10, np.full((4, 3), 200.0)])
    for i, config in enumerate([{"lr": 0.1}, {"lr": 0.01, "depth": 3}]):
        run = runlog.init(project="proj", backends=["tb"], dir=tmp_path, config=config,
                          settings=NO_SIGNALS)
        for step in range(4):
            run.log({"train/loss": float(i * 10 + step)})
        run.log({"cloud": runlog.Object3D(points)})
        run.finish()
        ids.append(run.id)

    port = _free_port()
    exe = Path(sys.executable).with_name("tensorboard")
    proc = subprocess.Popen(
        [str(exe), "--logdir", str(tmp_path / "proj"), "--host", "127.0.0.1", "--port",
         str(port), "--load_fast=false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        runs: Any = []
        while time.monotonic() < deadline and sorted(runs) != sorted(ids):
            assert proc.poll() is None, "tensorboard exited early"
            try:
                runs = _get(f"{base}/data/runs")
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.3)
        assert sorted(runs) == sorted(ids)
        for i, run_id in enumerate(ids):
            query = urllib.parse.urlencode({"run": run_id, "tag": "train/loss"})
            series = _get(f"{base}/data/plugin/scalars/scalars?{query}")
            assert [(step, value) for _, step, value in series] == [
                (s, float(i * 10 + s)) for s in range(4)]
        experiment = _get(f"{base}/data/plugin/hparams/experiment", {"experimentName": ""})
        names = {h["name"] for h in experiment["hparamInfos"]}
        assert names == {"lr", "depth"}  # both runs' config keys, from one run each
        query = urllib.parse.urlencode({"run": ids[0], "tag": "cloud"})
        meshes = _get(f"{base}/data/plugin/mesh/meshes?{query}")
        assert sorted(m["content_type"] for m in meshes) == [1, 3]
        assert {m["components"] for m in meshes} == {0b1010}
        data = _get(f"{base}/data/plugin/mesh/data?{query}&content_type=VERTEX&step=4", raw=True)
        assert np.array_equal(np.frombuffer(data, np.float32),
                              points[:, :3].astype(np.float32).ravel())
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
