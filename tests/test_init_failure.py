"""A failing ``runlog.init()`` leaves the active run alone; a succeeding one finishes it."""

from __future__ import annotations

import pytest
import runlog
from runlog.typespec.errors import UsageError

NO_SIGNALS = {"handle_signals": False}


@pytest.fixture
def active(tmp_path):
    run = runlog.init(project="p", dir=tmp_path, backends=["memory"], settings=NO_SIGNALS)
    run.log({"loss": 1.0})
    yield run
    run.finish()


def _still_usable(run) -> None:
    assert not run.finished and runlog.run is run
    run.log({"loss": 0.5})
    assert [row["loss"] for row in run.backends["memory"].history] == [1.0, 0.5]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"backends": ["no_such_backend"]}, "unknown backend 'no_such_backend'"),
        ({"backends": [{"tb": {"no_such_option": 1}}]}, "no_such_option"),
        ({"resume": "must", "id": "never-logged"}, "resume='must'"),
        ({"resume": "sometimes"}, "resume must be one of"),
    ],
)
def test_a_failing_init_does_not_finish_the_active_run(active, tmp_path, kwargs, message):
    with pytest.raises(UsageError, match=message):
        runlog.init(project="p", dir=tmp_path, settings=NO_SIGNALS, **kwargs)
    _still_usable(active)


def test_the_active_run_id_without_resume_is_refused_and_the_run_goes_on(active, tmp_path):
    with pytest.raises(UsageError, match=f"run '{active.id}' is the active run; pass resume="):
        runlog.init(project="p", dir=tmp_path, id=active.id, backends=["memory"],
                    settings=NO_SIGNALS)
    _still_usable(active)


def test_the_active_run_id_with_resume_finishes_it_and_continues_it(tmp_path):
    first = runlog.init(project="p", dir=tmp_path, id="same", backends=["files"],
                        settings=NO_SIGNALS)
    for step in range(3):
        first.log({"loss": 3 - step})
    second = runlog.init(project="p", dir=tmp_path, id="same", resume="allow",
                         backends=["files"], settings=NO_SIGNALS)
    assert first.finished and second.step == 3 and second.summary["loss"] == 1
    second.log({"loss": 0})
    second.finish()
    assert [row["_step"] for row in runlog.read(second.dir).history] == [0, 1, 2, 3]


def test_a_succeeding_init_finishes_the_active_run(active, tmp_path):
    new = runlog.init(project="p", dir=tmp_path, backends=["memory"], settings=NO_SIGNALS)
    assert active.finished and active.backends["memory"].finished.status == "finished"
    assert runlog.run is new and not new.finished
    new.finish()
