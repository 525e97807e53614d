"""Resume asked of the selected backends: tb alone, memory + tb, files first, refusals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import runlog
from runlog._resume import resumable
from runlog.backends import Capabilities, ExistingRun, MemoryBackend
from test_tb_support import fenced_json, read, scalars, texts

QUIET = {"handle_signals": False}


def five_rows(tmp_path: Path, backends: list[str], **kw) -> runlog.Run:
    run = runlog.init(project="p", id="r", dir=tmp_path, backends=backends, settings=QUIET,
                      config={"lr": 0.1}, **kw)
    for i in range(5):
        run.log({"loss": 10.0 - i, "name": f"n{i}"})
    run.summary["best"] = 0.5
    run.finish()
    return run


def event_files(logdir: Path) -> list[Path]:
    return sorted(logdir.glob("events.out.tfevents.*"))


def test_a_tb_only_run_resumes_at_its_next_step_with_summary_and_config(tmp_path):
    five_rows(tmp_path, ["tb"])
    logdir = tmp_path / "p" / "r"
    run = runlog.init(project="p", id="r", dir=tmp_path, backends=["tb"], resume="must",
                      settings=QUIET, config={"epochs": 3})
    assert run.step == 5
    assert run.summary["loss"] == 6.0 and run.summary["best"] == 0.5
    assert run.summary["name"] == "n4"
    assert dict(run.config) == {"lr": 0.1, "epochs": 3}
    for i in range(5, 8):
        run.log({"loss": 10.0 - i})
    run.finish()
    assert len(event_files(logdir)) == 2
    acc = read(logdir)  # TensorBoard's own reader, over both event files
    assert scalars(acc, "loss") == [(i, 10.0 - i) for i in range(8)]
    final = fenced_json(texts(acc, "runlog_/summary")[-1][1])
    assert (final["loss"], final["best"], final["_step"]) == (3.0, 0.5, 7)
    assert fenced_json(texts(acc, "runlog_/config")[-1][1]) == {"lr": 0.1, "epochs": 3}


def test_a_reused_tb_id_without_resume_is_refused_and_adds_no_event_file(tmp_path):
    five_rows(tmp_path, ["tb"])
    logdir = tmp_path / "p" / "r"
    with pytest.raises(runlog.UsageError, match=r"run 'r' already exists in backend\(s\) 'tb'"):
        runlog.init(project="p", id="r", dir=tmp_path, backends=["tb"], settings=QUIET)
    with pytest.raises(runlog.UsageError, match="resume='never'"):
        runlog.init(project="p", id="r", dir=tmp_path, backends=["tb"], resume="never",
                    settings=QUIET)
    assert len(event_files(logdir)) == 1
    assert scalars(read(logdir), "loss") == [(i, 10.0 - i) for i in range(5)]


def test_memory_and_tb_continue_where_tb_left_off(tmp_path):
    five_rows(tmp_path, ["memory", "tb"])
    run = runlog.init(project="p", id="r", dir=tmp_path, backends=["memory", "tb"],
                      resume="allow", settings=QUIET)
    assert run.step == 5
    run.log({"loss": 1.0})
    run.finish()
    assert [r["_step"] for r in run.backends["memory"].history] == [5]
    assert run.backends["memory"].run.resumed_step == 5
    assert scalars(read(tmp_path / "p" / "r"), "loss")[-2:] == [(4, 6.0), (5, 1.0)]


def test_a_crashed_tb_run_resumes_after_its_last_flushed_step(tmp_path):
    code = (
        "import os, runlog\n"
        f"run = runlog.init(project='p', id='r', dir={str(tmp_path)!r}, backends=['tb'],\n"
        "                  settings={'handle_signals': False})\n"
        "for i in range(7):\n"
        "    run.log({'loss': 0.5 * i, 'nested': {'acc': i}})\n"
        "run.flush()\n"
        "os.kill(os.getpid(), 9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    run = runlog.init(project="p", id="r", dir=tmp_path, backends=["tb"], resume="must",
                      settings=QUIET)
    assert run.step == 7
    assert run.summary["loss"] == 3.0 and run.summary["nested"]["acc"] == 6
    run.finish()


def test_resume_must_with_nothing_recorded_and_with_no_resumable_backend(tmp_path):
    with pytest.raises(runlog.UsageError, match=r"none of the resumable backends \(files, tb\)"):
        runlog.init(project="p", id="r", dir=tmp_path, backends=["files", "tb"],
                    resume="must", settings=QUIET)
    with pytest.raises(runlog.UsageError, match="none of the selected backends can resume"):
        runlog.init(project="p", id="r", dir=tmp_path, backends=["memory"], resume="must",
                    settings=QUIET)
    # the refused init let go of the files lock: the same process may start the run now
    run = runlog.init(project="p", id="r", dir=tmp_path, backends=["files"], settings=QUIET)
    run.log({"x": 1})
    run.finish()
    assert [h["x"] for h in runlog.read(tmp_path / "p" / "r").history] == [1]


def test_a_refused_files_run_releases_its_lock(tmp_path):
    five_rows(tmp_path, ["files"])
    with pytest.raises(runlog.UsageError, match="resume='allow'"):
        runlog.init(project="p", id="r", dir=tmp_path, backends=["files"], settings=QUIET)
    run = runlog.init(project="p", id="r", dir=tmp_path, backends=["files"], resume="allow",
                      settings=QUIET)
    assert run.step == 5
    run.finish()


def test_a_bad_option_fails_before_any_backend_reads_or_locks_the_run(tmp_path):
    with pytest.raises(runlog.UsageError, match="unknown option"):
        runlog.init(project="p", id="r", dir=tmp_path, backends=["files", "tb:log_dir=x"],
                    resume="allow", settings=QUIET)
    assert not (tmp_path / "p").exists()


def test_files_is_trusted_first_whatever_the_selection_order(tmp_path):
    five_rows(tmp_path, ["files"])
    run = runlog.init(project="p", id="r", dir=tmp_path, backends=["tb", "files"],
                      resume="allow", settings=QUIET)
    assert run.step == 5 and run.summary["best"] == 0.5
    run.finish()

    class Told:
        capabilities = Capabilities(resume=True)

        def __init__(self, step):
            self.step = step

        def existing_run(self):
            return ExistingRun(self.step)

    order = resumable({"x": Told(1), "memory": MemoryBackend(),
                       "files@b": Told(2), "y": Told(3)})
    assert [k for k, _ in order] == ["files@b", "x", "y"]


@pytest.mark.slow
def test_two_processes_resuming_one_run_at_once_never_write_the_same_step(tmp_path):
    """The files backend takes its lock before it reads the state: the second process waits
    for nothing stale; it either continues after the first or is refused with a clear error."""
    five_rows(tmp_path, ["files"])
    go = tmp_path / "go"
    code = (
        "import os, sys, time, runlog\n"
        f"open(os.path.join({str(tmp_path)!r}, 'ready' + sys.argv[1]), 'w').close()\n"
        f"while not os.path.exists({str(go)!r}):\n"
        "    time.sleep(0.001)\n"
        f"run = runlog.init(project='p', id='r', dir={str(tmp_path)!r}, backends=['files'],\n"
        "                  resume='allow', settings={'handle_signals': False})\n"
        "for i in range(3):\n"
        "    run.log({'who': int(sys.argv[1])})\n"
        "run.finish()\n"
    )
    for trial in range(5):
        procs = [subprocess.Popen([sys.executable, "-c", code, str(n)], stderr=subprocess.PIPE,
                                  text=True) for n in (1, 2)]
        deadline = time.monotonic() + 30  # both have imported runlog: start them together
        while not all((tmp_path / f"ready{n}").exists() for n in (1, 2)):
            assert time.monotonic() < deadline, "the processes did not start"
            time.sleep(0.01)
        go.touch()
        results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
        for p in procs:
            p.stderr.close()
        go.unlink()
        for n in (1, 2):
            (tmp_path / f"ready{n}").unlink()
        ok = [rc for rc, _ in results if rc == 0]
        assert ok, results
        for rc, err in results:
            if rc != 0:
                assert "another live process" in err.strip().splitlines()[-1], err
        steps = [h["_step"] for h in runlog.read(tmp_path / "p" / "r").history]
        assert steps == list(range(len(steps))), (trial, steps)  # contiguous, no repeats
    assert os.path.exists(tmp_path / "p" / "r" / "records.jsonl")


def test_a_torn_or_damaged_tb_event_file_is_read_up_to_the_damage(tmp_path):
    five_rows(tmp_path, ["tb"])
    (events,) = event_files(tmp_path / "p" / "r")
    data = events.read_bytes()
    events.write_bytes(data[:-5])  # the last record (the hparams session end) is cut short
    run = runlog.init(project="p", id="r", dir=tmp_path, backends=["tb"], resume="must",
                      settings=QUIET)
    assert run.step == 5 and run.summary["best"] == 0.5
    run.finish()
    (tmp_path / "p" / "r" / "events.out.tfevents.0.x").write_bytes(b"\x05" * 40)  # not TFRecord
    run = runlog.init(project="p", id="r", dir=tmp_path, backends=["tb"], resume="must",
                      settings=QUIET)
    assert run.step == 5
    run.finish()


def test_an_unknown_backend_or_bad_option_leaves_the_active_run_alone(tmp_path):
    run = runlog.init(project="p", id="active", dir=tmp_path, backends=["memory", "files"],
                      settings=QUIET)
    run.log({"x": 1})
    with pytest.raises(runlog.UsageError, match="unknown backend 'nope'"):
        runlog.init(backends=["nope"])
    with pytest.raises(runlog.UsageError, match="files backend: option flush_rows"):
        runlog.init(backends=["files:flush_rows=0"])
    run.log({"x": 2})
    assert not run.finished and [h["x"] for h in run.backends["memory"].history] == [1, 2]
    run.finish()
    # finishing the previous run frees its lock for a resume of the same id in this process
    run = runlog.init(project="p", id="active", dir=tmp_path, backends=["files"],
                      resume="must", settings=QUIET)
    run2 = runlog.init(project="p", id="active", dir=tmp_path, backends=["files"],
                       resume="must", settings=QUIET)
    assert run.finished and run2.step == 2
    run2.finish()
