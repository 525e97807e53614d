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

from _cases import Case, Raw, make, payloads


def _rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def timed(case: Case, workload: str, budget: float, calls: int, data: list) -> dict:
    """Warm up, then time ``case.call`` up to ``calls`` times or ``budget`` seconds, then wait
    until it is durable. Call ``i`` logs ``data[i]`` (``len(data)`` >= ``calls`` + the warm-up)."""
    perf = time.perf_counter_ns
    items = iter(data)
    with tempfile.TemporaryDirectory(prefix="runlog-bench-") as tmp:
        case.start(Path(tmp), workload)
        call = case.call
        warm_until = time.perf_counter() + budget / 5
        for _ in range(max(1, calls // 25)):  # warm-up, made durable before timing
            call(next(items))
            if time.perf_counter() > warm_until:
                break
        case.durable()
        times: list[int] = []
        start = time.perf_counter()
        stop_at = start + budget
        while len(times) < calls and time.perf_counter() < stop_at:
            item = next(items)
            t = perf()
            call(item)
            times.append(perf() - t)
        logged = time.perf_counter()
        case.durable()
        end = time.perf_counter()
        case.stop()
    times.sort()
    n = len(times)
    return {
        "calls": n,
        "median_us": times[n // 2] / 1000,
        "p99_us": times[min(n - 1, int(n * 0.99))] / 1000,
        "mean_us": sum(times) / n / 1000,
        "durable_wait_s": end - logged,
        "throughput_per_s": n / (end - start),
    }


def measure(spec: str, budget: float, max_calls: int) -> dict:
    """Run every workload of the case ``spec`` ``case.repeats`` times, alternating with the raw
    reference (raw JSON or PNG on the caller) in this same process. Each figure is the best
    repeat (noise on a shared machine only ever adds time), for the case and the reference
    alike; the ratio divides the two."""
    base_rss = _rss_kb()
    case = make(spec)
    t0 = time.perf_counter()
    for module in case.modules:
        importlib.import_module(module)
    out: dict = {"case": case.name, "spec": spec, "import_s": time.perf_counter() - t0,
                 "workloads": {}}
    for workload in case.workloads:
        calls = max_calls // 10 if workload.startswith("image") else max_calls
        data = payloads(workload, calls + calls // 25 + 1)
        share = budget / case.repeats
        raws = [timed(Raw(), workload, share / 2, calls, data)]
        reps = []
        for _ in range(case.repeats):
            reps.append(timed(case, workload, share, calls, data))
            raws.append(timed(Raw(), workload, share / 2, calls, data))
        best = {key: min(r[key] for r in reps) for key in ("median_us", "p99_us", "mean_us")}
        raw_median = min(r["median_us"] for r in raws)
        raw_rate = max(r["throughput_per_s"] for r in raws)
        rate = max(r["throughput_per_s"] for r in reps)
        out["workloads"][workload] = {
            **best,
            "calls": sum(r["calls"] for r in reps),
            "throughput_per_s": rate,
            "raw_median_us": raw_median,
            "raw_throughput_per_s": raw_rate,
            "ratio": best["median_us"] / raw_median,
            "durable_ratio": rate / raw_rate,
            "medians_us": [r["median_us"] for r in reps],
            "raw_medians_us": [r["median_us"] for r in raws],
            "throughputs_per_s": [r["throughput_per_s"] for r in reps],
            "raw_throughputs_per_s": [r["throughput_per_s"] for r in raws],
        }
        if workload.startswith("floats"):
            out["peak_rss_floats_mb"] = (_rss_kb() - base_rss) / 1024
    out["peak_rss_mb"] = (_rss_kb() - base_rss) / 1024
    return out


def paced_files_rss(rows: int = 20_000) -> dict:
    """Peak RSS above the interpreter of a files-only run logging ``rows`` rows of 10 floats at a
    training-like pace (1 ms of "compute" every 100 rows): the memory target of
    ``docs/performance.md``."""
    base = _rss_kb()
    import runlog

    with tempfile.TemporaryDirectory(prefix="runlog-bench-") as tmp:
        run = runlog.init(project="bench", dir=tmp, backends=["files"],
                          settings={"handle_signals": False})
        data = payloads("floats_10", 1)[0]
        for step in range(rows):
            run.log(data)
            if step % 100 == 99:
                time.sleep(0.001)
        run.finish()
    return {"case": "runlog [files] paced", "spec": "rss", "rows": rows,
            "peak_rss_mb": (_rss_kb() - base) / 1024}


def loop_files_rss(rows: int = 100_000) -> dict:
    """Peak RSS above the interpreter (``import runlog`` included) of a files-only run logging
    ``rows`` rows of 10 new floats in a loop that does nothing else, with the default queue."""
    base = _rss_kb()
    import runlog

    keys = [f"train/metric_{i}" for i in range(10)]
    with tempfile.TemporaryDirectory(prefix="runlog-bench-") as tmp:
        run = runlog.init(project="bench", dir=tmp, backends=["files"],
                          settings={"handle_signals": False})
        t0 = time.perf_counter()
        for step in range(rows):
            run.log({k: step + i / 7 for i, k in enumerate(keys)})
        run.finish()
        seconds = time.perf_counter() - t0
    return {"case": "runlog [files] loop", "spec": "loop-rss", "rows": rows,
            "seconds": seconds, "peak_rss_mb": (_rss_kb() - base) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("spec", help="a case spec, 'rss' for the paced files-only run or "
                                     "'loop-rss' for the tight files-only loop")
    parser.add_argument("--budget", type=float, default=1.5)
    parser.add_argument("--max-calls", type=int, default=5000)
    args = parser.parse_args()
    if args.spec == "rss":
        print(json.dumps(paced_files_rss()))
    elif args.spec == "loop-rss":
        print(json.dumps(loop_files_rss()))
    else:
        print(json.dumps(measure(args.spec, args.budget, args.max_calls)))


if __name__ == "__main__":
    main()
