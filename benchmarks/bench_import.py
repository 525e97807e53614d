"""``import runlog`` time, each measurement in a fresh interpreter: the ``-X importtime``
total of the ``runlog`` module (wall time) and the CPU time (user + system) of
``python -c "import runlog"`` less that of ``python -c "pass"``. The best of ``--runs`` runs
is kept: on a busy machine, noise only ever adds time.

Run: ``python benchmarks/bench_import.py [--runs N] [--module runlog]``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys


def cpu_seconds(code: str) -> float:
    before = os.times()
    subprocess.run([sys.executable, "-c", code], check=True)
    after = os.times()
    return (after.children_user - before.children_user
            + after.children_system - before.children_system)


def importtime_ms(module: str) -> float:
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                          capture_output=True, text=True, check=True)
    last = [line for line in done.stderr.splitlines() if re.search(rf"\| {module}$", line)]
    return int(last[-1].split("|")[1]) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--module", default="runlog")
    args = parser.parse_args()
    wall = min(importtime_ms(args.module) for _ in range(args.runs))
    cpu = min(cpu_seconds(f"import {args.module}") for _ in range(args.runs))
    bare = min(cpu_seconds("pass") for _ in range(args.runs))
    print(f"import {args.module}: -X importtime {wall:.0f} ms (best of {args.runs}); "
          f"CPU {(cpu - bare) * 1000:.0f} ms above a bare interpreter")


if __name__ == "__main__":
    main()
