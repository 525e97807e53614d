"""The data of each ``runlog.sklearn`` chart, computed with scikit-learn: a
:class:`~runlog.typespec.media.plot.Plot` of wandb's Vega spec over a ``runlog.Table`` with
wandb's columns. Inputs arrive checked (see ``_checks``); nothing here logs."""

from __future__ import annotations

import math
from typing import Any

from runlog.typespec.media.plot import Plot, plain_scalar, plot_table
from runlog.typespec.media.table import Table

from ._checks import fail

#: wandb's limit on the points of one chart
CHART_LIMIT = 1000
#: wandb's limit on the residuals plot's points per data set (train, test)
RESIDUALS_LIMIT = 100


def chart(spec: str, columns: list[str], data: list[list[Any]], title: str | None = None) -> Plot:
    """A custom chart of wandb's ``spec`` over a table of ``columns`` x ``data``."""
    rows = [[plain_scalar(v) for v in row] for row in data]
    table = Table(columns=columns, data=rows, max_rows=max(Table.MAX_ROWS, len(rows)))
    return plot_table(spec, table, {}, None if title is None else {"title": title})


def class_name(fn: str, value: Any, labels: list[str] | None) -> Any:
    """An integer class ``c`` as ``labels[c]``; any other class value as it is."""
    value = plain_scalar(value)
    if labels is None or isinstance(value, bool) or not isinstance(value, int):
        return value
    if not 0 <= value < len(labels):
        raise fail(fn, f"class {value} has no name in labels ({len(labels)} names; labels[c] "
                       "names integer class c)")
    return labels[value]


def thinned(indices: Any, limit: int) -> Any:
    """At most ``limit`` of ``indices``, evenly spaced, first kept."""
    step = math.ceil(len(indices) / limit) if len(indices) > limit else 1
    return indices[::step]


# -- shared by classifiers and regressors -------------------------------------------------
def summary_metrics(model: Any, x_test: Any, y_test: Any) -> Plot:
    """Test-set metrics, rounded to 2 decimals: accuracy and weighted precision, recall, F1
    for a classifier; MAE, MSE and R² for a regressor."""
    from sklearn import metrics
    from sklearn.base import is_classifier

    y_pred = model.predict(x_test)
    if is_classifier(model):
        values = {
            "accuracy_score": metrics.accuracy_score(y_test, y_pred),
            "precision": metrics.precision_score(y_test, y_pred, average="weighted",
                                                 zero_division=0),
            "recall": metrics.recall_score(y_test, y_pred, average="weighted", zero_division=0),
            "f1_score": metrics.f1_score(y_test, y_pred, average="weighted", zero_division=0),
        }
    else:
        values = {
            "mae": metrics.mean_absolute_error(y_test, y_pred),
            "mse": metrics.mean_squared_error(y_test, y_pred),
            "r2_score": metrics.r2_score(y_test, y_pred),
        }
    name = type(model).__name__
    return chart("wandb/metrics/v1", ["metric_name", "metric_value", "model_name"],
                 [[key, round(float(v), 2), name] for key, v in values.items()])


def learning_curve(model: Any, x: Any, y: Any, **options: Any) -> Plot:
    """Mean train and cross-validation scores (2 decimals) per training-set size, from
    ``sklearn.model_selection.learning_curve(model, x, y, **options)``."""
    from sklearn import model_selection

    sizes, train, test = model_selection.learning_curve(model, x, y, **options)
    data = []
    for size, tr, te in zip(sizes.tolist(), train.mean(axis=1), test.mean(axis=1)):
        data += [["train", round(float(tr), 2), size], ["test", round(float(te), 2), size]]
    return chart("wandb/learning_curve/v1", ["dataset", "score", "train_size"],
                 data[:CHART_LIMIT])


# -- classifiers --------------------------------------------------------------------------
def confusion_matrix(
    fn: str, y_true: Any, y_pred: Any, labels: list[str] | None, true_labels: Any,
    pred_labels: Any, normalize: bool,
) -> Plot:
    """A row ``[predicted, actual, count]`` per pair of classes (``normalize``: the share of
    the actual class, 2 decimals); ``true_labels`` / ``pred_labels`` keep only those rows /
    columns."""
    import numpy as np
    from sklearn import metrics
    from sklearn.utils.multiclass import unique_labels

    try:
        classes = unique_labels(y_true, y_pred)
    except ValueError as exc:
        raise fail(fn, f"y_true and y_pred must hold classes of one kind: {exc}") from None
    counts = metrics.confusion_matrix(y_true, y_pred, labels=classes)
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        counts = np.round(np.divide(counts, totals, out=np.zeros(counts.shape),
                                    where=totals > 0), 2)
    names = [class_name(fn, c, labels) for c in classes.tolist()]
    actual = _kept(fn, "true_labels", true_labels, classes.tolist(), names)
    predicted = _kept(fn, "pred_labels", pred_labels, classes.tolist(), names)
    data = [[names[j], names[i], counts[i, j]] for i in actual for j in predicted]
    return chart("wandb/confusion_matrix/v1", ["Predicted", "Actual", "Count"],
                 data[:CHART_LIMIT])


def _kept(fn: str, arg: str, wanted: Any, values: list[Any], names: list[Any]) -> list[int]:
    """The positions of the classes in ``wanted`` (class values or their names); all if None."""
    if wanted is None:
        return list(range(len(values)))
    if isinstance(wanted, (str, bytes)) or not hasattr(wanted, "__iter__"):
        raise fail(fn, f"{arg} must be a list of classes, got {type(wanted).__name__}")
    wanted = [plain_scalar(w) for w in wanted]
    unknown = [w for w in wanted if w not in values and w not in names]
    if unknown:
        raise fail(fn, f"{arg} {unknown} are not classes of y_true or y_pred "
                       f"(classes: {values[:20]}, names: {names[:20]})")
    return [i for i, (v, n) in enumerate(zip(values, names)) if v in wanted or n in wanted]


#: the model attributes that hold feature importances, in the order they are looked for
IMPORTANCE_ATTRIBUTES = ("feature_importances_", "feature_log_prob_", "coef_")


def feature_importances(
    fn: str, model: Any, feature_names: Any, title: str, max_num_features: int
) -> Plot | str:
    """The ``max_num_features`` largest importances, largest first; or, when the model has
    none that can be drawn, the reason why (a str)."""
    import numpy as np

    found = next((a for a in IMPORTANCE_ATTRIBUTES if hasattr(model, a)), None)
    if found is None:
        return (f"{type(model).__name__} has none of the attributes "
                f"{', '.join(IMPORTANCE_ATTRIBUTES)}: no feature importances to plot")
    importances = np.asarray(getattr(model, found), dtype=float)
    if sum(d > 1 for d in importances.shape) > 1:
        return (f"{type(model).__name__}.{found} has shape {importances.shape}: only one "
                "importance per feature can be plotted")
    importances = importances.ravel()
    order = np.argsort(importances)[::-1][:max_num_features]
    if feature_names is None:
        names = order.tolist()
    else:
        if isinstance(feature_names, (str, bytes)) or not hasattr(feature_names, "__iter__"):
            raise fail(fn, f"feature_names must be a list of names, got "
                           f"{type(feature_names).__name__}")
        given = [str(n) for n in feature_names]
        if len(given) < importances.size:
            raise fail(fn, f"feature_names has {len(given)} names but the model has "
                           f"{importances.size} features")
        names = [given[i] for i in order.tolist()]
    return chart("wandb/feature_importances/v1", ["feature_names", "importances"],
                 [[n, v] for n, v in zip(names, importances[order].tolist())], title)


def class_proportions(fn: str, y_train: Any, y_test: Any, labels: list[str] | None) -> Plot:
    """Two rows per class: its count in the training and in the test set."""
    from sklearn.utils.multiclass import unique_labels

    try:
        classes = unique_labels(y_train, y_test)
    except ValueError as exc:
        raise fail(fn, f"y_train and y_test must hold classes of one kind: {exc}") from None
    data = []
    for c in classes.tolist()[: CHART_LIMIT // 2]:
        name = class_name(fn, c, labels)
        data += [[name, "train", int((y_train == c).sum())],
                 [name, "test", int((y_test == c).sum())]]
    return chart("wandb/class_proportions/v1", ["class", "dataset", "count"], data)


def calibration_curve(clf: Any, x: Any, y: Any, clf_name: str) -> Plot:
    """Reliability curves (10 bins) on 90% of the data, of a logistic regression baseline and
    of ``clf`` calibrated isotonically and by sigmoid, each fitted on the other 10%; the
    histogram of each model's predicted probabilities rides along (``hist_dict``,
    ``edge_dict``), as wandb's."""
    import numpy as np
    from sklearn import calibration, model_selection, naive_bayes
    from sklearn.linear_model import LogisticRegression

    if isinstance(clf, naive_bayes.ComplementNB):  # needs non-negative features
        x = x - x.min()
    models = {
        "Logistic": LogisticRegression(C=1.0),
        f"{clf_name} Isotonic": calibration.CalibratedClassifierCV(clf, cv=2, method="isotonic"),
        f"{clf_name} Sigmoid": calibration.CalibratedClassifierCV(clf, cv=2, method="sigmoid"),
    }
    x_train, x_test, y_train, y_test = model_selection.train_test_split(
        x, y, test_size=0.9, random_state=42)
    data = [["Perfectly calibrated", 0, 0, 0, 0], ["Perfectly calibrated", 1, 1, 0, 0]]
    for name, model in models.items():
        model.fit(x_train, y_train)
        prob_pos = model.predict_proba(x_test)[:, 1]
        hist, edges = np.histogram(prob_pos, bins=10)
        frac, mean = calibration.calibration_curve(y_test, prob_pos, n_bins=10)
        data += [[name, round(float(f), 3), round(float(m), 3), int(h), float(e)]
                 for f, m, h, e in zip(frac, mean, hist, edges)]
    return chart("wandb/calibration/v1",
                 ["model", "fraction_of_positives", "mean_predicted_value", "hist_dict",
                  "edge_dict"], data[:CHART_LIMIT])


# -- clusterers ---------------------------------------------------------------------------
def elbow_curve(clusterer: Any, x: Any, cluster_ranges: list[int], n_jobs: int | None) -> Plot:
    """For each cluster count: the absolute ``score`` (for k-means, the inertia) of a copy of
    ``clusterer`` fitted with that many clusters, and the seconds the fit took."""
    from joblib import Parallel, delayed

    results = Parallel(n_jobs=n_jobs)(delayed(_fit_and_score)(clusterer, x, k)
                                      for k in cluster_ranges)
    return chart("wandb/elbow/v1", ["cluster_ranges", "errors", "clustering_time"],
                 [[k, abs(score), seconds] for k, (score, seconds) in zip(cluster_ranges,
                                                                          results)])


def _fit_and_score(clusterer: Any, x: Any, n_clusters: int) -> tuple[float, float]:
    import time

    from sklearn.base import clone

    start = time.perf_counter()
    model = clone(clusterer).set_params(n_clusters=n_clusters).fit(x)
    return float(model.score(x)), time.perf_counter() - start


SILHOUETTE_COLUMNS = ["x", "y", "colors", "centerx", "centery", "y_sil", "x1", "x2",
                      "color_sil", "silhouette_avg"]


def silhouette(fn: str, clusterer: Any, x: Any, cluster_labels: Any, metric: str,
               kmeans: bool) -> Plot:
    """One row per sample, grouped by cluster and sorted by silhouette value within it: the
    sample's first two features (``x``, ``y``), its cluster (``colors``, ``color_sil``), the
    cluster's center (k-means only), its bar position (``y_sil``, 10 apart between clusters),
    the bar from ``x1`` = 0 to ``x2`` = its silhouette value, and the mean silhouette value.
    At most 1000 rows (each cluster's samples thinned evenly)."""
    import numpy as np
    from sklearn.metrics import silhouette_samples, silhouette_score

    clusters = np.unique(cluster_labels)
    if not 2 <= clusters.size < len(cluster_labels):
        raise fail(fn, f"cluster_labels holds {clusters.size} clusters for "
                       f"{len(cluster_labels)} samples; a silhouette needs 2 to n_samples - 1")
    if x.shape[1] < 2:
        raise fail(fn, f"X has {x.shape[1]} feature; the plot shows the first two")
    try:
        average = float(silhouette_score(x, cluster_labels, metric=metric))
    except ValueError as exc:
        raise fail(fn, f"metric={metric!r}: {exc}") from None
    values = silhouette_samples(x, cluster_labels, metric=metric)
    centers = getattr(clusterer, "cluster_centers_", None) if kmeans else None
    step = math.ceil(len(values) / CHART_LIMIT)
    data, lower = [], 10
    for cluster in clusters.tolist():
        members = np.flatnonzero(cluster_labels == cluster)
        members = members[np.argsort(values[members], kind="stable")]
        center = (centers[cluster][:2].tolist() if centers is not None
                  and isinstance(cluster, int) and 0 <= cluster < len(centers) else [None, None])
        for position, i in enumerate(members.tolist()):
            if position % step == 0:
                data.append([x[i, 0], x[i, 1], cluster, *center, lower + position, 0,
                             values[i], cluster, average])
        lower += members.size + 10
    return chart("wandb/silhouette_/v1", SILHOUETTE_COLUMNS, data)


# -- regressors ---------------------------------------------------------------------------
def outlier_candidates(fn: str, regressor: Any, x: Any, y: Any) -> Plot:
    """Cook's distance of each sample (the first 1000) for a copy of ``regressor`` fitted on
    ``x``, ``y``; the share (%) of samples at or over the rule-of-thumb threshold 4 / n, and
    that threshold."""
    import numpy as np
    from sklearn.base import clone

    n, rank = x.shape[0], np.linalg.matrix_rank(x)
    if n <= rank:
        raise fail(fn, f"X has {n} samples and rank {rank}: Cook's distance needs more "
                       "samples than the rank of X")
    model = clone(regressor).fit(x, y)
    leverage = (x * np.linalg.pinv(x).T).sum(axis=1)
    residuals = y - model.predict(x)
    mse = residuals @ residuals / (n - rank)
    with np.errstate(divide="ignore", invalid="ignore"):
        studentized = residuals / np.sqrt(mse) / np.sqrt(1 - leverage)
        distance = studentized**2 / x.shape[1] * leverage / (1 - leverage)
    threshold = 4 / n
    share = round(float((distance >= threshold).sum() / n * 100.0), 3)
    return chart("wandb/outliers/v1",
                 ["distance", "instance_indicies", "outlier_percentage", "influence_threshold"],
                 [[d, i, share, threshold] for i, d in enumerate(distance[:CHART_LIMIT].tolist())])


def residuals(regressor: Any, x: Any, y: Any) -> Plot:
    """A copy of ``regressor`` fitted on a random 80% of the data: predicted value and residual
    (prediction - truth) of up to 100 training and 100 held-out samples, and the R² scores."""
    from sklearn import model_selection
    from sklearn.base import clone

    x_train, x_test, y_train, y_test = model_selection.train_test_split(x, y, test_size=0.2)
    model = clone(regressor).fit(x_train, y_train)
    scores = [float(model.score(x_train, y_train)), float(model.score(x_test, y_test))]
    data = []
    for name, xs, ys in (("train", x_train, y_train), ("test", x_test, y_test)):
        predicted = model.predict(xs[:RESIDUALS_LIMIT])
        data += [[name, p, p - t, *scores]
                 for p, t in zip(predicted.tolist(), ys[:RESIDUALS_LIMIT].tolist())]
    return chart("wandb/residuals_plot/v1",
                 ["dataset", "y_pred", "residuals", "train_score", "test_score"], data)
