"""A process forked from one that has a run cannot change that run, by any route."""

from __future__ import annotations

import os

import runlog
from _dispatch_helpers import in_forked_child

QUIET = {"handle_signals": False}

#: every way to change a run, each to be refused in the forked child
CHANGES = {
    "log": lambda run: run.log({"loss": -1}),
    "summary set": lambda run: run.summary.__setitem__("best", -1),
    "summary update": lambda run: run.summary.update({"best": -1}),
    "summary del": lambda run: run.summary.__delitem__("loss"),
    "config set": lambda run: run.config.__setitem__("lr", 0.5),
    "config update": lambda run: run.config.update({"bs": 64}),
    "define_metric": lambda run: run.define_metric("loss", summary="min"),
    "save": lambda run: run.save(__file__),
}


def _every_change(run: runlog.Run) -> dict[str, str]:
    """What each change raised (or "accepted")."""
    report = {}
    for what, change in CHANGES.items():
        try:
            change(run)
            report[what] = "accepted"
        except runlog.UsageError as exc:
            report[what] = str(exc)
    return report


def test_a_forked_child_can_change_nothing_of_the_parents_run():
    run = runlog.init(backends=["memory"], config={"lr": 0.1}, settings=QUIET)
    run.log({"loss": 1.0})
    report = in_forked_child(lambda: _every_change(run))
    assert "error" not in report, report
    for what, outcome in report.items():
        assert f"belongs to process {os.getpid()}" in outcome, (what, outcome)
        assert "runlog.init()" in outcome, what
    assert set(report) == set(CHANGES)
    run.finish()
    assert dict(run.summary) == run.backends["memory"].summary
    assert run.summary["loss"] == 1.0 and "best" not in run.summary
    assert dict(run.config) == {"lr": 0.1}
