"""Import and sync of long runs: rows/s and peak memory, at two run lengths.

Each measured step runs in a fresh process, so its peak RSS (``VmHWM``) is its own; the
same step at ``--rows`` and at a tenth of it shows whether memory grows with the run (it must
not: the readers stream). Steps:

- ``import tb``: a logdir of ``rows`` steps × 10 scalars, written beforehand with tensorboardX's
  ``EventsWriter`` (one event per step);
- ``import mlflow``: a sqlite store of ``rows`` steps × 10 metrics written with ``log_batch``
  (skipped with ``--no-mlflow``: writing the store alone takes minutes at 1 000 000 rows);
- ``sync files → tb``: a files-layout run of ``rows`` rows × 10 floats, replayed into ``tb``.

    .venv/bin/python benchmarks/bench_migrate.py --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

KEYS = [f"m{i}" for i in range(10)]

CHILD = textwrap.dedent("""
    import json, sys, time
    step, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
    t0 = time.perf_counter()
    if step == "import_tb":
        from runlog.migrate import import_tb
        rows = import_tb(src, dst)[0].rows
    elif step == "import_mlflow":
        from runlog.migrate import import_mlflow
        rows = import_mlflow(src, dst)[0].rows
    else:
        from runlog.migrate.sync import sync
        rows = sync(src, "tb:logdir=" + dst).sent["tb"][1]
    seconds = time.perf_counter() - t0
    # VmHWM, not ru_maxrss: Linux carries the parent's peak across fork + exec into ru_maxrss
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
    peak_mb = int(hwm.split()[1]) / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak_mb}))
""")


def write_tb(logdir: Path, rows: int) -> None:
    from tensorboardX.event_file_writer import EventsWriter
    from tensorboardX.proto.event_pb2 import Event
    from tensorboardX.proto.summary_pb2 import Summary

    (logdir / "run").mkdir(parents=True)
    writer = EventsWriter(str(logdir / "run" / "events"), "")
    t0 = time.time()
    for step in range(rows):
        values = [Summary.Value(tag=k, simple_value=step + i) for i, k in enumerate(KEYS)]
        writer.write_event(Event(step=step, wall_time=t0 + step * 1e-3,
                                 summary=Summary(value=values)))
    writer.close()


def write_files(root: Path, rows: int) -> Path:
    from runlog.backends.files import factory
    from runlog.typespec.records import Finished, Row, RunStarted

    run_dir = root / "p" / "big"
    backend = factory({}, run_dir)
    t0 = time.time()
    backend.start(RunStarted("big", "p", "big", t0))
    batch: list = [RunStarted("big", "p", "big", t0)]
    for step in range(rows):
        batch.append(Row(step, t0 + step * 1e-3, step * 1e-3,
                         {(k,): float(step + i) for i, k in enumerate(KEYS)}))
        if len(batch) >= 5000:
            backend.write(batch)
            batch = []
    done = Finished(0, "finished", {}, t0 + rows * 1e-3, rows)
    backend.write([*batch, done])
    backend.flush(None)
    backend.close(done)
    return run_dir


def write_mlflow(uri: str, rows: int) -> None:
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(uri)
    run = client.create_run(client.create_experiment("bench"))
    t0 = int(time.time() * 1000)
    batch = []
    for step in range(rows):
        batch += [Metric(k, float(step + i), t0 + step, step) for i, k in enumerate(KEYS)]
        if len(batch) >= 1000:
            client.log_batch(run.info.run_id, metrics=batch)
            batch = []
    if batch:
        client.log_batch(run.info.run_id, metrics=batch)
    client.set_terminated(run.info.run_id)


def measure(step: str, src: str, dst: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, step, src, dst], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-mlflow", action="store_true")
    args = parser.parse_args()
    results = []
    for rows in (args.rows // 10, args.rows):
        with tempfile.TemporaryDirectory() as tmp:
            tmp_path = Path(tmp)
            write_tb(tmp_path / "tb", rows)
            results.append(("import tb", rows, measure("import_tb", str(tmp_path / "tb"),
                                                      str(tmp_path / "out1"))))
            src = write_files(tmp_path / "runs", rows)
            results.append(("sync files -> tb", rows,
                            measure("sync", str(src), str(tmp_path / "tbout"))))
            if not args.no_mlflow:
                uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
                write_mlflow(uri, rows)
                results.append(("import mlflow", rows,
                                measure("import_mlflow", uri, str(tmp_path / "out2"))))
    print(f"{'step':<18}{'rows':>10}{'rows/s':>10}{'peak MB':>10}")
    for name, rows, r in results:
        assert r["rows"] == rows, (name, r)
        print(f"{name:<18}{rows:>10}{rows / r['seconds']:>10.0f}{r['peak_mb']:>10.1f}")


if __name__ == "__main__":
    main()
