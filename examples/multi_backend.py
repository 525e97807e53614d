"""One run rendered by several backends at once: the files backend, TensorBoard and MLflow.

Run it with ``python examples/multi_backend.py [DIR]`` (needs ``pip install 'runlog[tb,mlflow]'``).
It writes ``DIR/multi/<run id>/`` (default: the directory ``runlog.init`` writes to), where
the files backend's ``history.jsonl`` and TensorBoard's ``events.out.tfevents.*`` sit side by
side, and the same run into the MLflow store ``DIR/mlflow.db`` (the mlflow backend's default:
``sqlite:///<run root>/mlflow.db``). ``tensorboard --logdir DIR/multi``
(``pip install tensorboard``), ``mlflow ui --backend-store-uri sqlite:///DIR/mlflow.db`` and
``runlog show <run id> --dir DIR`` all show it.
"""

import sys

import numpy as np
import runlog


def main(root: str | None = None) -> runlog.Run:
    run = runlog.init(project="multi", dir=root, backends=["files", "tb", "mlflow"],
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
