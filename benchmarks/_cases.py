"""The loggers compared by ``benchmarks/run.py``: raw JSON, runlog per backend, and the peers.

Each case logs one workload at a time: ``start(dir, workload)``, then ``call(payload)`` once
per step (timed on the caller), ``durable()`` (everything on disk: fsync, flush, finish of
async queues) and ``stop()``. Heavy modules are imported inside the methods, so the child
process measures their import time itself.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

WORKLOADS = ("floats_1", "floats_10", "floats_100", "image_64")


def payloads(workload: str, n: int) -> list[Any]:
    """What the calls log, one item per call: the same dict of n floats every time, or ``n``
    different 64×64 RGB uint8 crops of two photographs (as in training, where every logged
    image is new: no cache or content-addressed store can skip one)."""
    if workload.startswith("floats_"):
        k = int(workload.split("_")[1])
        return [{f"train/metric_{i}": 0.5 + i / 7 for i in range(k)}] * n
    return photo_crops(n, 64)


def photo_crops(n: int, size: int, seed: int = 0) -> list[Any]:
    """``n`` distinct ``size``×``size`` crops of scikit-learn's two sample photographs (read
    from its data files with PIL, without importing scikit-learn)."""
    import importlib.util

    import numpy as np
    from PIL import Image

    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the image workloads crop scikit-learn's sample photos: "
                           "pip install -e '.[bench]'")
    folder = Path(spec.submodule_search_locations[0]) / "datasets" / "images"
    photos = [np.asarray(Image.open(folder / name).convert("RGB"))
              for name in ("china.jpg", "flower.jpg")]
    rng = np.random.default_rng(seed)
    seen: set[tuple[int, int, int]] = set()
    out = []
    while len(out) < n:
        k = int(rng.integers(len(photos)))
        h, w = photos[k].shape[:2]
        y, x = int(rng.integers(h - size)), int(rng.integers(w - size))
        if (k, y, x) not in seen:
            seen.add((k, y, x))
            out.append(np.ascontiguousarray(photos[k][y:y + size, x:x + size]))
    return out


class Case:
    """Base: ``name`` (shown in the table), ``modules`` (imported and timed first)."""

    name = ""
    modules: tuple[str, ...] = ()
    workloads = WORKLOADS
    #: timed repeats per workload (the best is kept); slow peers, far from the target, get fewer
    repeats = 5

    def missing(self) -> str | None:
        """Why this case cannot run here (a module not installed), or None."""
        import importlib.util

        for module in self.modules:
            if importlib.util.find_spec(module.split(".")[0]) is None:
                return f"{module} is not installed"
        return None

    def start(self, root: Path, workload: str) -> None:
        raise NotImplementedError

    def call(self, data: Any) -> None:
        raise NotImplementedError

    def durable(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Release everything (after ``durable``)."""


class Raw(Case):
    """The floor of doing the work on the caller: ``json.dumps`` + ``write`` per call
    (the image: PIL PNG encode + write)."""

    name = "raw json.dumps+write"
    modules = ("json",)

    def start(self, root: Path, workload: str) -> None:
        import json

        self._dumps = json.dumps
        self._f = open(root / "raw.out", "wb" if workload.startswith("image") else "w")  # noqa: SIM115
        self.call = self._image if workload.startswith("image") else self._floats

    def _floats(self, data: dict[str, float]) -> None:
        self._f.write(self._dumps(data) + "\n")

    def _image(self, data: Any) -> None:
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(data).save(buf, format="png")
        self._f.write(buf.getvalue())

    def durable(self) -> None:
        self._f.flush()
        os.fsync(self._f.fileno())

    def stop(self) -> None:
        self._f.close()


class Runlog(Case):
    """``run.log(data)`` with the given backends (the image as ``runlog.Image(array)``)."""

    modules = ("runlog",)

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.name = f"runlog [{'+'.join(backends)}]"

    def start(self, root: Path, workload: str) -> None:
        import runlog

        self._run = runlog.init(project="bench", dir=str(root / "runlog-out"),
                                backends=list(self.backends), settings={"handle_signals": False})
        if workload.startswith("image"):
            image, log = runlog.Image, self._run.log
            self.call = lambda data: log({"image": image(data)})
        else:
            self.call = self._run.log

    def durable(self) -> None:
        if not self._run.flush():
            raise RuntimeError(f"{self.name}: flush failed: {self._run.stats}")

    def stop(self) -> None:
        self._run.finish()


class TensorBoardX(Case):
    """tensorboardX ``SummaryWriter.add_scalar`` per key (``add_image`` for the image)."""

    name = "tensorboardX add_scalar"
    modules = ("tensorboardX",)
    repeats = 3

    def start(self, root: Path, workload: str) -> None:
        from tensorboardX import SummaryWriter

        self._w = SummaryWriter(str(root / "tbx"))
        self._step = 0
        self.call = self._image if workload.startswith("image") else self._floats

    def _floats(self, data: dict[str, float]) -> None:
        add, step = self._w.add_scalar, self._step
        for key, value in data.items():
            add(key, value, step)
        self._step = step + 1

    def _image(self, data: Any) -> None:
        self._w.add_image("image", data, self._step, dataformats="HWC")
        self._step += 1

    def durable(self) -> None:
        self._w.flush()

    def stop(self) -> None:
        self._w.close()


class MLflow(Case):
    """MLflow on a local sqlite store: ``log_metric`` per key (``synchronous`` True or False)
    or one ``log_batch`` per step; the image with ``mlflow.log_image`` (sync only)."""

    modules = ("mlflow",)
    repeats = 2

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.name = {"sync": "mlflow log_metric", "async": "mlflow log_metric async",
                     "batch": "mlflow log_batch"}[mode]
        self.workloads = WORKLOADS if mode == "sync" else WORKLOADS[:3]

    def start(self, root: Path, workload: str) -> None:
        import logging

        import mlflow

        logging.getLogger("alembic").setLevel(logging.WARNING)
        logging.getLogger("mlflow").setLevel(logging.WARNING)
        mlflow.set_tracking_uri(f"sqlite:///{root / 'mlflow.db'}")
        self._client = mlflow.MlflowClient()
        found = self._client.get_experiment_by_name("bench")
        # an explicit artifact root: the default is ./mlruns in the current directory
        exp_id = found.experiment_id if found else self._client.create_experiment(
            "bench", artifact_location=(root / "artifacts").as_uri())
        mlflow.set_experiment(experiment_id=exp_id)
        self._mlflow = mlflow
        self._run = mlflow.start_run()
        self._step = 0
        if workload.startswith("image"):
            self.call = self._image
        else:
            self.call = {"sync": self._sync, "async": self._async, "batch": self._batch}[
                self.mode]

    def _sync(self, data: dict[str, float]) -> None:
        log, step = self._mlflow.log_metric, self._step
        for key, value in data.items():
            log(key, value, step=step)
        self._step = step + 1

    def _async(self, data: dict[str, float]) -> None:
        log, step = self._mlflow.log_metric, self._step
        for key, value in data.items():
            log(key, value, step=step, synchronous=False)
        self._step = step + 1

    def _batch(self, data: dict[str, float]) -> None:
        import time

        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        metrics = [Metric(key, value, now, self._step) for key, value in data.items()]
        self._client.log_batch(self._run.info.run_id, metrics=metrics)
        self._step += 1

    def _image(self, data: Any) -> None:
        self._mlflow.log_image(data, key="image", step=self._step)
        self._step += 1

    def durable(self) -> None:
        self._mlflow.flush_async_logging()

    def stop(self) -> None:
        self._mlflow.end_run()


class Wandb(Case):
    """wandb offline ``run.log`` (``wandb.Image`` for the image), when wandb is installed."""

    name = "wandb offline run.log"
    modules = ("wandb",)
    repeats = 2

    def start(self, root: Path, workload: str) -> None:
        import wandb

        self._run = wandb.init(mode="offline", dir=str(root), project="bench")
        if workload.startswith("image"):
            image, log = wandb.Image, self._run.log
            self.call = lambda data: log({"image": image(data)})
        else:
            self.call = self._run.log

    def durable(self) -> None:
        """wandb has no flush short of ``finish()``, which ends the run: its throughput counts
        until the calls returned, not until the data is on disk."""

    def stop(self) -> None:
        self._run.finish()


def all_specs(runlog_backends: list[str]) -> list[str]:
    """Every case by spec: runlog once per installed backend (and files+tb together)."""
    specs = ["raw"] + [f"runlog:{b}" for b in runlog_backends]
    if {"files", "tb"} <= set(runlog_backends):
        specs.append("runlog:files+tb")
    return [*specs, "tensorboardx", "mlflow:sync", "mlflow:async", "mlflow:batch", "wandb"]


def make(spec: str) -> Case:
    """The case named by ``spec`` (``raw``, ``runlog:files+tb``, ``mlflow:async``, ...)."""
    kind, _, arg = spec.partition(":")
    if kind == "runlog":
        return Runlog(arg.split("+"))
    if kind == "mlflow":
        return MLflow(arg)
    return {"raw": Raw, "tensorboardx": TensorBoardX, "wandb": Wandb}[kind]()
