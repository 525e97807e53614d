"""The files backend side by side with raw ``json.dumps`` + ``write``, in one process run.

For a dict of 1 / 10 / 100 floats per row, measured on the same rows:

- ``raw``: ``f.write(json.dumps(row) + "\\n")`` on a buffered file, fsync at the end;
- ``backend``: ``FilesBackend.write([Row])`` called directly (the cost on the backend's worker:
  encoding the record and the history line, buffering, timed write-outs);
- ``run.log``: ``runlog.init(backends=["files"])`` then ``run.log(row)`` (the caller's cost with
  whatever dispatcher runlog has), ``run.flush()`` at the end.

Caller cost is the median time of one call; durable rows/s is rows / (time of every call +
the final fsync or ``flush()``), so the number counts only rows that are on disk.

Run: ``python benchmarks/bench_files.py [--rows N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def timed(calls: list[Callable[[], Any]], finish: Callable[[], Any]) -> tuple[float, float]:
    """(median seconds per call, durable rows per second)."""
    clock = time.perf_counter
    each = []
    start = clock()
    for call in calls:
        t0 = clock()
        call()
        each.append(clock() - t0)
    finish()
    total = clock() - start
    return statistics.median(each), len(calls) / total


def raw(rows: list[dict], path: Path) -> tuple[float, float]:
    with open(path, "w") as f:
        write, dumps = f.write, json.dumps

        def finish() -> None:
            f.flush()
            os.fsync(f.fileno())

        return timed([lambda r=r: write(dumps(r) + "\n") for r in rows], finish)


def backend(rows: list[dict], path: Path) -> tuple[float, float]:
    from runlog.backends.files import factory
    from runlog.typespec.records import Finished, Row, RunStarted

    files = factory({}, path)
    started = RunStarted(id=path.name, project="bench", name=path.name, start_time=time.time())
    files.start(started)
    files.write([started])
    records = [Row(i, time.time(), 0.0, {(k,): v for k, v in r.items()})
               for i, r in enumerate(rows)]
    out = timed([lambda rec=rec: files.write((rec,)) for rec in records],
                lambda: files.flush(None))
    files.close(Finished(0, "finished", {}, time.time(), len(rows)))
    return out


def facade(rows: list[dict], root: Path, run_id: str) -> tuple[float, float]:
    import runlog

    run = runlog.init(project="bench", id=run_id, dir=root, backends=["files"],
                      settings={"handle_signals": False})
    out = timed([lambda r=r: run.log(r) for r in rows], run.flush)
    run.finish()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000, help="rows per measurement")
    args = parser.parse_args()
    us = 1e6
    print(f"{args.rows} rows each; caller cost = median per call, durable = rows/s incl. fsync")
    print(f"{'floats':>6} {'what':>8} {'caller us':>10} {'x raw':>6} {'durable rows/s':>15} "
          f"{'x raw':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for n in (1, 10, 100):
            rows = [{f"metric_{j}": i * 0.001 + j for j in range(n)} for i in range(args.rows)]
            base = raw(rows, root / f"raw{n}.jsonl")
            results = {
                "raw": base,
                "backend": backend(rows, root / "bench" / f"backend{n}"),
                "run.log": facade(rows, root, f"facade{n}"),
            }
            for what, (cost, rate) in results.items():
                print(f"{n:>6} {what:>8} {cost * us:>10.2f} {cost / base[0]:>6.2f} "
                      f"{rate:>15,.0f} {rate / base[1]:>6.2f}")


if __name__ == "__main__":
    main()
