"""Crash safety of the files backend with a real training-like script in a subprocess:
SIGKILL at random points, SIGTERM (preempted), an unhandled exception (failed)."""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import runlog
from runlog.backends.files.reader import FilesRun

pytestmark = pytest.mark.slow

TRAIN = r'''
import math, sys, time
import numpy as np
import runlog

root, run_id, mode = sys.argv[1], sys.argv[2], sys.argv[3]
run = runlog.init(project="crash", id=run_id, dir=root, config={"lr": 0.01},
                  backends=[{"files": {"flush_interval": 0.05, "flush_rows": 40}}],
                  settings={"handle_signals": mode == "term"})
pixels = np.zeros((8, 8, 3), dtype=np.uint8)
for step in range(1_000_000):
    data = {"loss": math.exp(-step / 200), "train": {"acc": step / 1e6, "step": step}}
    if step % 20 == 0:
        pixels[..., step % 3] = step % 256
        data["sample"] = runlog.Image(pixels)
    run.log(data)
    if step % 25 == 24:
        run.flush()
        print(f"flushed {step + 1}", flush=True)
    if mode == "raise" and step == 60:
        raise RuntimeError("boom")
    time.sleep(0.0005)  # the training work
'''


class Child:
    """The training script in a subprocess, its stdout collected by a thread."""

    def __init__(self, tmp_path: Path, run_id: str, mode: str = "kill") -> None:
        script = tmp_path / "train.py"
        script.write_text(TRAIN)
        self.proc = subprocess.Popen(
            [sys.executable, str(script), str(tmp_path), run_id, mode],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.lines: list[str] = []
        self.stderr = ""  # all of it, once the child has ended
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    def wait_flushed(self, n: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.flushed() < n:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"child never flushed {n} rows: {self.lines} {self.proc.stderr.read()}")
            time.sleep(0.01)

    def flushed(self) -> int:
        done = [int(x.split()[1]) for x in list(self.lines) if x.startswith("flushed ")]
        return max(done, default=0)

    def end(self, timeout: float = 30) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        self.stderr = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code


def check_prefix(run_dir: Path, at_least: int) -> FilesRun:
    """Every row present is exactly what the script logged at that step, in order, from 0."""
    view = runlog.read(run_dir)
    history = view.history
    assert len(history) >= at_least, (len(history), at_least)
    for step, row in enumerate(history):
        assert row["_step"] == step
        assert row["loss"] == math.exp(-step / 200)
        assert row["train"] == {"acc": step / 1e6, "step": step}
        if step % 20 == 0:
            assert isinstance(row["sample"], runlog.Image)
            assert row["sample"].payload().data[:4] == b"\x89PNG"
    assert view.rows == len(history)
    return view


def test_sigkill_at_random_points_loses_only_unflushed_rows(tmp_path):
    rng = random.Random(20261124)
    for trial in range(8):
        run_id = f"kill{trial}"
        child = Child(tmp_path, run_id)
        try:
            child.wait_flushed(25)
            time.sleep(rng.uniform(0.0, 0.6))
        finally:
            child.proc.send_signal(signal.SIGKILL)
        assert child.end() == -signal.SIGKILL
        flushed = child.flushed()
        view = check_prefix(tmp_path / "crash" / run_id, flushed)
        assert view.status == "crashed", trial
        assert view.config == {"lr": 0.01}
        if view.history:
            assert view.summary["train"]["step"] == view.history[-1]["train"]["step"]


def test_sigterm_flushes_and_marks_the_run_preempted(tmp_path):
    child = Child(tmp_path, "term", mode="term")
    try:
        child.wait_flushed(50)
    finally:
        child.proc.send_signal(signal.SIGTERM)
    code = child.end()
    assert code != 0
    view = check_prefix(tmp_path / "crash" / "term", child.flushed())
    assert view.status == "preempted", (view.status, child.stderr)


def test_an_unhandled_exception_marks_the_run_failed_with_every_row(tmp_path):
    child = Child(tmp_path, "boom", mode="raise")
    assert child.end() == 1
    assert "RuntimeError: boom" in child.stderr
    view = check_prefix(tmp_path / "crash" / "boom", 61)
    assert len(view.history) == 61  # steps 0..60: the last one was logged before the raise
    assert view.status == "failed" and view.metadata["exit_code"] != 0


def test_the_killed_run_can_be_resumed(tmp_path):
    child = Child(tmp_path, "again")
    try:
        child.wait_flushed(25)
    finally:
        child.proc.send_signal(signal.SIGKILL)
    child.end()
    run_dir = tmp_path / "crash" / "again"
    before = len(runlog.read(run_dir).history)
    run = runlog.init(project="crash", id="again", dir=tmp_path, resume="must",
                      backends=["files"], settings={"handle_signals": False})
    assert run.step == before
    data = {"loss": math.exp(-before / 200), "train": {"acc": before / 1e6, "step": before}}
    if before % 20 == 0:
        data["sample"] = runlog.Image(np.zeros((8, 8, 3), dtype=np.uint8))
    run.log(data)
    run.finish()
    view = check_prefix(run_dir, before + 1)
    assert len(view.history) == before + 1 and view.status == "finished"
    assert os.path.getsize(run_dir / "records.jsonl") > 0
