"""One benchmark case in a fresh process: import time, caller time per call, durable
throughput and peak RSS, printed as JSON on stdout (``benchmarks/run.py`` starts it)."""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _cases import make, payload  # noqa: E402


def _rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(spec: str, budget: float, max_calls: int) -> dict:
    """Run every workload of the case ``spec``; see the module docstring."""
    base_rss = _rss_kb()
    case = make(spec)
    t0 = time.perf_counter()
    for module in case.modules:
        importlib.import_module(module)
    out: dict = {"case": case.name, "spec": spec, "import_s": time.perf_counter() - t0,
                 "workloads": {}}
    perf = time.perf_counter_ns
    for workload in case.workloads:
        image = workload.startswith("image")
        calls = max_calls // 10 if image else max_calls
        data = payload(workload)
        with tempfile.TemporaryDirectory(prefix="runlog-bench-") as tmp:
            case.start(Path(tmp), workload)
            call = case.call
            for _ in range(max(5, calls // 25)):  # warm-up, made durable before timing
                call(data)
            case.durable()
            times: list[int] = []
            start = time.perf_counter()
            stop_at = start + budget
            while len(times) < calls and time.perf_counter() < stop_at:
                t = perf()
                call(data)
                times.append(perf() - t)
            logged = time.perf_counter()
            case.durable()
            end = time.perf_counter()
            case.stop()
        times.sort()
        n = len(times)
        out["workloads"][workload] = {
            "calls": n,
            "median_us": times[n // 2] / 1000,
            "p99_us": times[min(n - 1, int(n * 0.99))] / 1000,
            "mean_us": sum(times) / n / 1000,
            "durable_wait_s": end - logged,
            "throughput_per_s": n / (end - start),
        }
    out["peak_rss_mb"] = (_rss_kb() - base_rss) / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("spec")
    parser.add_argument("--budget", type=float, default=1.5)
    parser.add_argument("--max-calls", type=int, default=5000)
    args = parser.parse_args()
    print(json.dumps(measure(args.spec, args.budget, args.max_calls)))


if __name__ == "__main__":
    main()
