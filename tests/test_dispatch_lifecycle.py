"""Exit, fork and flush around the dispatcher's workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading

import pytest
import runlog
from _dispatch_helpers import Collector, in_forked_child, plugin, steps

QUIET = {"handle_signals": False}


def _script(tmp_path, body: str) -> subprocess.CompletedProcess:
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(body))
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNLOG_")}
    env["RUNLOG_DIR"] = str(tmp_path / "out")
    return subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, timeout=120)


def _run_json(tmp_path, run_id):
    with open(tmp_path / "out" / "p" / run_id / "run.json") as f:
        return json.load(f)


def _history(run_dir):
    with open(os.path.join(run_dir, "history.jsonl")) as f:
        return [json.loads(line) for line in f]


@pytest.mark.slow
@pytest.mark.parametrize(("ending", "code", "rows", "status"), [
    ("", 0, 500, "finished"),  # no finish(): the atexit hook finishes the run
    ("raise RuntimeError('diverged')", 1, 500, "failed"),  # an unhandled exception
])
def test_exit_without_finish_writes_everything_and_closes_the_run(tmp_path, ending, code, rows,
                                                                   status):
    done = _script(tmp_path, f"""
        import runlog
        run = runlog.init(project="p", id="left-open", backends=["files:flush_interval=60"])
        for i in range({rows}):
            run.log({{"i": i}})
        {ending}
    """)
    assert done.returncode == code, done.stderr
    assert [r["i"] for r in _history(tmp_path / "out" / "p" / "left-open")] == list(range(rows))
    assert _run_json(tmp_path, "left-open")["status"] == status


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_refuses_the_parents_run_and_can_start_its_own(tmp_path):
    with plugin("t", col=lambda: Collector("col", delay=0.001)):
        run = runlog.init(backends=["memory", "files", "col"], settings=QUIET)
        for i in range(100):
            run.log({"i": i})

        def child():
            report = {}
            try:
                run.log({"i": -1})
            except runlog.UsageError as exc:
                report["refused"] = str(exc)
            try:
                run.flush(1)
            except runlog.UsageError as exc:
                report["flush"] = str(exc)
            own = runlog.init(dir=str(tmp_path / "child"), backends=["files"], settings=QUIET)
            own.log({"child": 1})
            own.finish()
            report["own"] = [r["child"] for r in _history(own.dir)]
            return report

        report = in_forked_child(child)
        for i in range(100, 150):
            run.log({"i": i})
        run.finish()

    assert "error" not in report, report
    assert f"belongs to process {os.getpid()}" in report["refused"]
    assert "runlog.init()" in report["refused"]
    assert "cannot flush" in report["flush"]
    assert report["own"] == [1]  # a new run in the child gets fresh workers
    assert steps(run.backends["col"].rows) == list(range(150))  # the parent's own rows only
    assert [r["i"] for r in _history(run.dir)] == list(range(150))


def test_flush_and_finish_from_another_thread_while_logging():
    with plugin("t", col=lambda: Collector("col")):
        run = runlog.init(backends=["memory", "col"], settings=QUIET)
        results = []
        stop = threading.Event()

        def flusher():
            while not stop.is_set():
                results.append(run.flush(30))

        thread = threading.Thread(target=flusher)
        thread.start()
        for i in range(2000):
            run.log({"i": i})
        stop.set()
        thread.join()
        run.finish()
    assert results and all(results)
    assert steps(run.backends["col"].rows) == list(range(2000))


def test_flush_after_finish_is_true_and_finish_twice_is_a_no_op():
    with plugin("t", col=lambda: Collector("col")):
        run = runlog.init(backends=["col"], settings=QUIET)
        run.log({"x": 1})
        run.finish()
        run.finish()
    assert run.flush() is True
    assert [type(r).__name__ for r in run.backends["col"].records].count("Finished") == 1
