"""Choosing backends: argument > RUNLOG_BACKENDS > config file > default; options merged."""

from __future__ import annotations

import pytest
import runlog
from runlog._selection import BackendSpec, select_backends


def names(specs):
    return [(s.name, s.options) for s in specs]


def test_default_is_files(tmp_path):
    assert names(select_backends(None, {}, tmp_path)) == [("files", {})]


def test_argument_beats_environment_beats_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.runlog]\nbackends = ["tb"]\n\n[tool.runlog.tb]\nlogdir = "from-file"\n'
    )
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert names(select_backends(None, {}, sub)) == [("tb", {"logdir": "from-file"})]
    env = {"RUNLOG_BACKENDS": "memory,tb"}
    assert names(select_backends(None, env, sub)) == [
        ("memory", {}), ("tb", {"logdir": "from-file"})
    ]
    assert names(select_backends(["memory"], env, sub)) == [("memory", {})]


def test_runlog_toml_top_level_table(tmp_path):
    (tmp_path / "runlog.toml").write_text(
        'backends = ["memory", "files"]\n[files]\nflush_rows = 5\n'
    )
    assert names(select_backends(None, {}, tmp_path)) == [
        ("memory", {}), ("files", {"flush_rows": 5})
    ]


def test_option_sources_and_precedence(tmp_path):
    (tmp_path / "runlog.toml").write_text('[files]\nflush_rows = 5\nflush_interval = 9\n')
    env = {"RUNLOG_FILES__FLUSH_INTERVAL": "2.5", "RUNLOG_FILES__SYNC": "true"}
    got = names(select_backends(["files:flush_rows=7,label=x y"], env, tmp_path))
    assert got == [
        ("files", {"flush_rows": 7, "flush_interval": 2.5, "sync": True, "label": "x y"})
    ]
    got = names(select_backends([{"files": {"flush_rows": 1}}, "memory"], {}, tmp_path))
    assert got == [("files", {"flush_rows": 1, "flush_interval": 9}), ("memory", {})]


def test_option_variables_need_the_double_underscore_and_never_take_run_variables(tmp_path):
    env = {"RUNLOG_FILES_FLUSH_INTERVAL": "2.5", "RUNLOG_RUN_ID": "abc", "RUNLOG_RUN__X": "1"}
    got = names(select_backends(["files", "run"], env, tmp_path))
    assert got == [("files", {}), ("run", {"x": 1})]  # a backend named "run" gets only RUN__X


def test_a_backend_selected_twice_under_a_label_has_its_own_options(tmp_path):
    (tmp_path / "runlog.toml").write_text(
        '[files]\nflush_rows = 5\n["files@archive"]\nflush_interval = 9\n')
    env = {"RUNLOG_FILES_ARCHIVE__FLUSH_ROWS": "3", "RUNLOG_FILES__FLUSH_INTERVAL": "2"}
    specs = select_backends(["files", "files@archive:dir=/x"], env, tmp_path)
    assert [(s.name, s.key, s.options) for s in specs] == [
        ("files", "files", {"flush_rows": 5, "flush_interval": 2}),
        ("files", "files@archive", {"flush_interval": 9, "flush_rows": 3, "dir": "/x"}),
    ]
    specs = select_backends([{"tb@second": {"flush_secs": 1}}], {}, tmp_path)
    assert [(s.name, s.key, s.options) for s in specs] == [("tb", "tb@second",
                                                            {"flush_secs": 1})]
    with pytest.raises(runlog.UsageError, match="not a backend name or name@label"):
        select_backends(["files@a/b"], {}, tmp_path)


def test_two_files_instances_write_two_complete_runs(tmp_path):
    archive = tmp_path / "archive"
    run = runlog.init(project="p", id="twice", dir=tmp_path / "main",
                      backends=["files", f"files@archive:dir={archive}"])
    assert list(run.backends) == ["files", "files@archive"]
    for step in range(3):
        run.log({"loss": 1.0 / (step + 1)})
    run.finish()
    for root in (tmp_path / "main", archive):
        view = runlog.read(root / "p" / "twice")
        assert [h["loss"] for h in view.history] == [1.0, 0.5, 1.0 / 3]
        assert view.metadata["backends"] == ["files", "files@archive"]
    with pytest.raises(runlog.UsageError, match=r"'files' is selected twice.*label"):
        runlog.init(backends=["files", "files"])


def test_environment_entries_with_options(tmp_path):
    env = {"RUNLOG_BACKENDS": "tb:logdir=/x,flush_secs=3, memory"}
    assert names(select_backends(None, env, tmp_path)) == [
        ("tb", {"logdir": "/x", "flush_secs": 3}), ("memory", {})
    ]


def test_bad_entries_are_usage_errors(tmp_path):
    with pytest.raises(runlog.UsageError, match="option=value"):
        select_backends(["files:flush_rows"], {}, tmp_path)
    with pytest.raises(runlog.UsageError, match="not accepted"):
        select_backends([42], {}, tmp_path)
    with pytest.raises(runlog.UsageError, match="must be a dict"):
        select_backends([{"files": 3}], {}, tmp_path)
    with pytest.raises(runlog.UsageError, match="selected twice"):
        runlog.init(backends=["memory", "memory"])


def test_init_uses_environment_selection(monkeypatch):
    monkeypatch.setenv("RUNLOG_BACKENDS", "memory")
    run = runlog.init()
    assert list(run.backends) == ["memory"]


def test_instance_spec_keeps_the_instance(tmp_path):
    class B:
        name = "inst"

        def write(self, records):
            pass

    b = B()
    (spec,) = select_backends([b], {}, tmp_path)
    assert spec == BackendSpec("inst", {}, b)


def test_a_labelled_instance_takes_its_options_from_its_own_variables(tmp_path, monkeypatch):
    archive = tmp_path / "archive"
    monkeypatch.setenv("RUNLOG_BACKENDS", "memory,files@archive")
    monkeypatch.setenv("RUNLOG_FILES_ARCHIVE__DIR", str(archive))
    monkeypatch.setenv("RUNLOG_FILES__DIR", str(tmp_path / "not-for-the-label"))
    run = runlog.init(project="p", id="env", dir=tmp_path / "main")
    run.log({"x": 1})
    run.finish()
    assert list(run.backends) == ["memory", "files@archive"]
    assert runlog.read(archive / "p" / "env").history[0]["x"] == 1
    assert not (tmp_path / "not-for-the-label").exists() and not (tmp_path / "main").exists()
