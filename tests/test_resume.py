"""Resuming a run of the files backend: one continuous history across processes; the lock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import runlog
from runlog.typespec.errors import UsageError

pytestmark = pytest.mark.slow

SESSION = r'''
import sys
import runlog

root, first, last, resume = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
run = runlog.init(project="p", id="res", dir=root, resume=None if resume == "none" else resume,
                  config={"session_%d" % first: True}, backends=["files"],
                  settings={"handle_signals": False})
print("start", run.step, dict(run.summary).get("loss"), flush=True)
for step in range(first, last):
    run.log({"loss": 100 - step, "epoch": step // 10})
run.finish()
'''


def session(tmp_path: Path, first: int, last: int, resume: str) -> subprocess.CompletedProcess:
    script = tmp_path / "session.py"
    script.write_text(SESSION)
    return subprocess.run([sys.executable, str(script), str(tmp_path), str(first), str(last),
                           resume], capture_output=True, text=True, timeout=60)


def test_two_processes_one_after_the_other_make_one_continuous_history(tmp_path):
    first = session(tmp_path, 0, 30, "none")
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["start", "0", "None"]
    second = session(tmp_path, 30, 55, "allow")
    assert second.returncode == 0, second.stderr
    assert second.stdout.split() == ["start", "30", "71"]  # continues at last step + 1

    view = runlog.read(tmp_path / "p" / "res")
    assert [h["_step"] for h in view.history] == list(range(55))
    assert [h["loss"] for h in view.history] == [100 - s for s in range(55)]
    assert view.summary["loss"] == 46 and view.summary["_step"] == 54
    assert view.config == {"session_0": True, "session_30": True}
    meta = view.metadata
    assert (meta["sessions"], meta["resumed_step"], meta["status"], meta["rows"]) == (
        2, 30, "finished", 55)
    history_lines = (tmp_path / "p" / "res" / "history.jsonl").read_text().splitlines()
    assert [json.loads(x)["_step"] for x in history_lines] == list(range(55))


def test_resume_must_never_and_none(tmp_path):
    assert session(tmp_path, 0, 3, "must").returncode == 1  # nothing to resume
    assert not (tmp_path / "p" / "res" / "records.jsonl").exists()
    assert session(tmp_path, 0, 3, "never").returncode == 0
    again = session(tmp_path, 3, 5, "never")
    assert again.returncode == 1 and "resume='never'" in again.stderr
    fresh = session(tmp_path, 3, 5, "none")
    assert fresh.returncode == 1 and "resume='allow'" in fresh.stderr
    assert [h["_step"] for h in runlog.read(tmp_path / "p" / "res").history] == [0, 1, 2]


def test_a_second_live_process_on_the_same_run_gets_a_clear_error(tmp_path):
    run = runlog.init(project="p", id="res", dir=tmp_path, backends=["files"],
                      settings={"handle_signals": False})
    run.log({"loss": 1})
    run.flush()
    other = session(tmp_path, 1, 2, "allow")
    assert other.returncode == 1
    last = other.stderr.strip().splitlines()[-1]
    assert "UsageError" in last and "run 'res'" in last and "another live process" in last
    import os

    assert f"pid {os.getpid()} " in last
    run.finish()
    assert session(tmp_path, 1, 2, "allow").returncode == 0
    assert [h["_step"] for h in runlog.read(tmp_path / "p" / "res").history] == [0, 1]


def test_resume_in_the_same_process_after_finish(tmp_path):
    run = runlog.init(project="p", id="same", dir=tmp_path, backends=["files"],
                      settings={"handle_signals": False})
    run.log({"a": 1})
    run.log({"a": 2}, step=5)
    run.finish()
    again = runlog.init(project="p", id="same", dir=tmp_path, resume="allow", backends=["files"],
                        settings={"handle_signals": False})
    assert again.step == 6 and again.summary["a"] == 2
    again.log({"a": 3})
    with pytest.raises(UsageError, match="another live process"):
        runlog.init(project="p", id="same", dir=tmp_path, resume="allow", backends=["files"],
                    reinit="create_new", settings={"handle_signals": False})
    again.finish()
    assert [(h["_step"], h["a"]) for h in runlog.read(tmp_path / "p" / "same").history] == [
        (0, 1), (5, 2), (6, 3)]
