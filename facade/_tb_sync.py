"""``init(sync_tensorboard=True)``: scalars written by TensorBoard writers are logged to the run.

The writers of ``tensorboardX`` and ``torch.utils.tensorboard`` (which uses the ``tensorboard``
package's ``EventFileWriter``) hand each event to ``EventFileWriter.add_event`` on the caller's
thread; that method is wrapped so every scalar of the event is also logged to the run, one row
per TensorBoard step, with the step as ``global_step`` and the event's wall time as
``_timestamp``. The first writer's tags are logged as they are; a writer in another folder
(``add_scalars``, Keras-style ``logs/train`` + ``logs/validation``) prefixes its tags with its
folder: the path relative to the first writer's folder when inside it, else the folder's
name (``validation/epoch_loss``). Event files are written as before. Other summaries (images,
histograms, text) are not synced: the first of each tag is named in one warning. The wrapping
ends when the run finishes.
"""

from __future__ import annotations

import importlib
import os
import struct
import threading
from typing import Any

from runlog.typespec.errors import UsageError, warn

#: the modules whose ``EventFileWriter.add_event`` is wrapped (when importable)
WRITER_MODULES = ("tensorboardX.event_file_writer",
                  "tensorboard.summary.writer.event_file_writer")
_DT_FLOAT, _DT_DOUBLE = 1, 2

_lock = threading.Lock()
_originals: dict[type, Any] = {}  # writer class -> its own add_event
_target: _Sync | None = None


class _Sync:
    """Turns events into ``log`` calls on one run: a row per TensorBoard step."""

    def __init__(self, run: Any) -> None:
        self.run = run
        self.step: int | None = None
        self.wall_time = 0.0
        self.pending = False
        self.skipped: set[str] = set()
        self.root: str | None = None
        self.prefixes: dict[str, str] = {}  # writer folder -> prefix of its tags

    def prefix(self, logdir: str) -> str:
        """The prefix of the tags written to ``logdir`` ("" for the first writer's folder)."""
        found = self.prefixes.get(logdir)
        if found is None:
            if self.root is None:
                self.root = logdir
            rel = os.path.relpath(logdir, self.root)
            if rel == ".":
                found = ""
            elif rel.startswith(".."):
                found = os.path.basename(os.path.normpath(logdir)) + "/"
            else:
                found = rel.replace(os.sep, "/") + "/"
            self.prefixes[logdir] = found
        return found

    def event(self, event: Any, logdir: str) -> None:
        if not event.HasField("summary"):
            return
        prefix = self.prefix(os.path.abspath(logdir))
        scalars = {}
        for value in event.summary.value:
            number = _scalar(value)
            if number is None:
                if value.tag not in self.skipped:
                    self.skipped.add(value.tag)
                    warn(f"runlog: sync_tensorboard syncs scalars only; {value.tag!r} is not "
                         "synced (select the tb backend, or log it with runlog's media types)")
                continue
            scalars[prefix + value.tag] = number
        if not scalars:
            return
        if self.pending and event.step != self.step:
            self.run.log({"_timestamp": self.wall_time})  # the previous step's row is complete
        self.step, self.wall_time = event.step, event.wall_time
        self.run.log({**scalars, "global_step": event.step, "_timestamp": event.wall_time},
                     commit=False)
        self.pending = True


def _scalar(value: Any) -> float | None:
    """The number of a scalar summary value (old style ``simple_value``, or a one-element
    float tensor), else None."""
    kind = value.WhichOneof("value")
    if kind == "simple_value":
        return float(value.simple_value)
    if kind != "tensor":
        return None
    tensor = value.tensor
    if sum(1 for _ in tensor.tensor_shape.dim) != 0:
        return None
    if tensor.float_val:
        return float(tensor.float_val[0])
    if tensor.double_val:
        return float(tensor.double_val[0])
    if tensor.dtype == _DT_FLOAT and len(tensor.tensor_content) == 4:
        return struct.unpack("<f", tensor.tensor_content)[0]
    if tensor.dtype == _DT_DOUBLE and len(tensor.tensor_content) == 8:
        return struct.unpack("<d", tensor.tensor_content)[0]
    return None


def writer_classes() -> list[type]:
    """The importable ``EventFileWriter`` classes; a UsageError when there is none."""
    found = []
    for name in WRITER_MODULES:
        try:
            found.append(importlib.import_module(name).EventFileWriter)
        except ImportError:
            continue
    if not found:
        raise UsageError("init: sync_tensorboard=True needs tensorboardX or "
                         "torch.utils.tensorboard: pip install 'runlog[tb]'")
    return found


def install(run: Any, classes: list[type]) -> None:
    """Log the scalars of every TensorBoard event written from now on to ``run``."""
    global _target
    with _lock:
        _target = _Sync(run)
        for cls in classes:
            if cls not in _originals:
                _originals[cls] = cls.add_event
                cls.add_event = _wrap(_originals[cls])


def _wrap(original: Any) -> Any:
    def add_event(self: Any, event: Any) -> None:
        original(self, event)
        target = _target
        if target is None:
            return
        if target.run.finished:
            _uninstall()
            return
        try:
            target.event(event, str(self.get_logdir()))
        except Exception as exc:  # noqa: BLE001 - syncing must never break training
            warn(f"runlog: sync_tensorboard could not log an event: {exc}")

    add_event.__doc__ = original.__doc__
    return add_event


def _uninstall() -> None:
    global _target
    with _lock:
        _target = None
        for cls, original in _originals.items():
            cls.add_event = original
        _originals.clear()
