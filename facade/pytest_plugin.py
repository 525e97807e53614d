"""runlog's pytest plugin (entry point ``pytest11``): the ``runlog_run`` fixture.

``runlog_run`` is a run on the memory backend, started for one test and finished after it:
no files, no signal handlers, no ``RUNLOG_*`` variable seen, its own directory, and the
current run (``runlog.run``, ``runlog.log``) for the test's duration. Any run the test left
open is finished afterwards, so nothing leaks into the next test. See ``docs/testing.md``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from runlog import Run


@pytest.fixture
def runlog_run(tmp_path_factory: pytest.TempPathFactory,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """An isolated run on the memory backend; ``runlog_run.backends["memory"]`` holds what
    was logged (``history``, ``history_without_timing()``, ``keys()``, ``values(key)``)."""
    import runlog
    from runlog import _init
    from runlog._run import live_runs

    for key in [k for k in os.environ if k.startswith("RUNLOG_")]:
        monkeypatch.delenv(key)
    open_before = set(live_runs)
    previous = _init.current
    run = runlog.init(project="pytest", dir=tmp_path_factory.mktemp("runlog"),
                      backends=["memory"], settings={"handle_signals": False},
                      reinit="create_new")
    try:
        yield run
    finally:
        for leftover in [r for r in list(live_runs) if r not in open_before]:
            leftover.finish()
        run.finish()
        _init.current = previous if previous is not None and not previous.finished else None
