"""``runlog.plot``: charts logged as one value under the key you give.

``run.log({"pr": runlog.plot.pr_curve(y_true, y_probas, labels)})``. Each function returns a
:class:`~runlog.typespec.media.plot.Plot` (a ``Table`` plus a chart spec); see ``docs/media.md``.
"""

from runlog.typespec.media.plot import (
    Plot,
    bar,
    confusion_matrix,
    histogram,
    line,
    line_series,
    plot_table,
    pr_curve,
    roc_curve,
    scatter,
)

__all__ = [
    "Plot",
    "bar",
    "confusion_matrix",
    "histogram",
    "line",
    "line_series",
    "plot_table",
    "pr_curve",
    "roc_curve",
    "scatter",
]
