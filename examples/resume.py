"""Resuming a run: a second session continues the history of the first at the next step.

Run it with ``python examples/resume.py [DIR]``. The first session logs steps 0-4 and stops
as if preempted; the second opens the same run id with ``resume="allow"`` and logs steps 5-9.
``runlog.read`` then shows one continuous history of 10 rows in 2 sessions.
"""

import sys

import runlog


def session(root: str | None, epochs: range) -> runlog.Run:
    run = runlog.init(project="resume", id="long-job", dir=root, resume="allow",
                      config={"epochs": 10})
    print(f"session starts at step {run.step}")
    for epoch in epochs:
        run.log({"epoch": epoch, "loss": 1.0 / (epoch + 1)})
    run.finish()
    return run


def main(root: str | None = None) -> runlog.Run:
    session(root, range(0, 5))
    run = session(root, range(5, 10))  # e.g. after the job was requeued
    recorded = runlog.read(run.dir)
    print(f"{recorded.rows} rows in {recorded.metadata['sessions']} sessions, steps "
          f"{[row['_step'] for row in recorded.history]}")
    return run


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
