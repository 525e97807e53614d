"""``runlog import wandb``: a wandb run directory (written offline or synced) into the files layout.

A wandb run directory holds ``run-<id>.wandb``, a log of protobuf records in LevelDB's log
format (32 KiB blocks of checksummed, possibly fragmented records), and the run's files under
``files/``. The records are read one at a time, so memory stays bounded; decoding them needs the
``wandb`` package (its protobuf classes), and a missing package is a clear error naming it.
History rows keep their ``_step``, ``_timestamp`` and ``_runtime``; images, histograms and
tables logged with wandb's media types come back as runlog media; other media files are
counted in the report.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from runlog.typespec.errors import DataError, UsageError
from runlog.typespec.records import ConfigChanged, RunStarted, nest

from ._target import FilesTarget, ImportReport, safe_id

_BLOCK = 32768
_HEADER = struct.Struct("<4sHB")  # ident b":W&B", magic 0xBEE1, version
_RECORD = struct.Struct("<IHB")  # crc32, length, type
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4
_SPECIAL = ("_step", "_timestamp", "_runtime")


def _protos() -> Any:
    try:
        from wandb.proto import wandb_internal_pb2
    except ModuleNotFoundError as exc:
        raise UsageError(
            "reading a wandb run needs the 'wandb' package (its record format is wandb's "
            f"protobuf); install it with: pip install wandb  ({exc})"
        ) from None
    return wandb_internal_pb2


def iter_log(path: str | os.PathLike) -> Iterator[bytes]:
    """The record payloads of a ``.wandb`` log, in order; a torn tail ends the stream."""
    with open(path, "rb") as f:
        head = f.read(_HEADER.size)
        if len(head) < _HEADER.size or _HEADER.unpack(head)[0] != b":W&B":
            raise DataError(f"{path} is not a wandb run log (no ':W&B' header)")
        pos, parts = _HEADER.size, []
        while True:
            room = _BLOCK - pos % _BLOCK
            if room < _RECORD.size:  # the block's tail is padding
                f.read(room)
                pos += room
                continue
            head = f.read(_RECORD.size)
            if len(head) < _RECORD.size:
                return
            crc, length, kind = _RECORD.unpack(head)
            data = f.read(length)
            pos += _RECORD.size + length
            if len(data) < length or zlib.crc32(data, zlib.crc32(bytes([kind]))) != crc:
                return  # torn or damaged: what came before is the run
            if kind == _FULL:
                yield data
            elif kind == _FIRST:
                parts = [data]
            elif kind == _MIDDLE:
                parts.append(data)
            elif kind == _LAST:
                yield b"".join([*parts, data])
                parts = []


def find_log(path: str | os.PathLike) -> Path:
    """The ``run-*.wandb`` file of a run directory (or the file itself)."""
    p = Path(path)
    if p.is_file():
        return p
    logs = sorted(p.glob("run-*.wandb")) if p.is_dir() else []
    if not logs:
        raise UsageError(f"{p} is not a wandb run directory (no run-<id>.wandb file in it)")
    return logs[-1]


def import_wandb(
    path: str | os.PathLike, dir: str | os.PathLike, project: str | None = None
) -> ImportReport:
    """Import the wandb run at ``path`` (a ``wandb/<offline-)run-…>`` directory) into
    ``<dir>/<project>/<run id>``, keeping its id, name, project (unless ``project`` is given),
    tags, notes, group, job type, config, history, summary and exit status."""
    pb = _protos()
    log = find_log(path)
    files = log.parent / "files"
    target: FilesTarget | None = None
    pending: list[Any] = []  # records before the run record (there should be none)
    summary: dict[tuple[str, ...], Any] = {}  # leaf path -> value
    exit_code: int | None = None
    end = 0.0
    try:
        for data in iter_log(log):
            rec = pb.Record.FromString(data)
            kind = rec.WhichOneof("record_type")
            if kind == "run" and target is None:
                target = FilesTarget(Path(dir), _started(rec.run, log, project))
                end = target.start_time
                for early in pending:
                    _config(target, early)
            elif kind == "config":
                if target is None:
                    pending.append(rec.config)
                else:
                    _config(target, rec.config)
            elif kind == "history" and target is not None:
                end = max(end, _row(target, rec.history, files))
            elif kind == "summary":
                _summary(summary, rec.summary)
            elif kind == "exit":
                exit_code = rec.exit.exit_code
        if target is None:
            raise UsageError(f"{log}: no run record in this wandb log")
    except BaseException:
        if target is not None:
            target.abort()
        raise
    status = "finished" if exit_code == 0 else "failed"
    if exit_code is None:
        target.skip("an exit record (the wandb run never finished; imported as failed)")
    final = {k: v for k, v in nest(summary).items() if not k.startswith("_")}
    final = {k: v for k, v in final.items() if not (isinstance(v, dict) and "_type" in v)}
    return target.finish(status, end, exit_code=1 if exit_code is None else exit_code,
                         summary=final or None)


def _started(run: Any, log: Path, project: str | None) -> RunStarted:
    config = _tree(run.config.update)
    config.pop("_wandb", None)
    start = run.start_time.seconds + run.start_time.nanos / 1e9
    return RunStarted(
        id=safe_id(run.run_id), project=safe_id(project or run.project or "wandb"),
        name=run.display_name or run.run_id, start_time=start,
        group=run.run_group or None, job_type=run.job_type or None,
        tags=tuple(run.tags), notes=run.notes or None, config=config, host=run.host,
        origin={"tool": "wandb", "path": str(log.parent), "run_id": run.run_id,
                "entity": run.entity or None, "project": run.project or None},
    )


def _config(target: FilesTarget, record: Any) -> None:
    values = _tree(record.update)
    values.pop("_wandb", None)
    if values:
        target.add(ConfigChanged(values))
    if record.remove:
        target.skip("config keys removed during the run", len(record.remove))


def _summary(summary: dict[tuple[str, ...], Any], record: Any) -> None:
    for item in record.update:
        path = _item_path(item)
        for old in [p for p in summary if p[:len(path)] == path or path[:len(p)] == p]:
            del summary[old]  # a leaf replaces what was under it, and what it was under
        summary[path] = _loads(item.value_json)
    for item in record.remove:
        path = _item_path(item)
        for old in [p for p in summary if p[:len(path)] == path]:
            del summary[old]


def _row(target: FilesTarget, history: Any, files: Path) -> float:
    tree = nest({_item_path(item): _history_value(item) for item in history.item})
    step = tree.pop("_step", None)
    if step is None:
        step = history.step.num
    timestamp = float(tree.pop("_timestamp", target.start_time))
    runtime = tree.pop("_runtime", None)
    values: dict[tuple[str, ...], Any] = {}
    _leaves(values, (), tree, target, files)
    target.row(int(step), timestamp, values,
               None if runtime is None else float(runtime))
    return timestamp


def _leaves(out: dict[tuple[str, ...], Any], prefix: tuple[str, ...], node: Any,
            target: FilesTarget, files: Path) -> None:
    for key, value in node.items():
        path = (*prefix, key)
        if isinstance(value, dict) and "_type" in value:
            media = _media(value, files, target)
            if media is not None:
                out[path] = media
        elif isinstance(value, dict) and value:
            _leaves(out, path, value, target, files)
        else:
            out[path] = value


def _media(obj: dict[str, Any], files: Path, target: FilesTarget) -> Any:
    """A wandb media reference as a runlog media value, or None (counted in the report)."""
    kind = obj["_type"]
    if kind == "histogram":
        import numpy as np
        from runlog.typespec.media.histogram import Histogram

        return Histogram(np_histogram=(np.asarray(obj["values"]), np.asarray(obj["bins"])))
    source = files / str(obj.get("path", ""))
    if "path" not in obj or not source.resolve().is_relative_to(files.resolve()):
        target.skip(f"{kind} values without a file in the run directory")
        return None
    if not source.is_file():
        target.skip(f"{kind} files missing from the run directory")
        return None
    if kind == "image-file":
        from runlog.typespec.media.image import Image

        return Image(source, caption=obj.get("caption"))
    if kind == "table-file":
        from runlog.typespec.media.table import Table

        table = json.loads(source.read_text(encoding="utf-8"))
        return Table(columns=table["columns"], data=table["data"])
    target.skip(f"{kind} values (kept only in the wandb run directory)")
    return None


def _tree(items: Any) -> dict[str, Any]:
    """Config or summary items (``key`` or ``nested_key``, ``value_json``) as a nested dict."""
    return nest({_item_path(item): _loads(item.value_json) for item in items})


def _item_path(item: Any) -> tuple[str, ...]:
    return tuple(item.nested_key) if item.nested_key else (item.key,)


def _history_value(item: Any) -> Any:
    which = item.WhichOneof("value")
    if which is None or which == "json":
        return _loads(item.json if which == "json" else item.value_json)
    return None if which == "none" else getattr(item, which)


def _loads(text: str) -> Any:
    return json.loads(text) if text else None
