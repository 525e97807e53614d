"""Logging from several threads: one run, one history, no row lost or torn.

Run it with ``python examples/threads.py [DIR]``. Four worker threads each log 50 rows with
their own key; every ``run.log`` call is atomic, so the history holds exactly 200 rows and
each row carries the values of exactly one call.
"""

import sys
import threading

import runlog

THREADS = 4
ROWS = 50


def main(root: str | None = None) -> runlog.Run:
    run = runlog.init(project="threads", dir=root, config={"threads": THREADS})

    def work(worker: int) -> None:
        for i in range(ROWS):
            run.log({f"worker{worker}/i": i, "worker": worker})

    threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.finish()
    history = runlog.read(run.dir).history
    print(f"{len(history)} rows from {THREADS} threads in {run.dir}")
    return run


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
