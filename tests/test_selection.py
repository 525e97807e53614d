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
    env = {"RUNLOG_FILES_FLUSH_INTERVAL": "2.5", "RUNLOG_FILES_SYNC": "true"}
    got = names(select_backends(["files:flush_rows=7,label=x y"], env, tmp_path))
    assert got == [
        ("files", {"flush_rows": 7, "flush_interval": 2.5, "sync": True, "label": "x y"})
    ]
    got = names(select_backends([{"files": {"flush_rows": 1}}, "memory"], {}, tmp_path))
    assert got == [("files", {"flush_rows": 1, "flush_interval": 9}), ("memory", {})]


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
