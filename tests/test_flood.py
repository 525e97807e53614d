"""A flood of large images: the queue is bounded by bytes, memory stays flat, every row lands."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import runlog
from _dispatch_helpers import Collector, plugin

QUEUE_BYTES = 16 << 20
FLOOD = r"""
import json, resource, sys, time
import numpy as np
import runlog

root, queue_bytes = sys.argv[1], int(sys.argv[2])
run = runlog.init(dir=root, project="p", id="flood", backends=["files"],
                  settings={"handle_signals": False, "queue_bytes": queue_bytes})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
n, t0 = 0, time.monotonic()
while n < 600 and time.monotonic() - t0 < 3:  # 512x512 RGB: 768 KiB of pixels each
    run.log({"img": runlog.Image(np.full((512, 512, 3), n % 251, dtype=np.uint8)), "i": n})
    n += 1
run.finish()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"logged": n, "growth_mb": (peak - before) / 1024}))
"""


def test_a_flood_of_images_keeps_memory_bounded_and_loses_nothing(tmp_path):
    done = subprocess.run([sys.executable, "-c", FLOOD, str(tmp_path), str(QUEUE_BYTES)],
                          capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["logged"] >= 50, result
    # the queue holds at most ~16 MiB of pixels (plus one batch in flight); without the byte
    # bound the same flood grew RSS by ~390 MB
    assert result["growth_mb"] < 100, result
    back = runlog.read(tmp_path / "p" / "flood")
    assert back.status == "finished"
    assert [row["i"] for row in back.history] == list(range(result["logged"]))


def test_drop_oldest_keeps_a_queue_of_images_under_queue_bytes():
    import numpy as np

    gate = threading.Event()
    try:
        with plugin("t", gated=lambda: Collector("gated", gate=gate)):
            run = runlog.init(backends=["gated"], settings={
                "handle_signals": False, "queue_bytes": 1 << 20, "queue_policy": "drop_oldest",
            })
            for i in range(40):  # 192 KiB of pixels each: about 5 fit in 1 MiB
                run.log({"img": runlog.Image(np.full((256, 256, 3), i, dtype=np.uint8)),
                         "i": i})
            stats = run.stats["backends"]["gated"]
            assert stats["queued"] <= 8 and stats["dropped"] >= 30, stats
            gate.set()
            run.finish()
    finally:
        gate.set()
    got = [row.values[("i",)] for row in run.backends["gated"].rows]
    assert len(got) <= 10 and got[-3:] == [37, 38, 39], got  # in flight, then the newest
