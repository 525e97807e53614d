"""``runlog import tb``: logdirs written by tensorboardX itself and by runlog's tb backend come
back into the files layout with their steps, wall times, values and media."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import runlog
from runlog.migrate import import_tb
from tensorboardX import SummaryWriter

T0 = 1_700_000_000.0


def _write_tensorboardx(logdir):
    w = SummaryWriter(str(logdir))
    for step in range(5):
        w.add_scalar("train/loss", 1.0 / (step + 1), step, walltime=T0 + step)
        w.add_scalar("acc", step / 10, step, walltime=T0 + step)
    pixels = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    w.add_image("sample", pixels, 5, walltime=T0 + 5, dataformats="HWC")
    w.add_histogram_raw("weights", min=0.0, max=3.0, num=6, sum=9.0, sum_squares=17.0,
                        bucket_limits=[1.0, 2.0, 3.0], bucket_counts=[1, 2, 3], global_step=6,
                        walltime=T0 + 6)
    w.add_text("note", "hello *there*", 7, walltime=T0 + 7)
    w.close()
    return pixels


def test_tensorboardx_logdir_round_trip(tmp_path):
    pixels = _write_tensorboardx(tmp_path / "logs" / "exp1")

    (report,) = import_tb(tmp_path / "logs", tmp_path / "runs")

    run = runlog.read(report.run_dir)
    assert report.run_dir == tmp_path / "runs" / "tensorboard" / "exp1"
    assert run.metadata["origin"] == {"tool": "tensorboard",
                                      "path": str(tmp_path / "logs" / "exp1")}
    rows = run.history
    assert [r["_step"] for r in rows] == [0, 1, 2, 3, 4, 5, 6, 7]
    assert [r["_timestamp"] for r in rows] == [T0 + s for s in range(8)]
    # TensorBoard keeps float32: the imported value is the float32 it kept
    assert [r["train/loss"] for r in rows[:5]] == [
        float(np.float32(1.0 / (s + 1))) for s in range(5)]
    assert [r["acc"] for r in rows[:5]] == [float(np.float32(s / 10)) for s in range(5)]
    assert np.array_equal(rows[5]["sample"].to_numpy(), pixels)
    hist = rows[6]["weights"]
    assert (hist.values, hist.bins) == ([1, 2, 3], [0.0, 1.0, 2.0, 3.0])
    assert rows[7]["note"] == "hello *there*"
    assert run.status == "finished"
    assert run.summary["acc"] == pytest.approx(0.4)
    assert report.rows == 8 and not report.skipped


def test_runlog_tb_logdir_restores_keys_config_and_summary(tmp_path):
    run = runlog.init(project="p", id="r1", config={"lr": 0.5},
                      backends=[f"tb:logdir={tmp_path / 'tb'}"],
                      settings={"handle_signals": False})
    for step in range(3):
        run.log({"a b": step, "x:y": 2.0 * step})
    run.summary["best"] = 7
    run.finish()

    (report,) = import_tb(tmp_path / "tb", tmp_path / "runs", project="moved")

    back = runlog.read(report.run_dir)
    assert [r["_step"] for r in back.history] == [0, 1, 2]
    assert [r["a b"] for r in back.history] == [0.0, 1.0, 2.0]  # escaped tags decoded
    assert [r["x:y"] for r in back.history] == [0.0, 2.0, 4.0]
    assert back.config == {"lr": 0.5}
    assert back.summary["best"] == 7


def test_out_of_order_steps_are_kept_as_stale_rows(tmp_path):
    w = SummaryWriter(str(tmp_path / "logs"))
    for step in range(3):
        w.add_scalar("a", step, step, walltime=T0 + step)
    for step in range(3):  # a second series logged after the first, from step 0 again
        w.add_scalar("b", step, step, walltime=T0 + 10 + step)
    w.close()

    (report,) = import_tb(tmp_path / "logs", tmp_path / "runs")

    run = runlog.read(report.run_dir)
    assert [r["a"] for r in run.history] == [0.0, 1.0, 2.0]
    assert report.stale == len(run.stale) >= 1
    kept = {(s["step"], k): v for s in run.stale for k, v in s["values"].items()}
    every_b = {step: v for (step, k), v in kept.items() if k == "b"}
    rows_b = {r["_step"]: r["b"] for r in run.history if "b" in r}
    assert {**every_b, **rows_b} == {0: 0.0, 1: 1.0, 2: 2.0}


def test_cli_imports_and_reports(tmp_path):
    _write_tensorboardx(tmp_path / "logs" / "exp1")
    result = subprocess.run(
        [sys.executable, "-m", "runlog._cli", "import", "tb", str(tmp_path / "logs"),
         "--dir", str(tmp_path / "runs"), "--project", "tbx"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"imported 8 rows into {tmp_path / 'runs' / 'tbx' / 'exp1'}" in result.stdout
    again = subprocess.run(
        [sys.executable, "-m", "runlog._cli", "import", "tb", str(tmp_path / "logs"),
         "--dir", str(tmp_path / "runs"), "--project", "tbx"],
        capture_output=True, text=True, timeout=120,
    )
    assert again.returncode != 0
    assert "already exists" in again.stderr and "Traceback" not in again.stderr
    meta = json.loads((tmp_path / "runs" / "tbx" / "exp1" / "run.json").read_text())
    assert meta["rows"] == 8
