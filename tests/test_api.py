"""The public surface: __all__ matches the docs, every name resolves, errors form the hierarchy."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import runlog

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_all_matches_api_docs():
    documented = set(re.findall(r"^### runlog\.(\S+)$", (DOCS / "api.md").read_text(), re.M))
    assert documented == set(runlog.__all__)


@pytest.mark.parametrize("name", runlog.__all__)
def test_every_public_name_resolves(name):
    if name in ("run",):
        assert runlog.run is None  # no active run in this test
        return
    assert getattr(runlog, name) is not None


def test_exception_hierarchy():
    assert issubclass(runlog.DataError, runlog.Error)
    assert issubclass(runlog.DataError, ValueError)
    assert issubclass(runlog.DataError, TypeError)
    assert issubclass(runlog.StaleStepError, runlog.Error)
    assert issubclass(runlog.StaleStepError, ValueError)
    assert issubclass(runlog.FinishedRunError, runlog.Error)
    assert issubclass(runlog.UsageError, runlog.Error)
    assert issubclass(runlog.BackendError, runlog.Error)
    assert issubclass(runlog.StaleStepWarning, UserWarning)
    for cls in (runlog.Error, runlog.DataError, runlog.UsageError, runlog.FinishedRunError,
                runlog.StaleStepError, runlog.BackendError, runlog.StaleStepWarning):
        assert cls.__doc__, cls


def test_import_is_light():
    code = (
        "import sys, runlog\n"
        "heavy = ['numpy', 'PIL', 'pandas', 'matplotlib', 'torch', 'jax', 'tensorflow',\n"
        "         'click', 'rich', 'tqdm', 'tensorboardX', 'mlflow', 'requests']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_module_level_log_before_init_and_after_finish():
    with pytest.raises(runlog.Error, match=r"You must call runlog.init\(\) before runlog.log\(\)"):
        runlog.log({"a": 1})
    run = runlog.init(backends=["memory"])
    runlog.log({"a": 1})
    assert runlog.run is run
    assert runlog.summary["a"] == 1
    runlog.finish()
    assert runlog.run is None
    with pytest.raises(runlog.Error, match=r"You must call runlog.init\(\) before runlog.log\(\)"):
        runlog.log({"a": 2})
    with pytest.raises(runlog.Error):
        runlog.summary["a"]
    assert run.backends["memory"].values("a") == [(0, 1)]


def test_run_log_after_finish_names_the_run():
    run = runlog.init(backends=["memory"], id="abc123")
    run.finish()
    with pytest.raises(runlog.FinishedRunError, match=r"Run \(abc123\) is finished"):
        run.log({"a": 1})
    run.finish()  # a second finish is a no-op


def test_context_manager_marks_failed_on_exception():
    with pytest.raises(ZeroDivisionError), runlog.init(backends=["memory"]) as run:
        run.log({"a": 1})
        1 / 0  # noqa: B018
    assert run.finished
    assert run.backends["memory"].finished.status == "failed"


def test_exit_code_and_preempting_set_the_status():
    run = runlog.init(backends=["memory"])
    run.finish(exit_code=3)
    assert run.backends["memory"].finished.status == "failed"
    assert run.backends["memory"].finished.exit_code == 3
    run = runlog.init(backends=["memory"])
    run.mark_preempting()
    run.finish()
    assert run.backends["memory"].finished.status == "preempted"


def test_reinit_finishes_previous_or_keeps_both():
    first = runlog.init(backends=["memory"])
    second = runlog.init(backends=["memory"])
    assert first.finished and not second.finished
    third = runlog.init(backends=["memory"], reinit="create_new")
    assert not second.finished and runlog.run is third
    second.finish()


def test_disabled_mode_keeps_the_api_and_writes_nothing(tmp_path):
    run = runlog.init(mode="disabled", dir=tmp_path / "out")
    run.log({"a": object()})  # validates nothing
    run.summary["x"] = 1
    run.config["lr"] = 0.1
    assert run.backends == {}
    run.finish()
    assert not (tmp_path / "out").exists()


def test_sync_is_accepted_and_ignored(mem_run):
    mem_run.log({"a": 1}, sync=True)
    mem_run.log({"a": 2}, sync=False)
    assert [v for _, v in mem_run.backends["memory"].values("a")] == [1, 2]


def test_identity_and_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("RUNLOG_PROJECT", "envproj")
    run = runlog.init(backends=["memory"], tags=["a", "b"], group="g", job_type="train",
                      notes="n", dir=tmp_path)
    assert run.project == "envproj"
    assert re.fullmatch(r"[a-z0-9]{8}", run.id)
    assert run.name == run.id
    assert run.dir == tmp_path / "envproj" / run.id
    assert (run.tags, run.group, run.job_type, run.notes) == (("a", "b"), "g", "train", "n")
    started = run.backends["memory"].run
    assert (started.id, started.project, started.tags) == (run.id, "envproj", ("a", "b"))
    run = runlog.init(backends=["memory"], project="p", id="myid", name="nice")
    assert (run.project, run.id, run.name) == ("p", "myid", "nice")


def test_bad_arguments_are_usage_errors():
    with pytest.raises(runlog.UsageError, match="mode"):
        runlog.init(backends=["memory"], mode="sideways")
    with pytest.raises(runlog.UsageError, match="resume"):
        runlog.init(backends=["memory"], resume="maybe")
    with pytest.raises(runlog.UsageError, match="directory name"):
        runlog.init(backends=["memory"], id="../escape")
    with pytest.raises(runlog.UsageError, match="on_stale_step"):
        runlog.init(backends=["memory"], settings={"on_stale_step": "ignore"})
    with pytest.raises(runlog.UsageError, match="unknown setting"):
        runlog.init(backends=["memory"], settings={"no_such": 1})


def test_settings_from_environment(monkeypatch):
    monkeypatch.setenv("RUNLOG_ON_STALE_STEP", "raise")
    monkeypatch.setenv("RUNLOG_STRICT", "true")
    s = runlog.Settings.resolve(None)
    assert s.on_stale_step == "raise" and s.strict is True
    assert runlog.Settings.resolve({"on_stale_step": "keep"}).on_stale_step == "keep"
    monkeypatch.setenv("RUNLOG_QUEUE_SIZE", "lots")
    with pytest.raises(runlog.UsageError, match="RUNLOG_QUEUE_SIZE='lots': expected an integer"):
        runlog.Settings.resolve(None)
    monkeypatch.setenv("RUNLOG_QUEUE_SIZE", "10")
    monkeypatch.setenv("RUNLOG_STRICT", "maybe")
    with pytest.raises(runlog.UsageError, match="RUNLOG_STRICT='maybe': expected true/false"):
        runlog.Settings.resolve(None)


def test_save_attaches_files_by_relative_name(tmp_path, mem_run):
    (tmp_path / "ckpt" / "sub").mkdir(parents=True)
    (tmp_path / "ckpt" / "model.bin").write_bytes(b"\x00\x01")
    (tmp_path / "ckpt" / "sub" / "notes.txt").write_text("hi")
    names = mem_run.save(str(tmp_path / "ckpt" / "**" / "*"))
    assert names == ["model.bin", "sub/notes.txt"]
    saved = [r for r in mem_run.backends["memory"].records if type(r).__name__ == "FileSaved"]
    assert [(r.name, r.payload.data) for r in saved] == [
        ("model.bin", b"\x00\x01"), ("sub/notes.txt", b"hi")
    ]
    assert saved[1].payload.mime == "text/plain"
    with pytest.warns(UserWarning, match="no file matches"):
        assert mem_run.save(str(tmp_path / "nothing*")) == []
    assert mem_run.save(str(tmp_path / "ckpt" / "model.bin"), base_path=tmp_path) == [
        "ckpt/model.bin"
    ]
    with pytest.raises(runlog.UsageError, match="outside base_path"):
        mem_run.save(str(tmp_path / "ckpt" / "model.bin"), base_path=tmp_path / "ckpt" / "sub")


def test_run_json_names_the_backends(tmp_path):
    run = runlog.init(backends=["memory", "files"], dir=tmp_path, id="r1")
    run.finish()
    meta = json.loads((tmp_path / "default" / "r1" / "run.json").read_text())
    assert meta["backends"] == ["memory", "files"]
    assert run.backends["memory"].run.backends == ("memory", "files")
