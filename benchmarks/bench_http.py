"""The http backend and the collector: ingest throughput and the caller's cost per ``log()``.

- ``ingest 1 client``: one client posting pre-encoded batches of 1 000 rows (10 floats each)
  to a real ``runlog serve`` on 127.0.0.1, one request after the other; rows/s from the first
  request until the last acknowledgement (acknowledged = fsynced on the collector).
- ``ingest 8 clients``: 8 threads, one run each, the same batches at once; total rows/s.
- ``log() caller time``: median seconds per ``run.log(10 floats)`` with ``backends=["http"]``
  against ``backends=["files"]``, plus the time of ``finish()`` (delivery included for http).

Run: ``python benchmarks/bench_http.py [--rows N] [--json]`` (about 30 s with the defaults).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

BATCH = 1000


def start_collector(root: Path) -> tuple[subprocess.Popen, str]:
    """``runlog serve`` on a free port; returns (process, url) once it answers."""
    import requests

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "runlog._cli", "serve", "--dir", str(root),
                             "--port", str(port)], stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(f"{url}/v1/health", timeout=1).raise_for_status()
            return proc, url
        except requests.RequestException:
            time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError("the collector did not start")


def encoded_batches(run_id: str, rows: int) -> list[dict]:
    """The wire batches of one run: run_started, then rows of 10 floats."""
    from runlog.typespec.jsonform import record_to_json
    from runlog.typespec.records import Row, RunStarted

    now = time.time()
    records = [record_to_json(RunStarted(id=run_id, project="bench", name=run_id,
                                         start_time=now))]
    records += [record_to_json(Row(i, now, 0.0, {(f"m{k}",): i * 0.1 + k for k in range(10)}))
                for i in range(rows)]
    return [{"seq": n + 1, "records": records[i:i + BATCH]}
            for n, i in enumerate(range(0, len(records), BATCH))]


def ingest(url: str, clients: int, rows: int) -> float:
    """Rows per second acknowledged by the collector, ``clients`` runs sent at once."""
    from runlog.backends.http.transport import Collector

    plans = []
    for _ in range(clients):
        run_id, session = f"i{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
        client = Collector(url)
        client.open_run("bench", run_id, session)
        plans.append((client, run_id, session, encoded_batches(run_id, rows)))

    def send(client, run_id, session, batches) -> None:
        for batch in batches:
            client.post_batches("bench", run_id, session, [batch])

    threads = [threading.Thread(target=send, args=plan) for plan in plans]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return clients * rows / (time.perf_counter() - start)


def caller_time(backends: list, rows: int, root: Path) -> tuple[float, float]:
    """(median seconds per log(), seconds finish() took)."""
    import runlog

    run = runlog.init(project="bench", dir=root, backends=backends,
                      settings={"handle_signals": False})
    row = {f"m{k}": 0.5 * k for k in range(10)}
    each = []
    clock = time.perf_counter
    for _ in range(rows):
        t0 = clock()
        run.log(row)
        each.append(clock() - t0)
    t0 = clock()
    run.finish()
    return statistics.median(each), clock() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000, help="rows per ingest client")
    parser.add_argument("--json", action="store_true", help="print one JSON line only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_collector(Path(tmp) / "D")
        try:
            one = ingest(url, 1, args.rows)
            eight = ingest(url, 8, args.rows // 4)
            http_log, http_finish = caller_time([{"http": {"url": url}}], args.rows,
                                                Path(tmp) / "client")
            files_log, files_finish = caller_time(["files"], args.rows, Path(tmp) / "client")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)
    result = {"ingest_1_client_rows_s": round(one), "ingest_8_clients_rows_s": round(eight),
              "log_us_http": round(http_log * 1e6, 2), "log_us_files": round(files_log * 1e6, 2),
              "finish_s_http": round(http_finish, 3), "finish_s_files": round(files_finish, 3),
              "rows": args.rows}
    if args.json:
        print(json.dumps(result))
        return
    print(f"collector ingest, 1 client:  {one:>10,.0f} rows/s (batches of {BATCH}, 10 floats)")
    print(f"collector ingest, 8 clients: {eight:>10,.0f} rows/s")
    print(f"log() caller time: http {http_log * 1e6:.1f} us, files {files_log * 1e6:.1f} us "
          f"(median of {args.rows:,}); finish(): http {http_finish:.2f} s, "
          f"files {files_finish:.2f} s")


if __name__ == "__main__":
    main()
