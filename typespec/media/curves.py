"""Binary-classification curves with numpy only (no scikit-learn).

The results equal scikit-learn's ``precision_recall_curve`` and ``roc_curve`` (with their
default ``drop_intermediate``): the same points, in the same order, with the same thresholds.
numpy is imported inside the functions, as everywhere ``import runlog`` reaches.
"""

from __future__ import annotations

from typing import Any


def _counts_at_thresholds(is_pos: Any, scores: Any) -> tuple[Any, Any, Any]:
    """False and true positive counts at each distinct score, highest score first."""
    import numpy as np

    order = np.argsort(scores, kind="mergesort")[::-1]
    scores = scores[order]
    hits = is_pos[order].astype(np.float64)
    last_of_each = np.r_[np.flatnonzero(np.diff(scores)), scores.size - 1]
    tps = np.cumsum(hits)[last_of_each]
    fps = 1.0 + last_of_each - tps
    return fps, tps, scores[last_of_each]


def precision_recall(is_pos: Any, scores: Any) -> tuple[Any, Any, Any]:
    """``(precision, recall, thresholds)`` as ``sklearn.metrics.precision_recall_curve``.

    Recall decreases along the arrays, which end with the point (recall 0, precision 1).
    With no positive at all, recall is 1 everywhere (as scikit-learn, without its warning).
    """
    import numpy as np

    fps, tps, thresholds = _counts_at_thresholds(is_pos, scores)
    predicted = tps + fps
    precision = np.divide(tps, predicted, out=np.zeros_like(tps), where=predicted != 0)
    recall = np.ones_like(tps) if tps[-1] == 0 else tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thresholds[::-1]


def roc(is_pos: Any, scores: Any) -> tuple[Any, Any, Any]:
    """``(fpr, tpr, thresholds)`` as ``sklearn.metrics.roc_curve(drop_intermediate=True)``.

    Points collinear with their neighbours are dropped; the curve starts at (0, 0) with the
    threshold ``inf``. A rate whose denominator is 0 (no negatives / no positives) is NaN.
    """
    import numpy as np

    fps, tps, thresholds = _counts_at_thresholds(is_pos, scores)
    if fps.size > 2:
        corner = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps, thresholds = fps[corner], tps[corner], thresholds[corner]
    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    thresholds = np.r_[np.inf, thresholds.astype(np.float64)]
    fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, np.nan)
    tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, np.nan)
    return fpr, tpr, thresholds


def interpolated_precision(precision: Any, recall: Any, recall_grid: Any) -> Any:
    """Precision at each recall of ``recall_grid``, as wandb's ``pr_curve`` table samples it.

    Precision is first made the running maximum from the high-recall end (the interpolated
    precision), then read at the first point whose recall is at least the grid value.
    """
    import numpy as np

    best = np.maximum.accumulate(precision)[::-1]
    ascending_recall = recall[::-1]
    return best[np.searchsorted(ascending_recall, recall_grid, side="left")]
