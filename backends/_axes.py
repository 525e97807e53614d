"""Step metrics for backends: which value a leaf is plotted against after
``define_metric(name, step_metric=...)`` (an exact dotted name, or a ``prefix*`` glob)."""

from __future__ import annotations

from typing import Any

from runlog.typespec.records import MetricDefined
from runlog.typespec.summary import split_metric_name

Path = tuple[str, ...]
_NUMBER = (int, float, bool)


class StepAxes:
    """The step metric of each leaf and the latest value of each step metric."""

    def __init__(self) -> None:
        self._axes: dict[str, Path] = {}  # metric name -> its step metric's path
        self._globs: dict[str, Path] = {}  # name prefix -> step metric's path
        self._of: dict[Path, Path | None] = {}
        self._last: dict[Path, Any] = {}

    def __bool__(self) -> bool:
        return bool(self._axes or self._globs)

    def define(self, metric: MetricDefined) -> None:
        """Take one ``define_metric`` call into account."""
        if metric.step_metric is None:
            return
        axis = split_metric_name(metric.step_metric)
        if metric.name.endswith("*"):
            self._globs[metric.name[:-1]] = axis
        else:
            self._axes[metric.name] = axis
        self._of.clear()

    def observe(self, values: dict[Path, Any]) -> None:
        """Remember the step metrics' numeric values in a row (before :meth:`axis_value`)."""
        for axis in {*self._axes.values(), *self._globs.values()}:
            if axis in values and type(values[axis]) in _NUMBER:
                self._last[axis] = values[axis]

    def axis_value(self, path: Path) -> tuple[Path, Any] | None:
        """``(step metric path, its latest value)`` for a leaf, or None when the leaf has no
        step metric (or it has no value yet); a step metric is not plotted against itself."""
        if path in self._of:
            axis = self._of[path]
        else:
            key = ".".join(path)
            axis = self._axes.get(key)
            if axis is None and not key.startswith("_"):
                axis = next((a for p, a in self._globs.items() if key.startswith(p)), None)
            self._of[path] = axis = None if axis == path else axis
        if axis is None or axis not in self._last:
            return None
        return axis, self._last[axis]
