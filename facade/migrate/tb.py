"""``runlog import tb``: TensorBoard event files into the files layout.

Events are read one at a time with TensorBoard's own loader, so memory stays bounded whatever the
length of the run. Consecutive events at one step become one history row at the first event's
wall time. Scalars, images, histograms and text come over; so do the hparams (as config) and, for
a log written by runlog's ``tb`` backend, its key map, config and final summary. TensorBoard
stores scalars as float32: an imported value is the float32 TensorBoard kept.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from runlog.typespec.errors import UsageError
from runlog.typespec.records import ConfigChanged, RunStarted

from ._target import FilesTarget, ImportReport, safe_id

_EVENTS = "tfevents"
_RUNLOG = "runlog_/"
_KEYMAP, _CONFIG, _SUMMARY = "runlog_/keymap", "runlog_/config", "runlog_/summary"
_TEXT_SUFFIX = "/text_summary"


def run_dirs(logdir: str | os.PathLike) -> list[Path]:
    """Every directory under ``logdir`` (itself included) holding event files, sorted."""
    root = Path(logdir)
    if not root.is_dir():
        raise UsageError(f"{root} is not a directory of TensorBoard event files")
    found = sorted({p.parent for p in root.rglob(f"*{_EVENTS}*") if p.is_file()})
    if not found:
        raise UsageError(f"no TensorBoard event files (events.out.tfevents.*) under {root}")
    return found


def import_tb(
    logdir: str | os.PathLike,
    dir: str | os.PathLike,
    project: str = "tensorboard",
) -> list[ImportReport]:
    """Import every TensorBoard run under ``logdir`` into ``<dir>/<project>/<run id>``.

    The run id is the run's directory relative to ``logdir`` (``.`` → the logdir's name), made
    safe for a directory name. Returns one report per run.
    """
    root = Path(logdir).absolute()
    reports = []
    for folder in run_dirs(root):
        rel = folder.relative_to(root).as_posix()
        run_id = safe_id(root.name if rel == "." else rel)
        reports.append(_import_run(folder, Path(dir), safe_id(project), run_id))
    return reports


def _events(folder: Path) -> Iterator[Any]:
    try:
        from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    except ModuleNotFoundError as exc:
        raise UsageError(
            "reading TensorBoard event files needs the 'tensorboard' package: "
            f"pip install tensorboard ({exc})"
        ) from None

    for path in sorted(p for p in folder.iterdir() if _EVENTS in p.name and p.is_file()):
        yield from EventFileLoader(str(path)).Load()


def _import_run(folder: Path, root: Path, project: str, run_id: str) -> ImportReport:
    from runlog.backends.tb.tags import decode, is_key_tag

    events = _events(folder)
    head = list(itertools.islice(events, 4))
    if not head:
        raise UsageError(f"{folder}: the event files hold no events")
    first = head[0]
    events = itertools.chain(head, events)
    started = RunStarted(
        id=run_id, project=project, name=run_id,
        start_time=min(ev.wall_time for ev in head),
        host=socket.gethostname(),
        origin={"tool": "tensorboard", "path": str(folder)},
    )
    target = FilesTarget(root, started)
    keys: dict[str, tuple[str, ...]] = {}
    summary: dict[str, Any] | None = None
    config_seen = False
    step, wall, values = None, first.wall_time, {}
    end = first.wall_time
    try:
        for ev in events:
            end = max(end, ev.wall_time)
            if not ev.HasField("summary"):
                continue
            if step is not None and ev.step != step:
                target.row(step, wall, values)
                values = {}
            if not values:
                step, wall = ev.step, ev.wall_time
            for value in ev.summary.value:
                tag = value.tag
                plugin = value.metadata.plugin_data.plugin_name
                if plugin == "hparams":
                    hp = _hparams(value)
                    if hp and not config_seen:
                        target.add(ConfigChanged(hp))
                    continue
                if tag.endswith(_TEXT_SUFFIX):
                    tag = tag[: -len(_TEXT_SUFFIX)]
                if tag.startswith(_RUNLOG):
                    if tag == _KEYMAP:
                        keys.update({t: _key_path(k) for t, k in _json_text(value).items()})
                    elif tag == _CONFIG:
                        target.add(ConfigChanged(_json_text(value)))
                        config_seen = True
                    elif tag == _SUMMARY:
                        summary = _json_text(value)
                    continue
                converted = _value(value, plugin, target)
                if converted is None:
                    continue
                path = keys.get(tag)
                if path is None:
                    if "_/" in tag and not is_key_tag(tag):
                        target.skip("parts of runlog media that TensorBoard shows as several "
                                    "tags (lists of media, PR curves, meshes)")
                        continue
                    path = (decode(tag),) if is_key_tag(tag) else (tag,)
                values[path] = converted
        if values:
            target.row(step, wall, values)
    except BaseException:
        target.abort()
        raise
    return target.finish("finished", end, summary=_plain_summary(summary))


def _key_path(key: Any) -> tuple[str, ...]:
    return tuple(key) if isinstance(key, list) else (str(key),)


def _json_text(value: Any) -> Any:
    """The JSON object in one of runlog's fenced-JSON text summaries."""
    text = _text(value).strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1].rsplit("```", 1)[0]
    return json.loads(text)


def _text(value: Any) -> str:
    raw = value.tensor.string_val[0] if value.tensor.string_val else b""
    return raw.decode("utf-8", "replace")


def _plain_summary(summary: Any) -> dict[str, Any] | None:
    """runlog's final-summary text with its media references dropped (they are files in the
    source, not in the imported run)."""
    if not isinstance(summary, dict):
        return None
    return {k: v for k, v in summary.items() if not (isinstance(v, dict) and "_type" in v)}


def _hparams(value: Any) -> dict[str, Any]:
    """The hparams of a ``session_start_info`` summary, as config."""
    from tensorboard.plugins.hparams import plugin_data_pb2

    data = plugin_data_pb2.HParamsPluginData.FromString(value.metadata.plugin_data.content)
    if not data.HasField("session_start_info"):
        return {}
    out: dict[str, Any] = {}
    for name, v in data.session_start_info.hparams.items():
        kind = v.WhichOneof("kind")
        out[name] = getattr(v, kind) if kind else None
    return out


def _value(value: Any, plugin: str, target: FilesTarget) -> Any:
    """One ``Summary.Value`` as a runlog value, or None (counted in the report) if it has no
    runlog form. TensorBoard's loader gives every summary in its tensor form, whichever writer
    made it (legacy ``simple_value``/``image``/``histo`` protos are converted on reading)."""
    if value.WhichOneof("value") == "tensor":
        if plugin == "scalars":
            return float(_array(value).reshape(-1)[0])
        if plugin == "text":
            return _text(value)
        if plugin == "images" and len(value.tensor.string_val) > 2:
            if len(value.tensor.string_val) > 3:
                target.skip("images after the first of an image batch")
            return _image(value.tensor.string_val[2])
        if plugin == "histograms":
            return _histogram(_array(value))
    target.skip(f"{plugin or value.WhichOneof('value') or 'unknown'} summaries")
    return None


def _array(value: Any) -> Any:
    from tensorboard.util import tensor_util

    return tensor_util.make_ndarray(value.tensor)


def _image(data: bytes) -> Any:
    from PIL import Image as PILImage
    from runlog.typespec.media.image import Image

    with PILImage.open(io.BytesIO(data)) as im:
        im.load()
        return Image(im)


def _histogram(buckets: Any) -> Any:
    """A ``runlog.Histogram`` from TensorBoard's ``[left, right, count]`` bucket rows."""
    import numpy as np
    from runlog.typespec.media.histogram import Histogram

    edges = np.concatenate([buckets[:1, 0], buckets[:, 1]])
    return Histogram(np_histogram=(buckets[:, 2], edges))
