"""The TensorBoard backend ``tb``: IR records as TensorBoard event files (tensorboardX protos).

``runlog.init(backends=["tb"])`` writes ``<dir>/<project>/<run id>/events.out.tfevents.*``;
``tensorboard --logdir <dir>/<project>`` then shows one TensorBoard run per runlog run. With
the option ``logdir=ROOT`` the events go to ``ROOT/<run id>`` instead. See ``docs/backends/tb.md``.

Events are rendered on the backend's worker, one per row, and each batch is handed to the OS
in one write (:mod:`runlog.backends.tb.eventfile`), into one event file per writer (named with
the time in ns, the pid and a random suffix, so two writers never clobber each other; a resumed
run adds a file that sorts after the earlier ones). There is no tensorboardX queue or thread in
between, so :meth:`flush` is a real barrier: when it returns, everything written is on disk and
readable. A resumed run's state is read back from its event files
(:mod:`runlog.backends.tb.events`).
"""

from __future__ import annotations

import logging
import math
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from runlog.typespec.errors import UsageError
from runlog.typespec.jsonform import value_to_json
from runlog.typespec.media import KINDS, Media, MediaSequence
from runlog.typespec.records import (
    Alert,
    ArtifactLogged,
    ConfigChanged,
    Finished,
    MetricDefined,
    Record,
    Row,
    RunStarted,
    StaleRow,
    SystemSample,
)

from .._axes import StepAxes
from .._contract import Capabilities, ExistingRun
from ..options import Option, parse_options

try:
    from tensorboardX.proto.event_pb2 import Event
    from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata

    from . import events, hparams, media, notes
    from .eventfile import EventFile
    from .scalars import ScalarRows
    from .tags import (
        CONFIG_TAG,
        KEYMAP_TAG,
        PROVENANCE_TAG,
        SUMMARY_TAG,
        SYSTEM_DESCRIPTION,
        SYSTEM_PREFIX,
        encode,
        sub_tag,
    )
except ModuleNotFoundError as exc:  # the `tb` extra is not installed
    if exc.name is None or not exc.name.startswith("tensorboardX"):
        raise
    _MISSING: ModuleNotFoundError | None = exc
else:
    _MISSING = None

logger = logging.getLogger("runlog.backends.tb")

KeyPath = tuple[str, ...]
#: default seconds between automatic flushes while records keep coming
FLUSH_SECS = 5.0
OPTIONS = {
    "logdir": Option(None, Path, "a path: events go to <logdir>/<run id>"),
    "flush_secs": Option(FLUSH_SECS, float, "a number >= 0: seconds between automatic flushes "
                         "(default 5; 0 = every batch)", minimum=0),
}


class TBBackend:
    """Renders IR records as TensorBoard events: scalars, text, media, hparams, summary."""

    name = "tb"
    #: every kind: what TensorBoard cannot show (a ``file``, an mp4, a glb) becomes a text note;
    #: StaleRow records are rendered only under ``on_stale_step="keep"``; resumable
    capabilities = Capabilities(kinds=KINDS, stale_rows=True, resume=True)

    def __init__(self, options: dict[str, Any], run_dir: Path) -> None:
        parsed = parse_options("tb", options, OPTIONS)
        self._root: Path | None = parsed["logdir"]
        self._run_dir = Path(run_dir)
        self._flush_secs: float = parsed["flush_secs"]
        #: the directory holding this run's event files (set by :meth:`start`)
        self.logdir: Path | None = None
        self._writer: Any = None
        self._flushed_at = 0.0
        self._run: RunStarted | None = None
        self._config: dict[str, Any] = {}
        self._hparams_due = False
        self._step = 0  # the latest committed step: where config changes are written
        self._tags: dict[KeyPath, str] = {}
        self._scalars = ScalarRows()
        self._mapped: set[str] = set()  # tags already in the keymap
        self._axes = StepAxes()  # define_metric step metrics
        self._warned: set[tuple[str, str]] = set()

    # -- Backend ---------------------------------------------------------------------------
    def existing_run(self) -> ExistingRun | None:
        """The run recorded in this run's event files (None if there are none): the next step,
        the summary and the config (see :func:`~runlog.backends.tb.events.recorded_run`)."""
        recorded = events.recorded_run(self._logdir(self._run_dir.name))
        if recorded is None:
            return None
        self._mapped.update(recorded.tags)  # tags already in a keymap are not mapped again
        return recorded.existing

    def release(self) -> None:
        """Nothing is held before :meth:`start`."""

    def start(self, run: RunStarted) -> None:
        """Open a new event file in the run's log directory."""
        self.logdir = self._logdir(run.id)
        self.logdir.mkdir(parents=True, exist_ok=True)
        # nanoseconds first: a resumed session's file sorts (and is read) after the earlier ones
        suffix = f".{time.time_ns()}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        self._writer = EventFile(self.logdir, suffix)
        self._flushed_at = time.monotonic()

    def write(self, records: Sequence[Record]) -> None:
        """Render a batch of records, in log order."""
        for record in records:
            t = type(record)
            if t is Row:
                self._ensure_hparams(record.timestamp)
                self._row(record.step, record.timestamp, record.values)
                self._step = record.step
            elif t is StaleRow:
                if record.policy == "keep":
                    self._ensure_hparams(record.timestamp)
                    self._row(record.step, record.timestamp, record.values)
            elif t is RunStarted:
                self._started(record)
            elif t is ConfigChanged:
                self._config.update(record.values)
                self._emit(self._step, time.time(),
                           [media.text_value(CONFIG_TAG, media.json_text(self._config))])
            elif t is MetricDefined:
                self._axes.define(record)
            elif t is ArtifactLogged:
                self._emit(self._step, record.timestamp, [media.text_value(
                    f"{notes.ARTIFACT_TAG}/{record.name}", notes.artifact_note(record))])
            elif t is Alert:
                self._emit(self._step, record.timestamp,
                           [media.text_value(notes.ALERT_TAG, notes.alert_note(record))])
            elif t is SystemSample:
                self._system(record)
            elif t is Finished:
                self._finished(record)
        if time.monotonic() - self._flushed_at >= self._flush_secs:
            self.flush(None)
        elif self._writer is not None:
            self._writer.write_out()

    def flush(self, timeout: float | None = None) -> bool:
        """Write buffered events to disk (flush and fsync); they are readable on return."""
        if self._writer is not None:
            self._writer.flush()
        self._flushed_at = time.monotonic()
        return True

    def close(self, finished: Finished) -> None:
        """Flush and close the event file."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _logdir(self, run_id: str) -> Path:
        return self._run_dir if self._root is None else self._root / run_id

    # -- records ---------------------------------------------------------------------------
    def _started(self, run: RunStarted) -> None:
        self._run = run
        self._config = dict(run.config)
        self._step = run.resumed_step or 0
        self._hparams_due = True
        self._emit(self._step, run.start_time,
                   [media.text_value(CONFIG_TAG, media.json_text(self._config)),
                    media.text_value(PROVENANCE_TAG, media.json_text(_provenance(run)))])

    def _system(self, sample: SystemSample) -> None:
        """System metrics as scalars ``system/<name>``: step = whole seconds since the session
        started, wall time = the sample's time (TensorBoard's Relative and Wall axes)."""
        marked = SummaryMetadata(summary_description=SYSTEM_DESCRIPTION)
        self._emit(int(sample.runtime), sample.timestamp, [
            Summary.Value(tag=SYSTEM_PREFIX + encode(name), simple_value=value, metadata=marked)
            for name, value in sample.values.items()
        ])

    def _ensure_hparams(self, walltime: float) -> None:
        """Write the hparams once, with the config as it is when the first data arrives."""
        if self._hparams_due and self._run is not None:
            self._hparams_due = False
            start = hparams.session_start(self._config, self._run.start_time, self._run.group)
            self._write(Event(step=self._run.resumed_step or 0, wall_time=walltime,
                              summary=start))

    def _finished(self, done: Finished) -> None:
        self._ensure_hparams(done.end_time)
        step = max(done.final_step, self._step)
        values = [media.text_value(SUMMARY_TAG, media.json_text(
            value_to_json(done.summary, store=lambda p: p.filename)))]
        for path, value in _leaves(done.summary):
            if not path[0].startswith("_") and type(value) in (int, float, bool):
                tag = sub_tag(SUMMARY_TAG, encode("/".join(path)))
                values.append(Summary.Value(tag=tag, simple_value=float(value)))
        self._emit(step, done.end_time, values)
        self._write(Event(step=step, wall_time=done.end_time,
                          summary=hparams.session_end(done.status, done.end_time)))

    # -- rows ------------------------------------------------------------------------------
    def _row(self, step: int, walltime: float, values: dict[KeyPath, Any]) -> None:
        if not self._axes.defined:
            event = self._scalars.event(step, walltime, values, self._tags)
            if event is not None:
                self._write(event)
                return
        chosen: dict[str, tuple[KeyPath, Any]] = {}
        new: dict[str, str] = {}
        tags = self._tags
        for path, value in values.items():
            tag = tags.get(path)
            if tag is None:
                tag = self._new_tag(path, new)
            if tag in chosen:
                self._warn(tag, f"two keys of one row are both named {'/'.join(path)!r} "
                                "in TensorBoard; the later one is kept")
            chosen[tag] = (path, value)
        if new:
            self._emit(step, walltime,
                       [media.text_value(KEYMAP_TAG, media.json_text(new))])
        axes = self._axes.defined
        if axes:
            self._axes.observe(values)
        by_step: dict[int, list[Any]] = {step: []}
        for tag, (path, value) in chosen.items():
            at = self._axis_step(path, step) if axes else step
            out = by_step.get(at)
            if out is None:
                out = by_step[at] = []
            self._render(out, tag, value)
        for at, rendered in by_step.items():
            if rendered:
                self._emit(at, walltime, rendered)

    def _render(self, out: list[Any], tag: str, value: Any) -> None:
        t = type(value)
        if t is float or t is int or t is bool:
            out.append(Summary.Value(tag=tag, simple_value=value))
        elif t is str:
            out.append(media.text_value(tag, value))
        elif value is None:
            return
        elif isinstance(value, MediaSequence):
            for i, item in enumerate(value.items):
                self._render(out, sub_tag(tag, str(i)), item)
        elif isinstance(value, Media):
            render = media.RENDERERS.get(value.kind)
            if render is None:
                self._warn(tag, f"{value.kind} values are not shown in TensorBoard; skipped")
            else:
                out.extend(render(tag, value, self._warn))
        else:
            self._warn(tag, f"{t.__name__} values are not shown in TensorBoard (log numbers, "
                            "strings or media); skipped")

    def _new_tag(self, path: KeyPath, new: dict[str, str]) -> str:
        flat = "/".join(path)
        tag = encode(flat)
        if tag not in self._mapped:
            self._mapped.add(tag)
            new[tag] = flat
        self._tags[path] = tag
        return tag

    def _axis_step(self, path: KeyPath, step: int) -> int:
        """The step a leaf is plotted at: its step metric's value (``define_metric``)."""
        found = self._axes.axis_value(path)
        if found is None:
            return step
        axis, value = found
        if not math.isfinite(value):
            self._warn(".".join(axis), "a NaN or infinite step metric cannot be a step; "
                                       "_step was used")
            return step
        if value != int(value):
            self._warn(".".join(axis), "TensorBoard steps are integers; step metric values "
                                       "are truncated")
        return int(value)

    # -- writing ---------------------------------------------------------------------------
    def _emit(self, step: int, walltime: float, values: list[Any]) -> None:
        self._write(Event(step=step, wall_time=walltime, summary=Summary(value=values)))

    def _write(self, event: Any) -> None:
        if self._writer is None:
            raise RuntimeError("tb backend: write() before start() or after close()")
        if type(event) is bytes:
            self._writer.add_serialized(event)
        else:
            self._writer.add(event)

    def _warn(self, tag: str, message: str) -> None:
        if (tag, message) not in self._warned:
            self._warned.add((tag, message))
            logger.warning("runlog tb backend: %s: %s", tag, message)


def _leaves(tree: dict[str, Any], prefix: KeyPath = ()) -> list[tuple[KeyPath, Any]]:
    out: list[tuple[KeyPath, Any]] = []
    for key, value in tree.items():
        if type(value) is dict and value:
            out += _leaves(value, (*prefix, key))
        else:
            out.append(((*prefix, key), value))
    return out


def _provenance(run: RunStarted) -> dict[str, Any]:
    return {"command": list(run.command), "python": run.python, "executable": run.executable,
            "user": run.user, "host": run.host, "git": run.git}


def factory(options: dict[str, Any], run_dir: Path) -> TBBackend:
    """Build the ``tb`` backend; options ``logdir`` and ``flush_secs`` (see :data:`OPTIONS`)."""
    if _MISSING is not None:
        raise UsageError("the tb backend needs tensorboardX: pip install 'runlog[tb]' "
                         f"({_MISSING})")
    return TBBackend(options, run_dir)
