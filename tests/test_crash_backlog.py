"""``kill -9`` while a backend is behind (a queue full of images): what holds is what
docs/durability.md promises — every row a completed ``flush()`` covered, as a contiguous prefix
of what was logged, readable and resumable; at most the queued backlog is lost."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time

import pytest
import runlog

pytestmark = pytest.mark.slow

QUEUE_BYTES = 8 << 20
FLOOD = r"""
import sys
import numpy as np
import runlog

root, run_id, queue_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
run = runlog.init(project="k", id=run_id, dir=root, backends=["files"],
                  settings={"handle_signals": False, "queue_bytes": queue_bytes})
for step in range(100_000):
    run.log({"img": runlog.Image(np.full((512, 512, 3), step % 251, dtype=np.uint8)),
             "step_copy": step})
    print(f"logged {step + 1}", flush=True)
    if step % 50 == 49:
        run.flush()
        print(f"flushed {step + 1}", flush=True)
"""


def _collect(proc: subprocess.Popen, lines: list[str]) -> None:
    lines.extend(x.strip() for x in proc.stdout)


def _last(lines: list[str], word: str) -> int:
    return max((int(x.split()[1]) for x in list(lines) if x.startswith(word)), default=0)


def test_kill_9_under_a_backlog_keeps_every_flushed_row_as_a_prefix(tmp_path):
    rng = random.Random(18)
    script = tmp_path / "flood.py"
    script.write_text(FLOOD)
    for trial in range(3):
        run_id = f"b{trial}"
        proc = subprocess.Popen([sys.executable, str(script), str(tmp_path), run_id,
                                 str(QUEUE_BYTES)], stdout=subprocess.PIPE, text=True)
        lines: list[str] = []
        reader = threading.Thread(target=_collect, args=(proc, lines), daemon=True)
        reader.start()
        deadline = time.monotonic() + 60
        while _last(lines, "flushed") < 50 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.2, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        reader.join(timeout=30)
        proc.stdout.close()
        flushed, logged = _last(lines, "flushed"), _last(lines, "logged")
        assert flushed >= 50

        view = runlog.read(tmp_path / "k" / run_id)
        kept = [row["step_copy"] for row in view.history]
        assert kept == list(range(len(kept))), trial  # a contiguous prefix, no gap, no repeat
        assert flushed <= len(kept) <= logged, (flushed, len(kept), logged)
        assert view.status == "crashed"

        resumed = runlog.init(project="k", id=run_id, dir=tmp_path, resume="must",
                              backends=["files"], settings={"handle_signals": False})
        resumed.log({"step_copy": -1})
        resumed.finish()
        assert runlog.read(tmp_path / "k" / run_id).history[-1]["_step"] == len(kept)
