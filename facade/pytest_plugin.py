"""runlog's pytest plugin (entry point ``pytest11``): the ``runlog_run`` fixture.

``runlog_run`` is a run on the memory backend, started for one test and finished after it:
no files, no signal handlers, its own directory, and the current run (``runlog.run``,
``runlog.log``) for the test's duration. The machine's ``RUNLOG_*`` variables are hidden and
replaced by ones that send any other ``runlog.init()`` of the test (one the code under test
makes itself) to the memory backend in the same directory, without signal handlers. Any run
the test left open is finished afterwards, so nothing leaks into the next test. See
``docs/testing.md``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from runlog import Run

#: what a ``runlog.init()`` inside the test gets by default (besides ``RUNLOG_DIR``)
ISOLATED_ENV = {"RUNLOG_BACKENDS": "memory", "RUNLOG_HANDLE_SIGNALS": "false",
                "RUNLOG_PROJECT": "pytest"}


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
    root = tmp_path_factory.mktemp("runlog")
    for key, value in ISOLATED_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("RUNLOG_DIR", str(root))
    open_before = set(live_runs)
    previous = _init.current
    run = runlog.init(project="pytest", dir=root, backends=["memory"],
                      settings={"handle_signals": False}, reinit="create_new")
    try:
        yield run
    finally:
        for leftover in [r for r in list(live_runs) if r not in open_before]:
            leftover.finish()
        run.finish()
        _init.current = previous if previous is not None and not previous.finished else None
