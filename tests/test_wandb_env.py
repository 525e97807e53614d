"""WANDB_* environment variables: honoured after runlog's own RUNLOG_* ones (argument >
RUNLOG_* > WANDB_* > default), as run.json and the run directory show."""

from __future__ import annotations

from pathlib import Path

import pytest
import runlog

QUIET = {"handle_signals": False}


def test_wandb_variables_name_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_PROJECT", "wp")
    monkeypatch.setenv("WANDB_NAME", "wandb name")
    monkeypatch.setenv("WANDB_RUN_ID", "wid")
    monkeypatch.setenv("WANDB_TAGS", "a, b,,c")
    monkeypatch.setenv("WANDB_NOTES", "from the environment")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "wdir"))
    run = runlog.init(backends=["files"], settings=QUIET)
    run.log({"x": 1})
    run.finish()
    assert run.dir == tmp_path / "wdir" / "wp" / "wid"
    meta = runlog.read(run.dir).metadata
    assert (meta["project"], meta["id"], meta["name"]) == ("wp", "wid", "wandb name")
    assert (meta["tags"], meta["notes"]) == (["a", "b", "c"], "from the environment")


def test_runlog_variables_beat_wandb_ones_and_arguments_beat_both(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var, value in (("PROJECT", "p"), ("RUN_ID", "i"), ("NOTES", "n"), ("TAGS", "t")):
        monkeypatch.setenv(f"WANDB_{var}", f"wandb-{value}")
        monkeypatch.setenv(f"RUNLOG_{var}", f"runlog-{value}")
    monkeypatch.setenv("WANDB_NAME", "wandb-name")
    monkeypatch.setenv("RUNLOG_RUN_NAME", "runlog-name")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "wdir"))
    monkeypatch.setenv("RUNLOG_DIR", str(tmp_path / "rdir"))
    run = runlog.init(backends=["files"], settings=QUIET)
    run.finish()
    meta = runlog.read(run.dir).metadata
    assert run.dir == tmp_path / "rdir" / "runlog-p" / "runlog-i"
    assert (meta["name"], meta["notes"], meta["tags"]) == ("runlog-name", "runlog-n",
                                                           ["runlog-t"])
    run = runlog.init(project="arg", id="argid", name="argname", notes="argnotes",
                      tags=["argtag"], dir=tmp_path / "adir", backends=["files"],
                      settings=QUIET)
    run.finish()
    meta = runlog.read(run.dir).metadata
    assert run.dir == tmp_path / "adir" / "arg" / "argid"
    assert (meta["name"], meta["notes"], meta["tags"]) == ("argname", "argnotes", ["argtag"])


def test_wandb_mode_disabled_disables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "disabled")
    run = runlog.init(project="p", backends=["files"], settings=QUIET)
    run.log({"x": 1})
    run.finish()
    assert run.disabled and not (tmp_path / "runlog-runs").exists()
    monkeypatch.setenv("RUNLOG_MODE", "online")  # runlog's own variable wins
    run = runlog.init(project="p", backends=["files"], settings=QUIET)
    assert not run.disabled
    run.finish()
    monkeypatch.setenv("WANDB_MODE", "sideways")
    monkeypatch.delenv("RUNLOG_MODE")
    with pytest.raises(runlog.UsageError, match=r"got 'sideways'.*WANDB_MODE"):
        runlog.init(backends=["files"])


def test_wandb_resume_is_the_resume_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_RESUME", "must")
    with pytest.raises(runlog.UsageError, match="resume='must' but no run 'r' exists"):
        runlog.init(project="p", id="r", backends=["files"], settings=QUIET)
    monkeypatch.setenv("WANDB_RESUME", "allow")
    run = runlog.init(project="p", id="r", backends=["files"], settings=QUIET)
    run.log({"x": 0})
    run.finish()
    again = runlog.init(project="p", id="r", backends=["files"], settings=QUIET)
    assert again.resumed and again.step == 1
    again.finish()
