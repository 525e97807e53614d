"""Distributed launches: real processes with RANK / LOCAL_RANK / WORLD_SIZE set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
import runlog
from runlog import _ranks

SCRIPT = textwrap.dedent("""
    import json, sys
    import runlog
    run = runlog.init(project="ddp", id=sys.argv[2] or None, backends=["files"],
                      settings={"rank_policy": sys.argv[1], "handle_signals": False})
    for i in range(3):
        run.log({"x": i})
    print(json.dumps({"id": run.id, "group": run.group, "backends": sorted(run.backends),
                      "dir": str(run.dir)}))
    run.finish()
""")
LAUNCH = {"WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500"}


def _launch(tmp_path, policy: str, run_id: str = "", world: int = 2, **extra: str):
    """Start ``world`` ranks at once, as a launcher would; their JSON reports by rank."""
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("RUNLOG_") and k not in ("RANK", "LOCAL_RANK", "WORLD_SIZE")}
    base.update(LAUNCH, WORLD_SIZE=str(world), RUNLOG_DIR=str(tmp_path / "out"), **extra)
    procs = [
        subprocess.Popen([sys.executable, str(script), policy, run_id],
                         env={**base, "RANK": str(r), "LOCAL_RANK": str(r)},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for r in range(world)
    ]
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        reports.append(json.loads(out))
    return reports


def _history(run_dir: str) -> list[int]:
    with open(os.path.join(run_dir, "history.jsonl")) as f:
        return [json.loads(line)["x"] for line in f]


@pytest.mark.slow
def test_rank_zero_policy_only_rank_zero_records(tmp_path):
    rank0, rank1 = _launch(tmp_path, "zero", "exp")
    assert rank0["id"] == rank1["id"] == "exp"
    assert rank0["backends"] == ["files"] and rank1["backends"] == []  # same API, no-op
    assert _history(rank0["dir"]) == [0, 1, 2]
    assert os.listdir(tmp_path / "out" / "ddp") == ["exp"]


@pytest.mark.slow
def test_all_policy_gives_each_rank_a_run_in_one_group(tmp_path):
    reports = _launch(tmp_path, "all", "exp", world=3)
    assert [r["id"] for r in reports] == ["exp-rank0", "exp-rank1", "exp-rank2"]
    groups = {r["group"] for r in reports}
    assert groups == {_ranks.group_id(LAUNCH)} and groups.pop().startswith("ddp-")
    for r in reports:
        assert _history(r["dir"]) == [0, 1, 2]
        with open(os.path.join(r["dir"], "run.json")) as f:
            assert json.load(f)["group"] == r["group"]


@pytest.mark.slow
def test_all_policy_without_an_id_uses_the_launchers_job_id_as_group(tmp_path):
    reports = _launch(tmp_path, "all", TORCHELASTIC_RUN_ID="job-42")
    assert [r["id"].rsplit("-", 1)[1] for r in reports] == ["rank0", "rank1"]
    assert [r["group"] for r in reports] == ["job-42", "job-42"]
    assert len(os.listdir(tmp_path / "out" / "ddp")) == 2


def test_detect_reads_the_launcher_variables():
    assert _ranks.detect({}) is None
    assert _ranks.detect({"RANK": "0", "WORLD_SIZE": "1"}) is None  # one process: nothing to do
    assert _ranks.detect({"RANK": "3", "LOCAL_RANK": "1", "WORLD_SIZE": "8"}) == (3, 1, 8)
    assert _ranks.detect({"LOCAL_RANK": "1"}) == (1, 1, 2)
    with pytest.raises(runlog.UsageError, match=r"RANK='one' is not an integer"):
        _ranks.detect({"RANK": "one"})


def test_group_id_prefers_runlog_group_then_the_launchers_job_id():
    env = {"MASTER_ADDR": "10.0.0.1", "MASTER_PORT": "29500"}
    by_address = _ranks.group_id(env)
    assert by_address == _ranks.group_id(dict(env)) and by_address.startswith("ddp-")
    assert by_address != _ranks.group_id({**env, "MASTER_PORT": "29501"})
    assert _ranks.group_id({**env, "TORCHELASTIC_RUN_ID": "none"}) == by_address
    assert _ranks.group_id({**env, "SLURM_JOB_ID": "77"}) == "slurm-77"
    assert _ranks.group_id({**env, "TORCHELASTIC_RUN_ID": "abc", "SLURM_JOB_ID": "7"}) == "abc"
    assert _ranks.group_id({**env, "RUNLOG_GROUP": "sweep-1", "SLURM_JOB_ID": "7"}) == "sweep-1"
    assert _ranks.group_id({}) is None


def test_in_process_rank_policies(monkeypatch):
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    run = runlog.init(backends=["memory"], settings={"handle_signals": False})
    run.log({"x": 1})  # accepted and ignored
    assert run.backends == {} and run.flush() is True
    run.finish()
    run = runlog.init(backends=["memory"], group="g", id="abc",
                      settings={"handle_signals": False, "rank_policy": "all"})
    run.log({"x": 1})
    assert (run.id, run.group) == ("abc-rank1", "g")
    assert run.backends["memory"].history[0]["x"] == 1
    run.finish()
