"""The main example: a tiny training loop logged with runlog, then read back.

Run it with ``python examples/quickstart.py``. It logs to the default ``files`` backend under
``./runlog-runs/quickstart/<run id>/`` (or under ``$RUNLOG_DIR``) and prints what was recorded,
read back with ``runlog.read``. ``runlog ls`` and ``runlog show <run id>`` show the same from
the shell.
"""

import math
import random

import runlog


def main() -> None:
    config = {"lr": 0.01, "epochs": 3, "batch_size": 32}
    with runlog.init(project="quickstart", config=config) as run:  # backends: ["files"]
        run.define_metric("val/acc", summary="max")
        step = 0
        for epoch in range(config["epochs"]):
            for _batch in range(5):
                loss = math.exp(-0.3 * step) + random.random() * 0.05
                run.log({"train": {"loss": loss}, "epoch": epoch})
                step += 1
            run.log({"val/acc": 0.6 + 0.1 * epoch}, commit=False)  # joins the next row
    recorded = runlog.read(run.dir)
    print(f"run {run.id} in {run.dir} ({recorded.status})")
    for row in recorded.history:
        print(row)
    print("summary:", recorded.summary)
    print("config:", recorded.config)


if __name__ == "__main__":
    main()
