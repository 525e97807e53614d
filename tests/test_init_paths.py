"""init writes only inside ``dir``: project and run id each name one directory; a directory
that cannot be written is a UsageError naming it, not a raw OSError."""

from __future__ import annotations

import contextlib
import os
import subprocess

import pytest
import runlog


def _files_under(path):
    return sorted(p for p in path.rglob("*") if p.is_file())


@pytest.mark.parametrize("project", ["../../escape", "..", "/abs/project", "a/b", "p\n",
                                     ".hidden", "", "x" * 129, "caf\udce9"])
def test_a_project_that_is_not_one_directory_name_is_refused(tmp_path, project):
    root = tmp_path / "deep" / "runs"
    with pytest.raises(runlog.UsageError, match="project"):
        runlog.init(project=project, id="r1", dir=root, backends=["files"])
    assert _files_under(tmp_path) == []


def test_runlog_project_is_validated_too(tmp_path, monkeypatch):
    monkeypatch.setenv("RUNLOG_PROJECT", "../../escape")
    with pytest.raises(runlog.UsageError, match=r"project '\.\./\.\./escape'"):
        runlog.init(id="r1", dir=tmp_path / "a" / "b", backends=["files"])
    assert _files_under(tmp_path) == []


@pytest.mark.parametrize("run_id", ["abc\n", "../x", "a/b", ".", "-x"])
def test_a_run_id_with_a_trailing_newline_or_a_separator_is_refused(tmp_path, run_id):
    with pytest.raises(runlog.UsageError, match="run id"):
        runlog.init(project="p", id=run_id, dir=tmp_path, backends=["files"])
    assert _files_under(tmp_path) == []


def test_valid_names_still_work(tmp_path):
    run = runlog.init(project="My_proj-2.0", id="Run.1_a-b", dir=tmp_path, backends=["files"])
    run.log({"x": 1})
    run.finish()
    assert runlog.read(tmp_path / "My_proj-2.0" / "Run.1_a-b").history[0]["x"] == 1


@contextlib.contextmanager
def _read_only_dir(path):
    """A directory that cannot be written: a read-only tmpfs as root (root ignores modes),
    a mode-0555 directory otherwise."""
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o555)
        try:
            yield path
        finally:
            path.chmod(0o755)
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def test_init_on_a_read_only_directory_is_a_usage_error_naming_it(tmp_path):
    with _read_only_dir(tmp_path / "ro") as ro:
        with pytest.raises(runlog.UsageError) as info:
            runlog.init(project="p", id="r1", dir=ro, backends=["files"])
        message = str(info.value)
        assert str(ro / "p" / "r1") in message and "writable dir=" in message
        assert not isinstance(info.value, OSError)
        run = runlog.init(project="p", id="r1", dir=ro, backends=["memory"])  # writes nothing
        run.log({"x": 1})
        run.finish()


def _self_dict():
    d = {}
    d["me"] = d
    return d


@pytest.mark.parametrize("kwargs, where", [
    ({"name": "caf\udce9"}, "init: name"), ({"notes": "\ud800"}, "init: notes"),
    ({"tags": ["ok", "caf\udce9"]}, "init: tags"), ({"group": "\udcff"}, "init: group"),
    ({"job_type": "\udcff"}, "init: job_type"), ({"config": {"caf\udce9": 1}}, "config key"),
    ({"config": {"a": {"\udcff": 1}}}, "config key under 'a'"),
    ({"config": {"a": "\udcff"}}, "key 'a'"), ({"config": {"a": _self_dict()}}, "contains itself"),
])
def test_init_text_no_backend_can_write_is_refused_before_anything_is_written(
        tmp_path, kwargs, where):
    with pytest.raises(runlog.DataError) as info:
        runlog.init(project="p", id="r1", dir=tmp_path, backends=["files", "tb"], **kwargs)
    assert where in str(info.value)
    assert _files_under(tmp_path) == []
    run = runlog.init(project="p", id="r1", dir=tmp_path, backends=["files"])  # usable after
    run.log({"x": 1})
    run.finish()
    assert runlog.read(run.dir).status == "finished"
