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
from typing import Any

from .metrics import MetricMatcher, is_glob, split_metric_name
from .pathtree import Path, remove_under, set_leaf
from .records import MetricDefined, Row, SummaryChanged, nest

SUMMARY_MODES = ("min", "max", "mean", "first", "last", "best", "none")
_SYSTEM = (("_step",), ("_runtime",), ("_timestamp",))
#: leaves of committed rows kept unfolded at most (the fold of a batch skips covered rows)
_FOLD_LEAVES = 4096
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
    ``_FOLD_LEAVES`` leaves. In a batch, a row whose leaves the next row all sets again (the
    same flat keys, no ``None`` in either) changes nothing the next one does not, not even the
    order of the keys, so without summary modes it is skipped: a training loop's rows cost
    one append each and one fold per batch. A reader
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

    def _fold(self) -> None:
        """Fold the queued rows in order, skipping each row the next one covers (without
        summary modes, which count every row)."""
        if not self._pending:
            return
        with self._fold_lock:
            pending, self._pending_leaves = self._pending, 0
            rows = [pending.popleft() for _ in range(len(pending))]  # what is queued now
            if rows:
                self._fold_rows(rows)

    def _fold_rows(self, rows: list[Row]) -> None:
        last = len(rows) - 1
        covered = [False] * len(rows)
        if not (self._stats or self._globs):
            later = rows[last].values
            later_keys, later_full = tuple(later), _NONE not in map(type, later.values())
            for i in range(last - 1, -1, -1):
                values = rows[i].values
                keys, full = tuple(values), _NONE not in map(type, values.values())
                # both without None, flat keys (none the prefix of another): the next row sets
                # the same leaves in the same order
                covered[i] = (full and later_full and keys == later_keys
                              and max(map(len, keys), default=1) == 1)
                later_keys, later_full = keys, full
        covered[0] = covered[0] and not self._system_set  # that row clears the system keys
        for row, skip in zip(rows, covered):
            if not skip:
                self._fold_row(row)
        self._row = rows[last]

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
