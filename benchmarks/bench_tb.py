"""runlog's ``tb`` backend vs tensorboardX ``add_scalar``, side by side in one process.

Each round logs ``--rows`` rows of 10 floats, end to end: from the first call until the event
files are closed (``run.finish()`` / ``writer.close()``). tensorboardX runs with its defaults
(``max_queue=10``) and with ``max_queue=100000``. Both outputs are read back with
TensorBoard's EventAccumulator to check that every point arrived. Prints the median time of
each variant over ``--rounds`` rounds and the ratios to runlog::

    .venv/bin/python benchmarks/bench_tb.py --rows 5000 --rounds 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

KEYS = [f"train/metric_{i}" for i in range(10)]


def rows(n: int) -> list[dict[str, float]]:
    return [{k: (step * 10 + i) / 7 for i, k in enumerate(KEYS)} for step in range(n)]


def run_runlog(data: list[dict[str, float]], root: Path) -> tuple[float, float, Path]:
    """End-to-end and caller-side seconds of runlog with ``backends=["tb"]``."""
    import runlog

    t0 = time.perf_counter()
    run = runlog.init(project="bench", backends=["tb"], dir=root,
                      settings={"handle_signals": False})
    for row in data:
        run.log(row)
    t_log = time.perf_counter() - t0
    run.finish()
    return time.perf_counter() - t0, t_log, root / "bench" / run.id


def run_tensorboardx(max_queue: int) -> Callable[[list[dict[str, float]], Path],
                                                 tuple[float, float, Path]]:
    def bench(data: list[dict[str, float]], root: Path) -> tuple[float, float, Path]:
        from tensorboardX import SummaryWriter

        logdir = root / "tbx"
        t0 = time.perf_counter()
        writer = SummaryWriter(str(logdir), max_queue=max_queue,
                               filename_suffix=f".{os.getpid()}.{uuid.uuid4().hex[:8]}")
        for step, row in enumerate(data):
            now = time.time()
            for key, value in row.items():
                writer.add_scalar(key, value, step, walltime=now)
        t_log = time.perf_counter() - t0
        writer.close()
        return time.perf_counter() - t0, t_log, logdir

    return bench


def count_points(logdir: Path) -> int:
    from tensorboard.backend.event_processing import event_accumulator as ea

    acc = ea.EventAccumulator(str(logdir), size_guidance={ea.SCALARS: 0}).Reload()
    return sum(len(acc.Scalars(k)) for k in KEYS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = rows(args.rows)
    variants = {
        "runlog tb": run_runlog,
        "tensorboardX (max_queue=10)": run_tensorboardx(10),
        "tensorboardX (max_queue=100000)": run_tensorboardx(100_000),
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for v, (name, bench) in enumerate(variants.items()):  # interleaved: same load
                root = Path(tmp) / f"round{r}-variant{v}"
                total, caller, logdir = bench(data, root)
                points = count_points(logdir)
                assert points == args.rows * len(KEYS), f"{name}: {points} points read back"
                results[name].append((total, caller))
    base = statistics.median(t for t, _ in results["runlog tb"])
    print(f"{args.rows} rows x 10 floats, median of {args.rounds} rounds, end to end "
          "(until the event files are closed); every point read back")
    print(f"{'variant':34} {'total s':>9} {'log loop s':>11} {'us/row':>8} {'vs runlog':>10}")
    for name, times in results.items():
        total = statistics.median(t for t, _ in times)
        caller = statistics.median(c for _, c in times)
        print(f"{name:34} {total:9.3f} {caller:11.3f} {total / args.rows * 1e6:8.1f} "
              f"{total / base:9.2f}x")


if __name__ == "__main__":
    main()
