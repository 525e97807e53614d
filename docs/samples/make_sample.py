"""Write the files-format sample run ``docs/samples/demo/sample01/`` with the installed runlog.

Run it from anywhere after a change to the files format: ``python docs/samples/make_sample.py``.
It logs rows with NaN and infinity, an image, a histogram, a stale row, a config change, an
explicit summary value, a saved file, an artifact, an alert and system-metrics samples,
then drops ``run.lock`` (a live run's lock, not data). The provenance it records is that
of a ``python train.py`` run, not the paths of the machine that wrote the sample.
"""

import math
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import runlog

SAMPLES = Path(__file__).resolve().parent


def main() -> None:
    sys.argv = ["train.py", "--epochs", "2"]
    sys.executable = "/usr/bin/python3"
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "model.yaml"
        model.write_text("lr: 0.01\nlayers: 2\n")
        run = runlog.init(project="demo", id="sample01", name="sample run", dir=tmp,
                          tags=["docs"], notes="the files format sample",
                          config={"lr": 0.01, "epochs": 2}, backends=["files"],
                          settings={"handle_signals": False, "disable_git": True,
                                    "system_metrics_interval": 0.1})
        run.define_metric("val/acc", summary="max")
        half_white = np.zeros((4, 4, 3), np.uint8)
        half_white[:2] = 255
        extra = [{}, {"grad_norm": math.nan, "ratio": math.inf},
                 {"sample": runlog.Image(half_white, caption="half white"),
                  "weights": runlog.Histogram(np_histogram=([1, 3, 2], [0.0, 0.5, 1.0, 1.5]))},
                 {}]
        for step, loss in enumerate([1.0, 0.5, 0.3333, 0.25]):
            run.log({"train": {"loss": loss}, "lr": 0.01, **extra[step]})
            run.log({"val/acc": 0.5 + 0.1 * step}, commit=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", runlog.StaleStepWarning)
            run.log({"late": 1}, step=1)  # kept in stale.jsonl
        run.config["batch_size"] = 32
        run.summary["best_epoch"] = 1
        run.save(str(model), base_path=tmp)
        artifact = runlog.Artifact("model-config", type="config", metadata={"layers": 2})
        artifact.add_file(str(model))
        run.log_artifact(artifact, aliases=["best"])
        run.alert("Sample done", "val/acc reached 0.8", runlog.AlertLevel.INFO)
        time.sleep(0.25)  # two system-metrics samples
        run.finish()
        written = Path(run.dir)
        (written / "run.lock").unlink()
        target = SAMPLES / "demo" / "sample01"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(written, target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
