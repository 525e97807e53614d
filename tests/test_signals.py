"""SIGTERM / SIGINT in real processes: what was logged before the signal is on disk."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
import runlog
from runlog import _signals

pytestmark = pytest.mark.slow

PRELUDE = textwrap.dedent("""
    import os, signal, sys, threading
    import runlog
    SETTINGS = {"handle_signals": True}
""")
LOOP = textwrap.dedent("""
    i = 0
    while i < 2_000_000 and not stop:
        run.log({"i": i})
        print(i, flush=True)
        i += 1
""")


def _run_until_signalled(tmp_path, body: str, sig: int, after: int = 300):
    """Run ``body`` as a script; once it printed step ``after``, send ``sig``.

    Returns (exit code, the last step printed before the script ended, all output lines,
    the run directory).
    """
    script = tmp_path / "train.py"
    script.write_text(PRELUDE + body)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNLOG_")}
    env["RUNLOG_DIR"] = str(tmp_path / "out")
    proc = subprocess.Popen([sys.executable, str(script)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.strip())
        if line.strip().isdigit() and int(line) >= after:
            proc.send_signal(sig)
            break
    lines += proc.stdout.read().split()  # read through the same buffer, to the end
    err = proc.stderr.read()
    proc.wait(timeout=120)
    proc.stdout.close()
    proc.stderr.close()
    printed = [int(x) for x in lines if x.isdigit()]
    return proc.returncode, printed[-1], lines, err, tmp_path / "out" / "p" / "sig"


def _history(run_dir):
    with open(run_dir / "history.jsonl") as f:
        return [json.loads(line) for line in f]


def _status(run_dir):
    with open(run_dir / "run.json") as f:
        return json.load(f)["status"]


def test_sigterm_finishes_the_run_as_preempted_then_terminates(tmp_path):
    body = textwrap.dedent("""
        run = runlog.init(project="p", id="sig", backends=["files"], settings=SETTINGS)
        stop = False
    """) + LOOP + "print('not terminated', flush=True)\n"
    code, last, lines, err, run_dir = _run_until_signalled(tmp_path, body, signal.SIGTERM)
    assert code == -signal.SIGTERM, err  # the default action still ends the process
    assert "not terminated" not in lines
    steps = [row["i"] for row in _history(run_dir)]
    assert steps[: last + 1] == list(range(last + 1))  # everything logged before is on disk
    assert _status(run_dir) == "preempted"


def test_sigint_flushes_before_keyboardinterrupt_reaches_the_script(tmp_path):
    # os._exit skips finish() and atexit: only the handler's flush can have written the rows
    body = textwrap.dedent("""
        run = runlog.init(project="p", id="sig", backends=["files:flush_interval=60"],
                          settings=SETTINGS)
        stop = False
        try:
    """) + textwrap.indent(LOOP, "    ") + textwrap.dedent("""
        except KeyboardInterrupt:
            print("\\ncaught", flush=True)  # the signal may have cut a print short
            os._exit(3)
    """)
    code, last, lines, err, run_dir = _run_until_signalled(tmp_path, body, signal.SIGINT)
    assert code == 3, err
    assert "caught" in lines
    steps = [row["i"] for row in _history(run_dir)]
    assert steps[: last + 1] == list(range(last + 1))


def test_sigterm_with_the_scripts_own_handler_flushes_and_lets_it_shut_down(tmp_path):
    body = textwrap.dedent("""
        stop = []
        signal.signal(signal.SIGTERM, lambda signum, frame: stop.append(signum))
        run = runlog.init(project="p", id="sig", backends=["files"], settings=SETTINGS)
    """) + LOOP + textwrap.dedent("""
        run.log({"after": 1})
        print("graceful", stop, flush=True)
    """)
    code, last, lines, err, run_dir = _run_until_signalled(tmp_path, body, signal.SIGTERM)
    assert code == 0, err
    assert "graceful" in lines  # the script's handler ran and the loop ended
    history = _history(run_dir)
    assert [row["i"] for row in history[:-1]] == list(range(last + 1))
    assert history[-1]["after"] == 1  # logging after the signal still works
    assert _status(run_dir) == "preempted"  # finished at exit, as preempted


def test_without_handle_signals_sigterm_kills_as_before(tmp_path):
    body = textwrap.dedent("""
        SETTINGS["handle_signals"] = False
        run = runlog.init(project="p", id="sig", backends=["files"], settings=SETTINGS)
        stop = False
    """) + LOOP
    code, _last, _lines, err, run_dir = _run_until_signalled(tmp_path, body, signal.SIGTERM)
    assert code == -signal.SIGTERM, err
    assert not (run_dir / "run.json").exists() or _status(run_dir) == "running"


def test_handlers_are_installed_from_the_main_thread_only(tmp_path):
    script = tmp_path / "t.py"
    script.write_text(PRELUDE + textwrap.dedent("""
        t = threading.Thread(target=lambda: runlog.init(backends=["memory"]).finish())
        t.start(); t.join()
        print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
        run = runlog.init(backends=["memory"])
        print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
        run.finish()
    """))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path, env={**os.environ, "RUNLOG_DIR": "o"})
    assert out.stdout.split() == ["True", "False"], out.stderr


def test_inside_runlog_sees_a_frame_within_run_log():
    seen = []

    class Spy:
        @runlog.hookimpl
        def runlog_convert_value(self, value, path):
            seen.append(_signals._inside_runlog(sys._getframe()))
            return 1

    pm = runlog.plugin_manager()
    pm.register(Spy(), name="spy")
    try:
        run = runlog.init(backends=["memory"], settings={"handle_signals": False})
        run.log({"x": object()})
        run.finish()
    finally:
        pm.unregister(name="spy")
    assert seen == [True]
    assert _signals._inside_runlog(sys._getframe()) is False
