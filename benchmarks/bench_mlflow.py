"""runlog's ``mlflow`` backend vs MLflow's own calls, into sqlite and into a tracking server.

One workload (``--rows`` rows of 10 floats, one row per step) goes, in one process and one
after the other, through:

- runlog ``backends=["mlflow"]`` (``run.log(row)``, then ``run.finish()``);
- MLflow ``log_metric`` per value (synchronous), ``log_metric(synchronous=False)`` then
  ``flush_async_logging()``, and ``MlflowClient.log_batch`` per row;
- runlog ``backends=["files"]``, for the caller's time per ``log()`` to compare with.

"Durable rows/s" counts from ``runlog.init`` / ``start_run`` until the data is in the store
(``finish()``, ``end_run()``); "us/log()" is the caller's time per row in the logging loop.
runlog's ``mlflow`` backend also runs with ten times the rows, for its steady rate. Every
variant is read back with ``get_metric_history`` to check that all points arrived. The
server is ``mlflow server`` on 127.0.0.1 (sqlite behind it), started and stopped here. ::

    .venv/bin/python benchmarks/bench_mlflow.py --rows 100
    .venv/bin/python benchmarks/bench_mlflow.py --rows 100 --stores sqlite
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

KEYS = [f"train/metric_{i}" for i in range(10)]
Result = tuple[float, float]  # (end-to-end seconds, caller seconds)


def rows(n: int) -> list[dict[str, float]]:
    return [{k: (step * 10 + i) / 7 for i, k in enumerate(KEYS)} for step in range(n)]


def runlog_variant(backend: str) -> Callable[[str, str, list[dict[str, float]], Path], Result]:
    def bench(uri: str, project: str, data: list[dict[str, float]], root: Path) -> Result:
        import runlog

        entry = f"mlflow:tracking_uri={uri}" if backend == "mlflow" else backend
        t0 = time.perf_counter()
        run = runlog.init(project=project, backends=[entry], dir=root,
                          settings={"handle_signals": False})
        t1 = time.perf_counter()
        for row in data:
            run.log(row)
        caller = time.perf_counter() - t1
        run.finish()
        return time.perf_counter() - t0, caller

    return bench


def mlflow_variant(mode: str) -> Callable[[str, str, list[dict[str, float]], Path], Result]:
    def bench(uri: str, project: str, data: list[dict[str, float]], root: Path) -> Result:
        import mlflow
        from mlflow.entities import Metric

        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment(project)
        client = mlflow.MlflowClient(uri)
        t0 = time.perf_counter()
        run = mlflow.start_run()
        t1 = time.perf_counter()
        for step, row in enumerate(data):
            if mode == "batch":
                ts = int(time.time() * 1000)
                client.log_batch(run.info.run_id,
                                 [Metric(k, v, ts, step) for k, v in row.items()])
            else:
                for key, value in row.items():
                    mlflow.log_metric(key, value, step=step, synchronous=mode == "sync")
        caller = time.perf_counter() - t1
        if mode == "async":
            mlflow.flush_async_logging()
        mlflow.end_run()
        return time.perf_counter() - t0, caller

    return bench


VARIANTS = {
    "runlog mlflow": runlog_variant("mlflow"),
    "mlflow log_metric": mlflow_variant("sync"),
    "mlflow log_metric async": mlflow_variant("async"),
    "mlflow log_batch per row": mlflow_variant("batch"),
}


def count_points(uri: str, project: str) -> int:
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name(project)
    (run,) = client.search_runs([experiment.experiment_id])
    return sum(len(client.get_metric_history(run.info.run_id, k)) for k in KEYS)


def bench_store(name: str, uri: str, data: list[dict[str, float]], root: Path) -> None:
    print(f"\n{name}: {len(data)} rows x 10 floats, end to end until the store holds them; "
          "every point read back")
    print(f"{'variant':26} {'total s':>8} {'rows/s':>9} {'us/log()':>9} {'vs log_metric':>14}")
    results: dict[str, tuple[int, float, float]] = {}
    runs = [(label, bench, data) for label, bench in VARIANTS.items()]
    runs.append(("runlog mlflow, 10x rows", VARIANTS["runlog mlflow"], data * 10))
    for label, bench, rows_in in runs:
        project = f"bench-{uuid.uuid4().hex[:8]}"
        total, caller = bench(uri, project, rows_in, root / project)
        points = count_points(uri, project)
        assert points == len(rows_in) * len(KEYS), f"{label}: {points} points read back"
        results[label] = (len(rows_in), total, caller)
    results["runlog files (reference)"] = (len(data), *runlog_variant("files")(
        "", "files", data, root / "files"))
    base = len(data) / results["mlflow log_metric"][1]
    for label, (n, total, caller) in results.items():
        rate = n / total
        print(f"{label:26} {total:8.2f} {rate:9.0f} {caller / n * 1e6:9.1f} "
              f"{rate / base:13.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--stores", nargs="*", default=["sqlite", "server"],
                        choices=["sqlite", "server"])
    args = parser.parse_args()
    os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    data = rows(args.rows)
    with tempfile.TemporaryDirectory(prefix="bench-mlflow-") as tmp:
        root = Path(tmp)
        db = f"sqlite:///{root / 'mlflow.db'}"
        from mlflow import MlflowClient

        MlflowClient(db).search_experiments()  # the schema migrations, outside the timings
        if "sqlite" in args.stores:
            bench_store("sqlite store", db, data, root / "sqlite")
        if "server" in args.stores:
            from _mlflow_helpers import MlflowServer

            server = MlflowServer(f"sqlite:///{root / 'server.db'}", root / "artifacts").start()
            try:
                bench_store(f"mlflow server {server.url}", server.url, data, root / "server")
            finally:
                server.stop()


if __name__ == "__main__":
    main()
