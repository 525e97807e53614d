"""The files backend's CPU time per row on its worker: ``FilesBackend.write`` fed batches of
1 000 rows of 1, 10 and 100 floats (as the worker feeds it), timed with the thread's CPU
clock so that other processes on the machine count less; best of 5. Also the wall time of
the ``flush()`` that follows (its fsyncs), min-max.

Run: ``python benchmarks/bench_files_worker.py``; for an older version side by side, put
its packages first on ``PYTHONPATH`` (``run.py --before`` shows how it lays them out).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from runlog.backends import files
from runlog.typespec.records import Finished, Row, RunStarted

BATCH = 1000


def measure(width: int, rows: int, repeats: int = 5) -> tuple[float, float, float]:
    """(best CPU µs per row in write(), fastest and slowest flush in ms)."""
    keys = [(f"k{i}",) for i in range(width)]
    data = [Row(i, 1000.0 + i, float(i), {k: i * 0.5 + j for j, k in enumerate(keys)})
            for i in range(rows)]
    best, flushes = float("inf"), []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="runlog-bench-") as tmp:
            backend = files.factory({}, Path(tmp) / "p" / "r")
            started = RunStarted(id="r", project="p", name="r", start_time=1.0, config={},
                                 host="h", version="0")
            backend.start(started)
            backend.write([started])
            cpu = time.thread_time()
            for i in range(0, rows, BATCH):
                backend.write(data[i:i + BATCH])
            best = min(best, (time.thread_time() - cpu) / rows)
            wall = time.perf_counter()
            backend.flush()
            flushes.append(time.perf_counter() - wall)
            backend.close(Finished(0, "finished", {}, 1.0))
    return best * 1e6, min(flushes) * 1e3, max(flushes) * 1e3


def main() -> None:
    for width, rows in ((1, 20_000), (10, 20_000), (100, 5_000)):
        cpu, fast, slow = measure(width, rows)
        print(f"{width:>3} floats: {cpu:6.2f} µs CPU per row in write(); "
              f"flush {fast:.1f}-{slow:.1f} ms")


if __name__ == "__main__":
    main()
