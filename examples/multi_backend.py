"""One run rendered by several backends at once: the files backend and TensorBoard.

Run it with ``python examples/multi_backend.py [DIR]`` (needs ``pip install 'runlog[tb]'``).
It writes ``DIR/multi/<run id>/`` (default: the directory ``runlog.init`` writes to), where
the files backend's ``history.jsonl`` and TensorBoard's ``events.out.tfevents.*`` sit side by
side; ``tensorboard --logdir DIR/multi`` (``pip install tensorboard``) shows the same run that
``runlog show <run id> --dir DIR`` prints.
"""

import sys

import numpy as np
import runlog


def main(root: str | None = None) -> runlog.Run:
    run = runlog.init(project="multi", dir=root, backends=["files", "tb"],
                      config={"lr": 0.05, "steps": 20})
    rng = np.random.default_rng(0)
    weights = rng.normal(size=100)
    for _ in range(20):
        weights *= 0.9
        run.log({"train": {"loss": float(np.mean(weights**2))},
                 "weights": runlog.Histogram(weights)})
    run.finish()
    print(f"run {run.id}: {run.dir}")
    return run


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
