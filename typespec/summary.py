"""The run summary as a fold over IR records (Row, SummaryChanged, MetricDefined).

The facade keeps ``run.summary`` with it and any backend can rebuild the same summary from the
records it receives, so the rules live in one place:

- each committed leaf becomes that leaf's summary (nested dicts merge leaf by leaf); a logged
  ``None`` changes nothing; NaN and ±inf are kept; ``_step``, ``_runtime`` and ``_timestamp``
  are summary leaves too, as in wandb;
- an explicit set stores the value as one leaf (a dict replaces the subtree) until the key is
  next committed; setting ``None`` or NaN removes it; removal drops a leaf or a subtree;
- ``define_metric(summary="min,max,mean,first,last,best,none")`` turns a leaf's summary into
  a dict of those statistics (``none`` hides it), counted from the definition on; names and
  globs match keys as :mod:`runlog.typespec.metrics` says; an explicit set resets the modes
  of that key.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Sequence
from typing import Any

from .metrics import MetricMatcher, is_glob, split_metric_name
from .pathtree import Path, remove_under, set_leaf
from .records import MetricDefined, Row, SummaryChanged, nest

SUMMARY_MODES = ("min", "max", "mean", "first", "last", "best", "none")
_SYSTEM = (("_step",), ("_runtime",), ("_timestamp",))
#: leaves of committed rows kept unfolded at most (then folded as one batch)
_FOLD_LEAVES = 4096
_SYSTEM_SET = frozenset(_SYSTEM)
_NONE = type(None)


class _Stat:
    """Running statistics of one leaf that has summary modes."""

    __slots__ = ("best", "count", "first", "max", "min", "none", "total", "track")

    def __init__(self, metric: MetricDefined) -> None:
        self.track: tuple[str, ...] = ()
        self.none = False
        self.best = "max"
        self.configure(metric)
        self.first: Any = None
        self.min: Any = None
        self.max: Any = None
        self.total = 0.0
        self.count = 0

    def configure(self, metric: MetricDefined) -> None:
        """Add the modes of a ``define_metric`` call."""
        modes = [m for m in metric.summary if m != "none"]
        self.track = tuple(dict.fromkeys((*self.track, *modes)))
        self.none = self.none or "none" in metric.summary
        if metric.goal is not None:
            self.best = "min" if metric.goal == "minimize" else "max"

    def update(self, value: Any) -> None:
        if self.first is None:
            self.first = value
        if type(value) in (int, float):
            nan = value != value  # a NaN sticks, as with wandb-core's Go min/max
            if not self.count or nan or value < self.min:
                self.min = value
            if not self.count or nan or value > self.max:
                self.max = value
            self.total += value
            self.count += 1

    def output(self, latest: Any) -> Any:
        if self.none:
            return None
        if not self.track:  # reset by an explicit set: the plain latest value
            return latest
        out: dict[str, Any] = {}
        for mode in self.track:
            if mode == "last":
                out["last"] = latest
            elif mode == "first":
                out["first"] = self.first
            elif not self.count:
                continue
            elif mode == "mean":
                out["mean"] = self.total / self.count
            elif mode == "best":
                out["best"] = self.min if self.best == "min" else self.max
            else:
                out[mode] = self.min if mode == "min" else self.max
        return out


class Summary:
    """The summary of one run, updated record by record.

    Committed rows are folded in batches: :meth:`apply_row` only queues the row, and the queue
    is folded before the summary is read or changed otherwise, or once it holds
    ``_FOLD_LEAVES`` leaves. Without summary modes, a batch of rows of flat leaves and no
    ``None`` is merged into one dict at C speed and applied with one update (the same values
    and key order as folding row by row); other batches are folded row by row. A training
    loop's rows cost one append each and one merge per batch. A reader
    on another thread may fold too: rows are taken from the queue one by one (each row by
    exactly one fold) and folds run one at a time.
    """

    def __init__(self) -> None:
        self._pending: deque[Row] = deque()  # committed rows not folded yet
        self._pending_leaves = 0
        self._fold_lock = threading.Lock()
        self._latest: dict[Path, Any] = {}
        self._interior: set[Path] = set()
        self._stats: dict[Path, _Stat] = {}
        self._globs: MetricMatcher[MetricDefined] = MetricMatcher()
        self._row: Row | None = None  # the last committed row: _step, _runtime, _timestamp
        self._system_set = False  # a system key was set explicitly since that row

    # -- records ---------------------------------------------------------------------------
    def apply(self, record: Any) -> None:
        """Fold one record into the summary (records of other types are ignored)."""
        if type(record) is Row:
            self.apply_row(record)
            return
        self._fold()
        if type(record) is SummaryChanged:
            for path in record.removed:
                self.remove(path)
            for path, value in record.set.items():
                self.set(path, value)
        elif type(record) is MetricDefined:
            self.define(record)

    def apply_row(self, row: Row) -> None:
        """Every committed leaf becomes its summary value (``None`` leaves change nothing)."""
        self._pending.append(row)
        self._pending_leaves += len(row.values)
        if self._pending_leaves >= _FOLD_LEAVES:
            self._fold()

    def apply_rows(self, rows: Sequence[Row]) -> None:
        """:meth:`apply_row` for each of ``rows``, in order, at once."""
        self._fold()
        if rows:
            with self._fold_lock:
                self._fold_rows(list(rows))

    def _fold(self) -> None:
        """Fold the queued rows in order, as one batch (see :meth:`_fold_rows`)."""
        if not self._pending:
            return
        with self._fold_lock:
            pending, self._pending_leaves = self._pending, 0
            rows = [pending.popleft() for _ in range(len(pending))]  # what is queued now
            if rows:
                self._fold_rows(rows)

    def _fold_rows(self, rows: list[Row]) -> None:
        """Fold ``rows`` in order: merged at once when that gives the same summary (no summary
        modes, flat leaves, no ``None``), else row by row."""
        merged = None if self._stats or self._globs else _merge_flat(rows)
        if merged is None or not self._interior.isdisjoint(merged) or (
            self._system_set and not _SYSTEM_SET.isdisjoint(merged)
        ):
            for row in rows:
                self._fold_row(row)
            return
        # flat leaves, no None, no subtree replaced: folding the rows one by one sets each
        # leaf to its last value and adds new leaves in the order they first appear, which is
        # what one update with the merged rows does
        self._latest.update(merged)
        if self._system_set:
            for path in _SYSTEM:
                self._latest.pop(path, None)
            self._system_set = False
        self._row = rows[-1]

    def _fold_row(self, row: Row) -> None:
        latest, interior = self._latest, self._interior
        for path, value in row.values.items():
            if value is None:
                continue
            if len(path) > 1 or path in interior:
                set_leaf(latest, interior, path, value)
            else:
                latest[path] = value
        if self._stats or self._globs:
            self._update_stats(row)
        self._row = row
        if self._system_set:
            for path in _SYSTEM:
                latest.pop(path, None)
            self._system_set = False

    def _update_stats(self, row: Row) -> None:
        stats = self._stats
        for path, value in row.values.items():
            if value is None:
                continue
            stat = stats.get(path)
            if stat is None and self._globs:
                metric = self._globs.get(path)
                if metric is not None:
                    stat = stats[path] = _Stat(metric)
            if stat is not None:
                stat.update(value)

    def set(self, path: Path, value: Any) -> None:
        """An explicit ``summary[k] = v``: one leaf; ``None`` or NaN removes it."""
        self._fold()
        if value is None or (type(value) is float and math.isnan(value)):
            self.remove(path)
            return
        set_leaf(self._latest, self._interior, path, value)
        stat = self._stats.get(path)
        if stat is not None:  # wandb's SetExplicit: the modes reset, the key stays known
            stat.track = ()
        if path in _SYSTEM:
            self._system_set = True

    def remove(self, path: Path) -> None:
        """``del summary[k]``: drop the leaf or the subtree at ``path``."""
        self._fold()
        self._latest.pop(path, None)
        remove_under(self._latest, path)
        if path in _SYSTEM and self._row is not None:
            self._row = None  # del summary["_step"] hides the system keys until the next row

    def define(self, metric: MetricDefined) -> None:
        """Apply a ``define_metric`` call's summary modes."""
        self._fold()
        if not metric.summary:
            return
        if is_glob(metric.name):
            self._globs.add(metric.name, metric)
        else:
            path = split_metric_name(metric.name)
            stat = self._stats.get(path)
            if stat is None:
                self._stats[path] = _Stat(metric)
            else:  # a second definition adds its modes, as wandb merges metric records
                stat.configure(metric)

    # -- views -----------------------------------------------------------------------------
    def leaves(self) -> dict[Path, Any]:
        """``{path: summary value}`` for every leaf that has one."""
        self._fold()
        stats = self._stats
        latest = self._latest
        if self._row is not None:
            row = self._row
            system = {("_step",): row.step, ("_runtime",): row.runtime,
                      ("_timestamp",): row.timestamp}
            latest = {**latest, **{p: v for p, v in system.items() if p not in latest}}
        if not stats:
            return dict(latest)
        out = {}
        for path, value in latest.items():
            stat = stats.get(path)
            if stat is not None:
                value = stat.output(value)
                if value is None:
                    continue
            out[path] = value
        return out

    def nested(self) -> dict[str, Any]:
        """The summary as a nested dict."""
        return nest(self.leaves())


def _merge_flat(rows: list[Row]) -> dict[Path, Any] | None:
    """The rows' leaves merged in order (later values win), or None if a row has a nested
    leaf or a ``None`` value (which must be folded row by row)."""
    merged: dict[Path, Any] = {}
    update = merged.update
    for row in rows:
        values = row.values
        if _NONE in map(type, values.values()):
            return None
        update(values)
    if merged and max(map(len, merged)) != 1:
        return None
    return merged
