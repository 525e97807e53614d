"""Caller cost of ``Image(uint8 256×256×3)`` next to ``arr.copy()``, in one process.

The constructor validates and snapshots (copies) the array; PNG encoding is lazy and happens
later, off the caller's thread. So constructing an Image should cost about one array copy plus
a small constant. Also timed: ``run.log({"img": Image(arr)})`` on the memory backend next to a
copy that is kept alive as the logged image is, and the deferred PNG encoding itself (what a
backend worker pays once).

Run: ``python benchmarks/bench_image.py [--calls N]``. Prints the median per call of each and
the ratio to its baseline.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np


def side_by_side(fns: dict[str, Callable[[], object]], calls: int,
                 rounds: int = 5) -> dict[str, float]:
    """Median seconds per call of each function, the calls interleaved (order flipped each
    round) so that allocator and cache state are shared fairly."""
    samples: dict[str, list[int]] = {name: [] for name in fns}
    order = list(fns)
    for _ in range(rounds):
        for _ in range(calls):
            for name in order:
                t0 = time.perf_counter_ns()
                fns[name]()
                samples[name].append(time.perf_counter_ns() - t0)
        order.reverse()
    return {name: statistics.median(s) / 1e9 for name, s in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400, help="calls per round (5 rounds)")
    args = parser.parse_args()

    import runlog
    from runlog.typespec import Image

    arr = np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    Image(arr).payload()  # warm up imports (PIL) outside the timings

    times = side_by_side({"copy": arr.copy, "image": lambda: Image(arr)}, args.calls)
    copy_s, image_s = times["copy"], times["image"]
    encode_s = side_by_side({"encode": lambda: Image(arr).payload()},
                            max(args.calls // 10, 10))["encode"] - image_s

    # Logged images stay alive (the memory backend keeps them), so each snapshot lands in
    # fresh memory; the fair baseline is a copy that is kept too.
    kept: list[np.ndarray] = []
    run = runlog.init(backends=["memory"], settings={"handle_signals": False})
    log_calls = max(args.calls // 4, 10)
    logged = side_by_side({"kept": lambda: kept.append(arr.copy()),
                           "log": lambda: run.log({"img": Image(arr)})}, log_calls, rounds=2)
    run.finish()
    kept_s, log_s = logged["kept"], logged["log"]

    us = 1e6
    print(f"array 256x256x3 uint8 ({arr.nbytes} bytes), median per call")
    print(f"  arr.copy()                          {copy_s * us:9.1f} us   1.00x")
    print(f"  Image(arr)                          {image_s * us:9.1f} us "
          f"{image_s / copy_s:6.2f}x   (+{(image_s - copy_s) * us:.1f} us)")
    print(f"  kept.append(arr.copy())             {kept_s * us:9.1f} us   1.00x")
    print(f"  run.log({{'img': Image(arr)}}) memory  {log_s * us:9.1f} us "
          f"{log_s / kept_s:6.2f}x   (+{(log_s - kept_s) * us:.1f} us)")
    print(f"  deferred PNG encoding (worker)      {encode_s * us:9.1f} us "
          f"{encode_s / copy_s:6.2f}x")


if __name__ == "__main__":
    main()
