"""Helpers for the tb backend tests: feed records to a real backend, read events back with
TensorBoard's own reader (EventAccumulator, no sampling)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from runlog.backends.tb import TBBackend, factory
from runlog.typespec.records import Finished, Record, RunStarted
from tensorboard.backend.event_processing import event_accumulator as ea_mod
from tensorboard.util import tensor_util

T0 = 1_700_000_000.0
ALL = {k: 0 for k in (ea_mod.SCALARS, ea_mod.IMAGES, ea_mod.AUDIO, ea_mod.HISTOGRAMS,
                      ea_mod.COMPRESSED_HISTOGRAMS, ea_mod.TENSORS)}


def started(run_id: str = "r1", **kw: Any) -> RunStarted:
    """A ``RunStarted`` record with test defaults."""
    return RunStarted(id=run_id, project="p", name=run_id, start_time=T0, **kw)


def finished(summary: dict | None = None, status: str = "finished",
             final_step: int = 0) -> Finished:
    """A ``Finished`` record."""
    return Finished(0 if status == "finished" else 1, status, summary or {}, T0 + 100, final_step)


def open_backend(run_dir: Path, run: RunStarted | None = None,
                 options: dict | None = None) -> TBBackend:
    """A started backend that has written ``RunStarted``."""
    run = run or started()
    backend = factory(dict(options or {"flush_secs": 3600}), run_dir)
    backend.start(run)
    backend.write([run])
    return backend


def write_all(run_dir: Path, records: list[Record], **kw: Any) -> TBBackend:
    """Start a backend, write ``records`` after ``RunStarted`` and flush (no close)."""
    backend = open_backend(run_dir, **kw)
    backend.write(records)
    assert backend.flush(None) is True
    return backend


def read(logdir: Path) -> ea_mod.EventAccumulator:
    """Everything in one TensorBoard run directory, unsampled."""
    return ea_mod.EventAccumulator(str(logdir), size_guidance=ALL).Reload()


def scalars(acc: ea_mod.EventAccumulator, tag: str) -> list[tuple[int, float]]:
    """``[(step, value), ...]`` of a scalar tag."""
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def texts(acc: ea_mod.EventAccumulator, tag: str) -> list[tuple[int, str]]:
    """``[(step, text), ...]`` of a text tag (stored as ``<tag>/text_summary``)."""
    return [(e.step, tensor_util.make_ndarray(e.tensor_proto).item().decode())
            for e in acc.Tensors(tag + "/text_summary")]


def fenced_json(text: str) -> Any:
    """The JSON inside runlog's fenced ```json blocks."""
    lines = text.splitlines()
    assert lines[0] == "```json" and lines[-1] == "```", text
    return json.loads("\n".join(lines[1:-1]))


def user_tags(acc: ea_mod.EventAccumulator, kind: str) -> list[str]:
    """The sorted tags of one kind (``"scalars"``, ``"tensors"``, ...) without runlog's own."""
    return sorted(t for t in acc.Tags()[kind] if not t.startswith("runlog_/"))


def tensor(acc: ea_mod.EventAccumulator, tag: str, i: int = 0) -> Any:
    """The i-th tensor of a tag as a numpy array."""
    return tensor_util.make_ndarray(acc.Tensors(tag)[i].tensor_proto)

