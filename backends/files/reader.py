"""Reading a run directory of the files backend.

``records.jsonl`` is the source of truth; ``run.json``, ``summary.json`` and ``history.jsonl``
are caches that may lag behind it after a crash. ``run.json`` says how many records the caches
reflect: when that is fewer than ``records.jsonl`` holds, the reader folds the records itself,
and history rows missing from ``history.jsonl`` are taken from ``records.jsonl``. A torn last
line (a write cut short by ``kill -9``) is skipped everywhere. Nothing here writes to the run.

Names taken from the files are checked: a media reference or saved-file name that could leave
the run directory, a symbolic link in place of a media file, or a media file whose content is
not its sha256 is a DataError.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from runlog.typespec.errors import DataError, UsageError, warn
from runlog.typespec.jsonform import record_from_json
from runlog.typespec.records import FileSaved, Record, nest, row_dict, sample_dict

from .format import (
    FILES,
    FORMAT_VERSION,
    HISTORY,
    MEDIA,
    RECORDS,
    RUN_JSON,
    SUMMARY,
    decode_tree,
    encode_tree,
)
from .io import count_lines, iter_lines
from .lock import is_locked
from .media import MediaStore, safe_name
from .state import CRASHED, RUNNING, RunState


def is_run_dir(path: Path) -> bool:
    """True if ``path`` looks like a run directory of the files layout."""
    return (path / RECORDS).is_file() or (path / RUN_JSON).is_file()


def iter_json_lines(path: Path, only: bytes | None = None) -> Iterator[Any]:
    """The JSON objects of a JSONL file's complete lines; a damaged complete line is a DataError.

    ``only``: skip, unparsed, the lines whose first 48 bytes do not contain these bytes.
    """
    for number, line in enumerate(iter_lines(path), 1):
        if only is not None and only not in line[:48]:
            continue
        try:
            yield json.loads(line)
        except ValueError as exc:
            raise DataError(f"{path} line {number} is not valid JSON ({exc}); the file is "
                            "damaged (only a torn last line is expected after a crash)") from None


def iter_records(run_dir: Path, media: MediaStore | None = None) -> Iterator[Record]:
    """The IR records of ``records.jsonl``, in log order, media loaded from ``media/`` and
    checked against their sha256; a saved file's name that could leave ``files/`` is a
    DataError."""
    load = (media or MediaStore(run_dir)).load
    for obj in iter_json_lines(run_dir / RECORDS):
        record = record_from_json(obj, load)
        if type(record) is FileSaved:
            safe_name(record.name)
        yield record


def fold(run_dir: Path, media: MediaStore | None = None) -> RunState:
    """A :class:`RunState` folded from every record of the run."""
    state = RunState()
    for record in iter_records(run_dir, media):
        state.apply(record)
    return state


def last_state(run_dir: Path, media: MediaStore | None = None) -> RunState:
    """Where a recorded run stands, for resuming it (``FilesBackend.existing_run``).

    Returns a :class:`~runlog.backends.files.state.RunState`: ``next_step`` (last committed
    step + 1), ``summary`` (a ``runlog.typespec.Summary`` holding every leaf so far),
    ``config`` (dict), ``rows``, ``last_step``, ``status`` and ``finished``. A torn last line
    is ignored; the files backend truncates it when it reopens the run.
    """
    _check_run_dir(run_dir)
    return fold(run_dir, media)


class FilesRun:
    """A read-only view of one recorded run (what ``runlog.read(path)`` returns).

    ``metadata`` / ``config`` / ``summary`` / ``status`` are read when the view is made;
    ``history`` (a list), ``iter_history()`` (an iterator, for huge runs), ``to_pandas()``,
    ``stale`` and ``records()`` read the files each time, so a live run shows new rows.
    Media values come back as runlog media types (``runlog.Image``, ...).
    """

    def __init__(self, run_dir: str | Path) -> None:
        self.dir = Path(run_dir)
        _check_run_dir(self.dir)
        self._media = MediaStore(self.dir)
        meta = _read_json(self.dir / RUN_JSON)
        if meta is not None and meta.get("format_version", FORMAT_VERSION) > FORMAT_VERSION:
            raise DataError(f"{self.dir} uses files format {meta['format_version']}; this runlog "
                            f"reads format {FORMAT_VERSION} (upgrade runlog)")
        summary = _read_json(self.dir / SUMMARY)
        self._cached = (
            meta is not None and summary is not None
            and meta.get("records") == count_lines(self.dir / RECORDS)
        )
        if self._cached:
            self._meta: dict[str, Any] = meta
            self._summary = decode_tree(summary, self._media.load)
        else:
            state = fold(self.dir, self._media)
            self._meta = state.run_json(pid=meta.get("pid") if meta else None)
            self._summary = state.final_summary()
        if self._meta["id"] is None:  # killed before its first record reached the disk
            self._meta.update(id=self.dir.name, name=self.dir.name, project=self.dir.parent.name)
        if self._meta["status"] == RUNNING and not is_locked(self.dir):
            self._meta["status"] = CRASHED

    # -- metadata ------------------------------------------------------------------------------
    @property
    def metadata(self) -> dict[str, Any]:
        """``run.json`` as of when the view was made; ``status`` may also be ``crashed``."""
        return dict(self._meta)

    id = property(lambda self: self._meta["id"], doc="The run id.")
    name = property(lambda self: self._meta["name"], doc="The run name.")
    project = property(lambda self: self._meta["project"], doc="The project.")
    status = property(lambda self: self._meta["status"], doc=(
        "``finished``, ``failed``, ``preempted``, ``running`` (a live process holds the run) or "
        "``crashed`` (no ``Finished`` record and no live writer)."))

    @property
    def config(self) -> dict[str, Any]:
        """The run config."""
        return dict(self._meta["config"])

    @property
    def summary(self) -> dict[str, Any]:
        """The (nested) summary; media leaves are media values."""
        return dict(self._summary)

    @property
    def rows(self) -> int:
        """Number of committed history rows."""
        return self._meta["rows"]

    # -- history -------------------------------------------------------------------------------
    @property
    def history(self) -> list[dict[str, Any]]:
        """Every committed row as a nested dict with ``_step``, ``_runtime``, ``_timestamp``."""
        return list(self.iter_history())

    def iter_history(self) -> Iterator[dict[str, Any]]:
        """The rows one by one (memory stays flat for huge runs)."""
        load = self._media.load
        for obj in self.iter_history_json():
            yield decode_tree(obj, load)

    def iter_history_json(self) -> Iterator[dict[str, Any]]:
        """The rows in their ``history.jsonl`` JSON form (media as small JSON objects).

        ``history.jsonl`` is a cache: from a damaged line on, the rows are rebuilt from
        ``records.jsonl`` with a warning."""
        cached = 0
        try:
            for obj in iter_json_lines(self.dir / HISTORY):
                cached += 1
                yield obj
        except DataError as exc:
            warn(f"{exc}; rows from line {cached + 1} on are rebuilt from {RECORDS}")
        if cached >= self._meta["rows"]:
            return
        load = self._media.load
        for seen, obj in enumerate(self._json_of("row"), 1):
            if seen > cached:
                yield encode_tree(row_dict(record_from_json(obj, load)), self._ref)

    def to_pandas(self) -> Any:
        """The history as a ``pandas.DataFrame``, nested keys joined with ``/`` (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise UsageError("to_pandas() needs pandas: pip install pandas") from None
        return pd.DataFrame([flatten_row(row) for row in self.iter_history()])

    @property
    def stale(self) -> list[dict[str, Any]]:
        """Data rejected by the stale-step rule: ``step``, ``current_step``, ``timestamp``,
        ``policy`` and the nested ``values``."""
        load = self._media.load
        stale = (record_from_json(obj, load) for obj in self._json_of("stale_row"))
        return [
            {"step": r.step, "current_step": r.current_step, "timestamp": r.timestamp,
             "policy": r.policy, "values": nest(r.values)}
            for r in stale
        ]

    @property
    def system(self) -> list[dict[str, Any]]:
        """The system-metrics samples, in time order: ``{"_timestamp", "_runtime", <name>:
        number, ...}`` (names as ``docs/system-metrics.md`` lists them, e.g. ``cpu.percent``)."""
        return [sample_dict(record_from_json(obj)) for obj in self._json_of("system_sample")]

    def records(self) -> Iterator[Record]:
        """Every IR record of the run, in log order."""
        return iter_records(self.dir, self._media)

    @property
    def alerts(self) -> list[dict[str, Any]]:
        """The run's alerts (``run.alert``), in order: ``title``, ``text``, ``level``,
        ``timestamp`` and ``wait_duration``."""
        return [{k: obj.get(k) for k in ("title", "text", "level", "timestamp", "wait_duration")}
                for obj in self._json_of("alert")]

    @property
    def artifacts(self) -> list[dict[str, Any]]:
        """The artifacts this run logged, in order: ``name``, ``type``, ``version``,
        ``digest``, ``aliases`` and the entry names."""
        return [{"name": obj["name"], "type": obj["artifact_type"], "version": obj.get("version"),
                 "digest": obj["digest"], "aliases": obj.get("aliases", []),
                 "entries": sorted(obj["entries"])}
                for obj in self._json_of("artifact_logged")]

    @property
    def files(self) -> dict[str, Path]:
        """Files attached by ``run.save``: name -> path of the latest version (symbolic links
        found under ``files/`` are not listed)."""
        root = self.dir / FILES
        if not root.is_dir():
            return {}
        return {
            p.relative_to(root).as_posix(): p
            for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink() and not p.name.startswith(".")
        }

    def __repr__(self) -> str:
        return f"<runlog.read {self.project}/{self.id} {self.status} rows={self.rows}>"

    # -- helpers -------------------------------------------------------------------------------
    def _json_of(self, kind: str) -> Iterator[dict[str, Any]]:
        """The JSON of the records of one ``type``, parsing only the lines that can hold it."""
        for obj in iter_json_lines(self.dir / RECORDS, only=f'"{kind}"'.encode()):
            if obj.get("type") == kind:
                yield obj

    @staticmethod
    def _ref(payload: Any) -> str:
        return f"{MEDIA}/{payload.filename}"


def flatten_row(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested row as flat ``a/b`` columns (lists and media stay whole values)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if type(value) is dict:
            out.update(flatten_row(value, name + "/"))
        else:
            out[name] = value
    return out


def _check_run_dir(run_dir: Path) -> None:
    if not run_dir.is_dir():
        raise UsageError(f"{run_dir} is not a directory")
    if not is_run_dir(run_dir):
        raise UsageError(f"{run_dir} is not a runlog run directory (no {RECORDS} or {RUN_JSON})")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise DataError(f"{path} is not valid JSON ({exc})") from None
