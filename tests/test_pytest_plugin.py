"""The ``runlog_run`` fixture, used as a user would: a test file run by pytest in a subprocess,
with runlog's plugin loaded through its ``pytest11`` entry point."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

USER_TESTS = '''
import runlog
import pytest

seen = {}


def test_logs_to_memory(runlog_run):
    assert runlog.run is runlog_run
    runlog.log({"train": {"loss": 0.5}, "acc": 1})
    runlog_run.log({"train": {"loss": 0.25}})
    mem = runlog_run.backends["memory"]
    assert mem.history_without_timing() == [
        {"train": {"loss": 0.5}, "acc": 1, "_step": 0}, {"train": {"loss": 0.25}, "_step": 1},
    ]
    assert mem.keys() == ["train/loss", "acc"]
    assert mem.values("train/loss") == [(0, 0.5), (1, 0.25)]
    seen["first"] = runlog_run
    seen["dir"] = runlog_run.dir


def test_leaves_a_second_run_open(runlog_run):
    seen["stray"] = runlog.init(backends=["memory"], reinit="create_new",
                                settings={"handle_signals": False})
    seen["stray"].log({"x": 1})


def test_nothing_leaks_into_the_next_test(runlog_run):
    assert seen["first"].finished and seen["stray"].finished
    assert runlog_run is not seen["first"] and runlog.run is runlog_run
    assert runlog_run.backends["memory"].history == []
    assert runlog_run.dir.parents[1] != seen["dir"].parents[1]
    assert list(runlog_run.dir.parents[1].iterdir()) == []  # no files written
    import signal
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_code_that_starts_its_own_run_is_isolated_too(runlog_run):
    def train():  # code under test that calls init itself
        run = runlog.init(config={"lr": 0.1})
        run.log({"loss": 0.5})
        run.finish()
        return run

    run = train()
    assert runlog_run.finished  # init finished the current run, as it always does
    assert list(run.backends) == ["memory"]
    assert run.backends["memory"].history_without_timing() == [{"loss": 0.5, "_step": 0}]
    assert run.dir.parents[1] == runlog_run.dir.parents[1]
    assert list(run.dir.parents[1].iterdir()) == []
    import signal
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_after_the_fixture_no_run_is_current():
    assert runlog.run is None
    with pytest.raises(runlog.Error, match="runlog.init"):
        runlog.log({"x": 1})
'''


def test_the_fixture_isolates_each_test_and_finishes_its_run(tmp_path):
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TESTS))
    env = {**os.environ, "RUNLOG_BACKENDS": "files", "RUNLOG_DIR": str(tmp_path / "leak")}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "test_user.py"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout
    assert not (tmp_path / "leak").exists()
    assert not (tmp_path / "runlog-runs").exists()


def test_values_and_keys_agree_and_an_unknown_key_is_an_error(runlog_run):
    runlog_run.log({"train": {"loss": 1.0}, "lr/base": 0.1})
    runlog_run.log({"train": {"loss": 0.5}})
    mem = runlog_run.backends["memory"]
    for key in list(mem.keys()):
        assert mem.values(key), key
    assert mem.values(("train", "loss")) == mem.values("train/loss") == [(0, 1.0), (1, 0.5)]
    assert mem.values("lr/base") == [(0, 0.1)]
    with pytest.raises(KeyError, match=r"'train/los'.*did you mean 'train/loss'"):
        mem.values("train/los")
    with pytest.raises(KeyError, match="logged keys: train/loss, lr/base"):
        mem.values(("nope",))
