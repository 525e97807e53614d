"""What the system-metrics sampler costs the training loop: caller time per ``log()`` with the
sampler on and off, in the same process, trials interleaved (off, on, off, on, ...) so that
machine drift hits both alike; plus the time one sample takes on the sampler's thread.

The sampler is measured at its default interval (10 s) and at ``--fast`` (default 0.01 s, a
thousand times more often) to bound its effect from above. Each trial logs ``--rows`` rows of
``--keys`` floats to the ``files`` backend (runlog's default) and finishes the run; the figure
is the median over ``--trials`` trials of the caller's seconds per ``log()``.

Run: ``python benchmarks/bench_system.py [--rows 100000] [--trials 5] [--fast 0.01]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings

import runlog


def trial(root: str, rows: int, keys: int, settings: dict) -> tuple[float, int]:
    """Seconds per ``log()`` call and the samples the run received."""
    run = runlog.init(project="bench", dir=root, backends=["files", "memory"],
                      settings={"handle_signals": False, **settings})
    names = [f"metric_{i}" for i in range(keys)]
    start = time.perf_counter()
    for step in range(rows):
        run.log(dict.fromkeys(names, step * 0.001))
    per_call = (time.perf_counter() - start) / rows
    samples = len(run.backends["memory"].system)
    run.finish()
    return per_call, samples


def sample_cost(count: int) -> float:
    """Seconds one sample takes (psutil, and NVML when present), on this thread."""
    import psutil
    from runlog._system import Probe

    probe = Probe(psutil)
    start = time.perf_counter()
    for _ in range(count):
        probe.sample()
    elapsed = time.perf_counter() - start
    probe.close()
    return elapsed / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keys", type=int, default=10)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--fast", type=float, default=0.01,
                        help="the fast sampler interval (s)")
    args = parser.parse_args()
    configs = {
        "off": {"system_metrics": False},
        "on, 10 s (default)": {"system_metrics_interval": 10.0},
        f"on, {args.fast:g} s": {"system_metrics_interval": args.fast},
    }
    times: dict[str, list[float]] = {name: [] for name in configs}
    samples: dict[str, int] = dict.fromkeys(configs, 0)
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as root:
        trial(root, 1000, args.keys, configs["off"])  # warm up: imports, caches
        for _ in range(args.trials):
            for name, settings in configs.items():
                per_call, got = trial(root, args.rows, args.keys, settings)
                times[name].append(per_call)
                samples[name] += got
    off = statistics.median(times["off"])
    print(f"log() of {args.keys} floats, files + memory backends, {args.rows} rows x "
          f"{args.trials} trials each (median; Python {sys.version.split()[0]})")
    for name, values in times.items():
        median = statistics.median(values)
        spread = f"{min(values) * 1e6:.2f}-{max(values) * 1e6:.2f}"
        print(f"  sampler {name:<20} {median * 1e6:6.2f} us/call  (range {spread}; "
              f"{(median / off - 1) * 100:+.1f}% vs off; {samples[name]} samples)")
    cost = sample_cost(50)
    print(f"one sample on the sampler's thread: {cost * 1e3:.2f} ms "
          f"({cost / 10.0 * 100:.3f}% of one core at the default 10 s interval)")


if __name__ == "__main__":
    main()
