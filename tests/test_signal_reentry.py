"""log() and finish() from a user's signal handler that interrupted log() while it held the run
lock: never a hang or a RecursionError; the handler's calls run right after the interrupted
call, in order, and every row reaches the files backend. Real signals, in a subprocess bounded
by a timeout (a hang fails the test instead of stalling the suite)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import runlog

TIMEOUT = 60


def _run(tmp_path, body: str) -> dict:
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent("""
        import json, os, signal, sys
        import runlog
        from runlog.backends.memory import MemoryBackend

        class Interrupting(MemoryBackend):
            '''An inline backend: its write runs under the run lock; SIGUSR1 arrives there.'''
            name = "interrupting"
            armed = 0

            def write(self, records):
                super().write(records)
                if self.armed:
                    self.armed -= 1
                    os.kill(os.getpid(), signal.SIGUSR1)

        dir = sys.argv[1]
        backend = Interrupting()
        run = runlog.init(project="p", id="sig", dir=dir, backends=["files", backend])
    """) + textwrap.dedent(body))
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "runs")],
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_log_from_a_handler_that_interrupted_log_runs_after_it(tmp_path):
    out = _run(tmp_path, """
        seen = []
        def handler(signum, frame):
            seen.append(run.step)
            run.log({"h": len(seen)})  # deferred: this thread holds the run lock
        signal.signal(signal.SIGUSR1, handler)
        backend.armed = 5
        for i in range(20):
            run.log({"i": i})
        run.finish()
        print(json.dumps({"seen": seen}))
    """)
    assert len(out["seen"]) == 5
    history = runlog.read(tmp_path / "runs" / "p" / "sig").history
    # the handler's row comes right after the row whose write it interrupted; writing that
    # row is interrupted in turn, and so on, until the backend is disarmed
    assert [(r.get("i"), r.get("h")) for r in history[:7]] == [
        (0, None), (None, 1), (None, 2), (None, 3), (None, 4), (None, 5), (1, None)]
    assert [r["i"] for r in history if "i" in r] == list(range(20))
    assert [r["_step"] for r in history] == list(range(25))


def test_a_timer_firing_during_a_logging_loop_neither_hangs_nor_recurses(tmp_path):
    out = _run(tmp_path, """
        import itertools, time
        calls = []
        numbers = itertools.count(1)
        def handler(signum, frame):
            k = next(numbers)  # one C call: a nested handler cannot take the same number
            calls.append(k)
            run.log({"h": k})
        signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)
        deadline = time.monotonic() + 2.0
        n = 0
        while time.monotonic() < deadline and n < 200_000:
            run.log({"i": n, "m": {"a": n}})
            n += 1
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        run.finish()
        print(json.dumps({"n": n, "h": len(calls)}))
    """)
    assert out["h"] > 50  # the timer really interrupted the loop
    history = runlog.read(tmp_path / "runs" / "p" / "sig").history
    assert [r["i"] for r in history if "i" in r] == list(range(out["n"]))
    # a handler may interrupt another before its log(): any order, each number once
    assert sorted(r["h"] for r in history if "h" in r) == list(range(1, out["h"] + 1))
    assert len(history) == out["n"] + out["h"]


def test_finish_from_a_handler_that_interrupted_log_finishes_after_it(tmp_path):
    out = _run(tmp_path, """
        def handler(signum, frame):
            run.log({"last": 1})
            run.finish(exit_code=3)
        signal.signal(signal.SIGUSR1, handler)
        for i in range(3):
            run.log({"i": i})
        backend.armed = 1
        run.log({"i": 3})
        print(json.dumps({"finished": run.finished}))
    """)
    assert out["finished"] is True
    recorded = runlog.read(tmp_path / "runs" / "p" / "sig")
    assert recorded.status == "failed"
    assert [(r.get("i"), r.get("last")) for r in recorded.history] == [
        (0, None), (1, None), (2, None), (3, None), (None, 1)]
