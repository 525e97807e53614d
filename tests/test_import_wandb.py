"""``runlog import wandb``: a run written by the real ``wandb`` package in offline mode comes back
with its history (steps, timestamps, runtimes), config, summary, metadata and media."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import runlog
from runlog import UsageError
from runlog.migrate import import_wandb

SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import wandb

    run = wandb.init(project="proj", mode="offline", name="nice", tags=["t1", "t2"],
                     notes="some notes", group="g", job_type="train",
                     config={"lr": 0.1, "model": {"depth": 3}})
    for i in range(5):
        run.log({"loss": 1.0 / (i + 1), "acc/train": i * 0.1, "val": {"x": i},
                 "bad": float("nan")})
    run.log({"img": wandb.Image(np.arange(48, dtype=np.uint8).reshape(4, 4, 3)),
             "hist": wandb.Histogram(np_histogram=([1, 2], [0.0, 1.0, 2.0])),
             "tab": wandb.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]])}, step=7)
    run.config.update({"extra": 5})
    run.summary["best"] = 3
    print(json.dumps({"id": run.id, "dir": run.dir}))
    run.finish()
""")


@pytest.fixture(scope="module")
def wandb_run(tmp_path_factory):
    """(run directory, run id) of a run written by wandb itself, offline."""
    where = tmp_path_factory.mktemp("wandb")
    env = {**os.environ, "WANDB_MODE": "offline", "WANDB_DIR": str(where),
           "WANDB_SILENT": "true", "WANDB_DISABLE_GIT": "true", "WANDB_CONSOLE": "off"}
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=where,
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout.strip().splitlines()[-1])
    run_dir = os.path.dirname(info["dir"])  # <dir>/wandb/offline-run-…/files -> run dir
    return run_dir, info["id"]


def test_wandb_offline_run_round_trip(wandb_run, tmp_path):
    run_dir, run_id = wandb_run

    report = import_wandb(run_dir, tmp_path / "runs")

    back = runlog.read(report.run_dir)
    meta = back.metadata
    assert report.run_dir == tmp_path / "runs" / "proj" / run_id
    assert (meta["name"], meta["tags"], meta["notes"], meta["group"], meta["job_type"]) == (
        "nice", ["t1", "t2"], "some notes", "g", "train")
    assert meta["origin"]["tool"] == "wandb" and meta["origin"]["run_id"] == run_id
    assert back.config == {"lr": 0.1, "model": {"depth": 3}, "extra": 5}
    rows = back.history
    assert [r["_step"] for r in rows] == [0, 1, 2, 3, 4, 7]
    assert [r["loss"] for r in rows[:5]] == [1.0 / (i + 1) for i in range(5)]
    assert [r["val"]["x"] for r in rows[:5]] == [0, 1, 2, 3, 4]
    assert all(math.isnan(r["bad"]) for r in rows[:5])
    stamps = [r["_timestamp"] for r in rows]
    assert stamps == sorted(stamps) and stamps[0] >= meta["start_time"]
    assert all(r["_runtime"] >= 0 for r in rows)
    assert np.array_equal(rows[5]["img"].to_numpy(),
                          np.arange(48, dtype=np.uint8).reshape(4, 4, 3))
    assert (rows[5]["hist"].values, rows[5]["hist"].bins) == ([1, 2], [0.0, 1.0, 2.0])
    assert rows[5]["tab"].columns == ["a", "b"]
    assert rows[5]["tab"].data == [[1, "x"], [2, "y"]]
    assert back.summary["best"] == 3 and back.summary["loss"] == 0.2
    assert back.status == "finished" and meta["exit_code"] == 0
    assert report.rows == 6


def test_cli_imports_every_run_under_a_wandb_directory(wandb_run, tmp_path):
    run_dir, run_id = wandb_run
    wandb_dir = os.path.dirname(run_dir)  # holds offline-run-… and the latest-run link
    out = subprocess.run(
        [sys.executable, "-m", "runlog._cli", "import", "wandb", wandb_dir,
         "--dir", str(tmp_path / "runs"), "--project", "moved"],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"imported 6 rows into {tmp_path / 'runs' / 'moved' / run_id}"


def test_without_the_wandb_package_the_error_names_it(wandb_run, tmp_path):
    run_dir, _ = wandb_run
    code = (
        "import sys; sys.modules['wandb'] = None\n"  # as if wandb were not installed
        "from runlog.migrate import import_wandb\n"
        f"import_wandb({run_dir!r}, {str(tmp_path)!r})\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode != 0
    assert "needs the 'wandb' package" in out.stderr and "pip install wandb" in out.stderr


def test_a_directory_without_a_wandb_log_is_refused(tmp_path):
    with pytest.raises(UsageError, match="not a wandb run directory"):
        import_wandb(tmp_path, tmp_path / "runs")
