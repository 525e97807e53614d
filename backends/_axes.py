"""Step metrics for backends: which value a leaf is plotted against after
``define_metric(name, step_metric=...)``. Names match through
:class:`runlog.typespec.metrics.MetricMatcher`, as everywhere else."""

from __future__ import annotations

from typing import Any

from runlog.typespec.metrics import MetricMatcher, split_metric_name
from runlog.typespec.records import MetricDefined

Path = tuple[str, ...]
_NUMBER = (int, float, bool)


class StepAxes:
    """The step metric of each leaf and the latest value of each step metric."""

    def __init__(self) -> None:
        self._axes: MetricMatcher[Path] = MetricMatcher()
        self._last: dict[Path, Any] = {}
        #: True once a step metric is defined (a plain attribute: backends check it per row)
        self.defined = False

    def define(self, metric: MetricDefined) -> None:
        """Take one ``define_metric`` call into account."""
        if metric.step_metric is not None:
            self._axes.add(metric.name, split_metric_name(metric.step_metric))
            self.defined = True

    def observe(self, values: dict[Path, Any]) -> None:
        """Remember the step metrics' numeric values in a row (before :meth:`axis_value`)."""
        for axis in set(self._axes.values()):
            if axis in values and type(values[axis]) in _NUMBER:
                self._last[axis] = values[axis]

    def axis_value(self, path: Path) -> tuple[Path, Any] | None:
        """``(step metric path, its latest value)`` for a leaf, or None when the leaf has no
        step metric (or it has no value yet); a step metric is not plotted against itself."""
        axis = self._axes.get(path)
        if axis is None or axis == path or axis not in self._last:
            return None
        return axis, self._last[axis]
