"""The main example: a tiny training loop logged with runlog, then read back.

Run it with ``python examples/quickstart.py``. It logs to the in-memory backend and prints
what was logged (history rows and the summary).
"""

import math
import random

import runlog


def main() -> None:
    config = {"lr": 0.01, "epochs": 3, "batch_size": 32}
    with runlog.init(project="quickstart", config=config, backends=["memory"]) as run:
        run.define_metric("val/acc", summary="max")
        step = 0
        for epoch in range(config["epochs"]):
            for _batch in range(5):
                loss = math.exp(-0.3 * step) + random.random() * 0.05
                run.log({"train": {"loss": loss}, "epoch": epoch})
                step += 1
            run.log({"val/acc": 0.6 + 0.1 * epoch}, commit=False)  # joins the next row
        memory = run.backends["memory"]
    for row in memory.history:
        print(row)
    print("summary:", memory.summary)
    print("config:", memory.config)


if __name__ == "__main__":
    main()
