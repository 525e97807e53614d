"""runlog against raw JSON and its peers, side by side in one run.

Every case (raw ``json.dumps``+``write``; runlog with each installed backend; tensorboardX
``add_scalar``; MLflow ``log_metric`` sync and ``synchronous=False`` and ``log_batch`` on
sqlite; wandb offline if installed) runs in a fresh process, so import time and peak RSS are
its own. Workloads: dicts of 1, 10 and 100 floats, and a 64×64 RGB image. For each it
reports the median and p99 caller time per call, the durable end-to-end throughput (calls per
second from the first timed call until everything is on disk), the ratio to raw JSON, and
checks runlog's targets (``docs/performance.md``). Each case runs its workloads several times
(5 for runlog and raw, fewer for the slow peers), alternating with raw JSON (the reference) in
the same process, and keeps the best repeat of each figure, the reference's too; so a busy machine
shifts both alike. With ``--rounds N`` every case process
runs N times in alternating order and the best round is kept.

    .venv/bin/python benchmarks/run.py                   # everything, under 5 minutes
    .venv/bin/python benchmarks/run.py --rounds 1 --only raw runlog:files tensorboardx
    .venv/bin/python benchmarks/run.py --before 7c22976 --only raw runlog:files  # before/after

JSON goes to ``benchmarks/results/bench-<time>.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _cases import WORKLOADS, all_specs, make  # noqa: E402

RUNLOG_BACKENDS = ("memory", "files", "tb", "mlflow")
CALLER_TARGET = 1.0
LABELS = {"floats_1": "1 float", "floats_10": "10 floats", "floats_100": "100 floats",
          "image_64": "image 64x64"}


def installed_runlog_backends() -> list[str]:
    """The runlog backends among memory/files/tb/mlflow that are installed here."""
    from runlog._registry import installed_backends

    names = installed_backends()
    return [b for b in RUNLOG_BACKENDS if b in names]


#: where each import package of runlog lives in the repository (pyproject's package-dir)
_PACKAGE_DIRS = {"facade": "runlog", "typespec": "runlog/typespec", "backends": "runlog/backends"}
BEFORE = "@before"


def checkout_before(rev: str, dest: Path) -> Path:
    """runlog as of git revision ``rev``, laid out for import under ``dest`` (for PYTHONPATH)."""
    archive = subprocess.run(["git", "archive", rev, *_PACKAGE_DIRS], cwd=HERE.parent,
                             capture_output=True, check=True).stdout
    src = dest / "src"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(src, filter="data")
    for repo_dir, package in sorted(_PACKAGE_DIRS.items(), key=lambda kv: kv[1]):
        shutil.copytree(src / repo_dir, dest / "lib" / package, dirs_exist_ok=True)
    return dest / "lib"


def run_case(spec: str, budget: float, max_calls: int, timeout: float,
             before: Path | None = None) -> dict:
    """One case in a fresh process; ``{"error": ...}`` if it failed. With ``before``, runlog
    is imported from that directory (``checkout_before``) and the case is labelled so."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNLOG_")}
    env["WANDB_SILENT"] = "true"
    if before is not None:
        env["PYTHONPATH"] = str(before)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(HERE / "_child.py"), spec, "--budget", str(budget),
             "--max-calls", str(max_calls)],
            capture_output=True, text=True, timeout=timeout, env=env, cwd=HERE,
        )
    except subprocess.TimeoutExpired:
        return {"spec": spec, "error": f"timed out after {timeout:g} s"}
    if done.returncode != 0:
        return {"spec": spec, "error": done.stderr.strip().splitlines()[-1:]}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if before is not None:
        result["spec"], result["case"] = spec + BEFORE, result["case"] + " before"
    result["elapsed_s"] = round(time.perf_counter() - started, 1)
    return result


def best_of(rounds: list[dict]) -> dict:
    """Per figure, the best round: lowest times, highest throughput, lowest memory."""
    ok = [r for r in rounds if "error" not in r]
    if not ok:
        return rounds[-1]
    out = {"case": ok[0]["case"], "spec": ok[0]["spec"], "rounds": len(ok),
           "import_s": min(r["import_s"] for r in ok),
           "peak_rss_floats_mb": min(r["peak_rss_floats_mb"] for r in ok),
           "peak_rss_mb": min(r["peak_rss_mb"] for r in ok), "workloads": {}}
    for workload in ok[0]["workloads"]:
        runs = [r["workloads"][workload] for r in ok]
        out["workloads"][workload] = {
            "calls": max(w["calls"] for w in runs),
            "median_us": min(w["median_us"] for w in runs),
            "p99_us": min(w["p99_us"] for w in runs),
            "ratio": min(w["ratio"] for w in runs),
            "throughput_per_s": max(w["throughput_per_s"] for w in runs),
            "raw_throughput_per_s": max(w["raw_throughput_per_s"] for w in runs),
            "durable_ratio": max(w["durable_ratio"] for w in runs),
        }
    return out


def _rate(m: dict) -> str:
    return f"{m['throughput_per_s']:,.0f} (×{m['durable_ratio']:.2f})"


def _fmt(us: float) -> str:
    return f"{us:,.2f}" if us < 100 else f"{us:,.0f}"


def table(results: list[dict]) -> str:
    """The printed report: caller time, throughput, resources, targets."""
    lines = ["Caller time per call: median / p99 in µs, best of the repeats (5 for runlog) "
             "(× the median of raw json.dumps+write, for the image PIL PNG encode+write, best of "
             "its runs alternating with those repeats in the same process)", ""]
    head = f"{'case':28}" + "".join(f"{LABELS[w]:>30}" for w in WORKLOADS)
    lines += [head, "-" * len(head)]
    for r in results:
        if "error" in r:
            lines.append(f"{r['spec']:28}  skipped: {r['error']}")
            continue
        cells = []
        for w in WORKLOADS:
            m = r["workloads"].get(w)
            cells.append("" if m is None else
                         f"{_fmt(m['median_us'])} / {_fmt(m['p99_us'])} "
                         f"(×{m['ratio']:.2f})")
        lines.append(f"{r['case']:28}" + "".join(f"{c:>30}" for c in cells))
    lines += ["", "Durable end-to-end throughput (calls/s until on disk; × raw's, same process), "
              "import time, peak RSS above the interpreter after the float workloads and after "
              "all", ""]
    head = (f"{'case':28}" + "".join(f"{LABELS[w]:>22}" for w in WORKLOADS)
            + f"{'import ms':>11}{'RSS floats':>12}{'RSS all':>9}")
    lines += [head, "-" * len(head)]
    for r in results:
        if "error" in r:
            continue
        cells = "".join(
            f"{_rate(r['workloads'][w]):>22}" if w in r["workloads"]
            else f"{'':>22}" for w in WORKLOADS)
        lines.append(f"{r['case']:28}{cells}{r['import_s'] * 1000:>11.0f}"
                     f"{r['peak_rss_floats_mb']:>12.1f}{r['peak_rss_mb']:>9.1f}")
    lines += ["", *targets(results)]
    return "\n".join(lines)


def targets(results: list[dict]) -> list[str]:
    """The throughput targets, each a ratio to the raw reference of the same process: caller
    time ≤ ×1.0 at 1 float; durable throughput ≥ ×1.0 for files and tb alone (floats and
    image) and ≥ ×0.5 for files+tb together. Also whether a peer is faster on the caller."""
    ok = {r["spec"]: r for r in results if "error" not in r}
    peers = [r for s, r in ok.items() if s != "raw" and not s.startswith("runlog")]
    out = ["Targets (ratios to the raw reference measured in the same process):"]
    for spec in ("runlog:files", "runlog:tb", "runlog:files+tb"):
        r = ok.get(spec)
        if r is None:
            continue
        floor = 0.5 if "+" in spec else 1.0
        for w in WORKLOADS:
            m = r["workloads"][w]
            verdict = "PASS" if m["durable_ratio"] >= floor else "MISS"
            out.append(f"  {verdict}  {r['case']:22} {LABELS[w]:>11}: durable "
                       f"×{m['durable_ratio']:.2f} raw (target ≥ ×{floor:g})")
        m = r["workloads"]["floats_1"]
        beaten = [p["case"] for p in peers if p["workloads"].get("floats_1", {}).get(
            "ratio", float("inf")) <= m["ratio"]]
        verdict = "PASS" if m["ratio"] <= CALLER_TARGET and not beaten else "MISS"
        why = f"; not below {', '.join(beaten)}" if beaten else ""
        out.append(f"  {verdict}  {r['case']:22} {LABELS['floats_1']:>11}: caller "
                   f"×{m['ratio']:.2f} raw (target ≤ ×{CALLER_TARGET:g}){why}")
    return out


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "machine": platform.machine(),
           "cpus": str(os.cpu_count())}
    for dist in ("runlog", "numpy", "pillow", "tensorboardX", "mlflow", "wandb"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--budget", type=float, default=1.0,
                        help="seconds of timed calls per workload (default 1.0)")
    parser.add_argument("--max-calls", type=int, default=5000,
                        help="timed calls per float workload; a tenth for the image")
    parser.add_argument("--only", nargs="*", help="case specs to run (default: all)")
    parser.add_argument("--before", metavar="REV",
                        help="also run each runlog case on git revision REV, alternating "
                             "with this version (a before/after table in one run)")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--mlflow", action="store_true",
                        help="also run bench_mlflow.py (sqlite and a local mlflow server)")
    args = parser.parse_args()

    specs = args.only or all_specs(installed_runlog_backends())
    if "raw" not in specs:
        specs = ["raw", *specs]
    tmp = tempfile.TemporaryDirectory(prefix="runlog-before-")
    before = checkout_before(args.before, Path(tmp.name)) if args.before else None
    if before is not None:  # each runlog case right after its before case
        specs = [x for s in specs for x in
                 ((s + BEFORE, s) if s.startswith("runlog:") else (s,))]
    started = time.time()
    rounds: dict[str, list[dict]] = {s: [] for s in specs}
    for n in range(args.rounds):
        for spec in specs if n % 2 == 0 else reversed(specs):
            name, is_before = spec.removesuffix(BEFORE), spec.endswith(BEFORE)
            missing = make(name).missing()
            if missing:
                rounds[spec] = [{"spec": spec, "error": missing}]
                continue
            print(f"round {n + 1}/{args.rounds}: {spec} ...", file=sys.stderr, flush=True)
            rounds[spec].append(run_case(name, args.budget, args.max_calls, timeout=240,
                                         before=before if is_before else None))
    tmp.cleanup()
    results = [best_of(rounds[s]) for s in specs]
    paced = run_case("rss", args.budget, args.max_calls, timeout=240)
    loop = run_case("loop-rss", args.budget, args.max_calls, timeout=240)
    report = table(results)
    if "error" not in paced:
        report += (f"\n\nMemory of a files-only run, {paced['rows']:,} rows of 10 floats at a "
                   f"training-like pace: {paced['peak_rss_mb']:.1f} MB above the interpreter "
                   "(target: under 30 MB)")
    if "error" not in loop:
        report += (f"\nMemory of a files-only run, {loop['rows']:,} rows of 10 floats in a loop "
                   f"that only logs ({loop['seconds']:.1f} s): {loop['peak_rss_mb']:.1f} MB "
                   "above the interpreter, import included (target: under 30 MB)")
    http = subprocess.run([sys.executable, str(HERE / "bench_http.py"), "--json"],
                          capture_output=True, text=True, timeout=300, cwd=HERE)
    http_result = json.loads(http.stdout.splitlines()[-1]) if http.returncode == 0 else {
        "error": http.stderr.strip().splitlines()[-1:]}
    report += f"\n\nhttp backend and collector (bench_http.py): {http_result}"
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / time.strftime("bench-%Y%m%d-%H%M%S.json")
    path.write_text(json.dumps({
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "seconds": round(time.time() - started),
        "settings": {"rounds": args.rounds, "budget_s": args.budget, "before": args.before,
                     "max_calls": args.max_calls},
        "versions": versions(), "results": results, "paced_files_rss": paced,
        "loop_files_rss": loop,
        "rounds": rounds, "http": http_result,
    }, indent=1))
    print(f"\n{time.time() - started:.0f} s; JSON: {path}")
    if args.mlflow:
        subprocess.run([sys.executable, str(HERE / "bench_mlflow.py")], check=False)


if __name__ == "__main__":
    main()
