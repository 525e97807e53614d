"""``runlog.sklearn``: wandb's scikit-learn charts, computed with scikit-learn and logged to
the current run (``wandb.sklearn.plot_*`` with the same names, arguments and keys).

Each ``plot_*`` function logs one chart (one ``run.log`` call) under wandb's key, such as
``"confusion_matrix"`` or ``"roc"``: a ``runlog.plot`` chart whose table has wandb's columns.
scikit-learn is imported on the first call. Bad input raises ``runlog.DataError`` naming the
argument. See ``docs/sklearn.md``.
"""

from __future__ import annotations

from typing import Any

import runlog

from . import _calculate as calc
from . import _checks as check

__all__ = [
    "plot_calibration_curve",
    "plot_class_proportions",
    "plot_classifier",
    "plot_clusterer",
    "plot_confusion_matrix",
    "plot_elbow_curve",
    "plot_feature_importances",
    "plot_learning_curve",
    "plot_outlier_candidates",
    "plot_precision_recall",
    "plot_regressor",
    "plot_residuals",
    "plot_roc",
    "plot_silhouette",
    "plot_summary_metrics",
]


def _log(key: str, chart: Any) -> None:
    runlog.log({key: chart})


def _is_binary(y: Any) -> bool:
    import numpy as np

    return y.dtype.kind in "biuf" and bool(np.isin(y, (0, 1)).all())


# -- all charts of one kind of model ------------------------------------------------------
def plot_classifier(
    model: Any, X_train: Any, X_test: Any, y_train: Any, y_test: Any, y_pred: Any,
    y_probas: Any, labels: Any, is_binary: bool = False, model_name: str = "Classifier",
    feature_names: Any = None, log_learning_curve: bool = False,
) -> None:
    """Log every classifier chart: feature importances, (learning curve), confusion matrix,
    summary metrics, class proportions, calibration curve, ROC and precision-recall curves.

    As wandb: a multinomial naive Bayes model gets no feature importances or calibration
    curve; a model without importances, or a problem with classes other than 0 and 1, skips
    that chart with a warning. ``is_binary`` is accepted and has no effect, as in wandb.
    """
    from sklearn import naive_bayes

    fn = "plot_classifier"
    check.estimator(fn, "model", model, "classifier")
    check.flag(fn, "is_binary", is_binary)
    check.text(fn, "model_name", model_name)
    runlog.termlog(f"\nPlotting {model_name}.")
    multinomial = isinstance(model, naive_bayes.MultinomialNB)
    if not multinomial:
        chart = _feature_importances(fn, model, feature_names, "Feature Importance", 50)
        if isinstance(chart, str):
            runlog.termwarn(f"{chart}; skipped")
        else:
            _log("feature_importances", chart)
            runlog.termlog("Logged feature importances.")
    if check.flag(fn, "log_learning_curve", log_learning_curve):
        plot_learning_curve(model, X_train, y_train)
        runlog.termlog("Logged learning curve.")
    plot_confusion_matrix(y_test, y_pred, labels)
    runlog.termlog("Logged confusion matrix.")
    plot_summary_metrics(model, X_train, y_train, X_test, y_test)
    runlog.termlog("Logged summary metrics.")
    plot_class_proportions(y_train, y_test, labels)
    runlog.termlog("Logged class proportions.")
    if not multinomial:
        if _is_binary(check.targets(fn, "y_train", y_train)):
            plot_calibration_curve(model, X_train, y_train, model_name)
            runlog.termlog("Logged calibration curve.")
        else:
            runlog.termwarn("the calibration curve needs classes 0 and 1 only; skipped")
    plot_roc(y_test, y_probas, labels)
    runlog.termlog("Logged roc curve.")
    plot_precision_recall(y_test, y_probas, labels)
    runlog.termlog("Logged precision-recall curve.")


def plot_regressor(
    model: Any, X_train: Any, X_test: Any, y_train: Any, y_test: Any,
    model_name: str = "Regressor",
) -> None:
    """Log every regressor chart: summary metrics, learning curve, outlier candidates and
    residuals (the last two fit copies of ``model`` on the training set)."""
    fn = "plot_regressor"
    check.estimator(fn, "model", model, "regressor")
    check.text(fn, "model_name", model_name)
    runlog.termlog(f"\nPlotting {model_name}.")
    plot_summary_metrics(model, X_train, y_train, X_test, y_test)
    runlog.termlog("Logged summary metrics.")
    plot_learning_curve(model, X_train, y_train)
    runlog.termlog("Logged learning curve.")
    plot_outlier_candidates(model, X_train, y_train)
    runlog.termlog("Logged outlier candidates.")
    plot_residuals(model, X_train, y_train)
    runlog.termlog("Logged residuals.")


def plot_clusterer(
    model: Any, X_train: Any, cluster_labels: Any, labels: Any = None,
    model_name: str = "Clusterer",
) -> None:
    """Log every clusterer chart: for k-means the elbow curve and the silhouette plot with
    cluster centers; for any other clusterer the silhouette plot."""
    from sklearn.cluster import KMeans

    fn = "plot_clusterer"
    check.estimator(fn, "model", model, "clusterer")
    check.text(fn, "model_name", model_name)
    runlog.termlog(f"\nPlotting {model_name}.")
    kmeans = isinstance(model, KMeans)
    if kmeans:
        plot_elbow_curve(model, X_train)
        runlog.termlog("Logged elbow curve.")
    plot_silhouette(model, X_train, cluster_labels, labels=labels, kmeans=kmeans)
    runlog.termlog("Logged silhouette plot.")


# -- shared -------------------------------------------------------------------------------
def plot_summary_metrics(
    model: Any = None, X: Any = None, y: Any = None, X_test: Any = None, y_test: Any = None
) -> None:
    """Log ``"summary_metrics"``: the fitted ``model``'s test-set metrics (see docs)."""
    fn = "plot_summary_metrics"
    check.estimator(fn, "model", model, "model")
    check.same_length(fn, ("X", check.features(fn, "X", X)), ("y", check.targets(fn, "y", y)))
    x_test, y_test = check.features(fn, "X_test", X_test), check.targets(fn, "y_test", y_test)
    check.same_length(fn, ("X_test", x_test), ("y_test", y_test))
    # a DataFrame goes to the model as it is, so a model fitted with feature names gets them
    _log("summary_metrics", calc.summary_metrics(
        model, X_test if hasattr(X_test, "columns") else x_test, y_test))


def plot_learning_curve(
    model: Any = None, X: Any = None, y: Any = None, cv: Any = None, shuffle: bool = False,
    random_state: Any = None, train_sizes: Any = None, n_jobs: int | None = 1,
    scoring: Any = None,
) -> None:
    """Log ``"learning_curve"``: mean train and cross-validated scores of copies of ``model``
    fitted on growing parts of ``X``, ``y`` (``train_sizes`` defaults to 10%, 32.5%, ...,
    100%); the other arguments are ``sklearn.model_selection.learning_curve``'s."""
    import numpy as np

    fn = "plot_learning_curve"
    check.estimator(fn, "model", model, "model", fitted=False)  # copies are fitted
    x, y = check.features(fn, "X", X), check.targets(fn, "y", y)
    check.same_length(fn, ("X", x), ("y", y))
    check.flag(fn, "shuffle", shuffle)
    sizes = np.linspace(0.1, 1.0, 5) if train_sizes is None else train_sizes
    try:
        chart = calc.learning_curve(model, x, y, cv=cv, shuffle=shuffle,
                                    random_state=random_state, train_sizes=sizes,
                                    n_jobs=n_jobs, scoring=scoring)
    except ValueError as exc:
        raise check.fail(fn, str(exc)) from None
    _log("learning_curve", chart)


# -- classifiers --------------------------------------------------------------------------
def plot_roc(
    y_true: Any = None, y_probas: Any = None, labels: Any = None, plot_micro: bool = True,
    plot_macro: bool = True, classes_to_plot: Any = None,
) -> None:
    """Log ``"roc"``: ``runlog.plot.roc_curve(y_true, y_probas, labels, classes_to_plot)``.
    ``plot_micro`` and ``plot_macro`` are accepted and have no effect, as in wandb."""
    fn = "plot_roc"
    check.flag(fn, "plot_micro", plot_micro)
    check.flag(fn, "plot_macro", plot_macro)
    _log("roc", runlog.plot.roc_curve(y_true, y_probas, labels, classes_to_plot))


def plot_precision_recall(
    y_true: Any = None, y_probas: Any = None, labels: Any = None, plot_micro: bool = True,
    classes_to_plot: Any = None,
) -> None:
    """Log ``"precision_recall"``: ``runlog.plot.pr_curve(y_true, y_probas, labels,
    classes_to_plot)``. ``plot_micro`` is accepted and has no effect, as in wandb."""
    check.flag("plot_precision_recall", "plot_micro", plot_micro)
    _log("precision_recall", runlog.plot.pr_curve(y_true, y_probas, labels, classes_to_plot))


def plot_confusion_matrix(
    y_true: Any = None, y_pred: Any = None, labels: Any = None, true_labels: Any = None,
    pred_labels: Any = None, normalize: bool = False,
) -> None:
    """Log ``"confusion_matrix"``: a ``[Predicted, Actual, Count]`` row per pair of classes.
    ``labels[c]`` names integer class ``c``; ``true_labels`` / ``pred_labels`` keep only those
    actual / predicted classes; ``normalize`` gives each actual class's shares."""
    fn = "plot_confusion_matrix"
    y_true, y_pred = check.targets(fn, "y_true", y_true), check.targets(fn, "y_pred", y_pred)
    check.same_length(fn, ("y_true", y_true), ("y_pred", y_pred))
    _log("confusion_matrix", calc.confusion_matrix(
        fn, y_true, y_pred, check.labels(fn, labels), true_labels, pred_labels,
        check.flag(fn, "normalize", normalize)))


def plot_feature_importances(
    model: Any = None, feature_names: Any = None, title: str = "Feature Importance",
    max_num_features: int = 50,
) -> None:
    """Log ``"feature_importances"``: the fitted ``model``'s ``feature_importances_`` (or
    ``feature_log_prob_``, or ``coef_``), the ``max_num_features`` largest first."""
    fn = "plot_feature_importances"
    check.estimator(fn, "model", model, "model")
    chart = _feature_importances(fn, model, feature_names, title, max_num_features)
    if isinstance(chart, str):
        raise check.fail(fn, f"model {chart}")
    _log("feature_importances", chart)


def _feature_importances(fn: str, model: Any, feature_names: Any, title: Any,
                         max_num_features: Any) -> Any:
    check.text(fn, "title", title)
    if isinstance(max_num_features, bool) or not isinstance(max_num_features, int) or (
            max_num_features < 1):
        raise check.fail(fn, f"max_num_features must be an int >= 1, got {max_num_features!r}")
    return calc.feature_importances(fn, model, feature_names, title, max_num_features)


def plot_class_proportions(y_train: Any = None, y_test: Any = None, labels: Any = None) -> None:
    """Log ``"class_proportions"``: each class's count in ``y_train`` and in ``y_test``."""
    fn = "plot_class_proportions"
    y_train, y_test = check.targets(fn, "y_train", y_train), check.targets(fn, "y_test", y_test)
    _log("class_proportions", calc.class_proportions(fn, y_train, y_test,
                                                     check.labels(fn, labels)))


def plot_calibration_curve(
    clf: Any = None, X: Any = None, y: Any = None, clf_name: str = "Classifier"
) -> None:
    """Log ``"calibration_curve"``: reliability curves of a logistic regression baseline and of
    ``clf`` calibrated isotonically and by sigmoid (copies fitted on 10% of ``X``, ``y``).
    Binary problems only: ``y`` must hold 0 and 1."""
    fn = "plot_calibration_curve"
    check.estimator(fn, "clf", clf, "classifier")
    check.text(fn, "clf_name", clf_name)
    x, y = check.features(fn, "X", X), check.targets(fn, "y", y)
    check.same_length(fn, ("X", x), ("y", y))
    if not _is_binary(y):
        raise check.fail(fn, f"y must hold the classes 0 and 1 only (a binary problem), got "
                             f"classes {sorted(set(y.tolist()))[:10]}")
    _log("calibration_curve", calc.calibration_curve(clf, x, y, clf_name))


# -- clusterers ---------------------------------------------------------------------------
def plot_elbow_curve(
    clusterer: Any = None, X: Any = None, cluster_ranges: Any = None, n_jobs: int | None = 1,
    show_cluster_time: bool = True,
) -> None:
    """Log ``"elbow_curve"``: the absolute score (k-means: inertia) and fit time of copies of
    ``clusterer`` fitted with each cluster count in ``cluster_ranges`` (default 1, 3, 5, 7,
    9). ``show_cluster_time`` is accepted and has no effect, as in wandb."""
    fn = "plot_elbow_curve"
    check.estimator(fn, "clusterer", clusterer, "clusterer")
    if "n_clusters" not in clusterer.get_params():
        raise check.fail(fn, f"clusterer must take n_clusters (such as KMeans), got "
                             f"{type(clusterer).__name__}")
    check.flag(fn, "show_cluster_time", show_cluster_time)
    x = check.features(fn, "X", X)
    ranges = [1, 3, 5, 7, 9] if cluster_ranges is None else _cluster_counts(fn, cluster_ranges)
    _log("elbow_curve", calc.elbow_curve(clusterer, x, ranges, n_jobs))


def _cluster_counts(fn: str, value: Any) -> list[int]:
    import numpy as np

    iterable = hasattr(value, "__iter__") and not isinstance(value, (str, bytes))
    counts = np.asarray(list(value) if iterable else []).ravel()
    if counts.size == 0 or counts.dtype.kind not in "iu" or counts.min() < 1:
        raise check.fail(fn, f"cluster_ranges must be cluster counts (ints >= 1), got "
                             f"{type(value).__name__}: {value!r}")
    return sorted(counts.tolist())


def plot_silhouette(
    clusterer: Any = None, X: Any = None, cluster_labels: Any = None, labels: Any = None,
    metric: str = "euclidean", kmeans: bool = True,
) -> None:
    """Log ``"silhouette_plot"``: each sample's silhouette value for ``cluster_labels``, by
    cluster, with its first two features (and the k-means cluster centers with ``kmeans``).
    ``labels`` is accepted and has no effect, as in wandb."""
    fn = "plot_silhouette"
    check.estimator(fn, "clusterer", clusterer, "clusterer")
    check.labels(fn, labels)
    x = check.features(fn, "X", X)
    clusters = check.targets(fn, "cluster_labels", cluster_labels)
    check.same_length(fn, ("X", x), ("cluster_labels", clusters))
    _log("silhouette_plot", calc.silhouette(fn, clusterer, x, clusters,
                                            check.text(fn, "metric", metric),
                                            check.flag(fn, "kmeans", kmeans)))


# -- regressors ---------------------------------------------------------------------------
def plot_outlier_candidates(regressor: Any = None, X: Any = None, y: Any = None) -> None:
    """Log ``"outlier_candidates"``: each sample's Cook's distance for a copy of ``regressor``
    fitted on ``X``, ``y`` (the model you pass is not refitted)."""
    fn = "plot_outlier_candidates"
    check.estimator(fn, "regressor", regressor, "regressor")
    x, y = check.features(fn, "X", X), check.targets(fn, "y", y, numeric=True)
    check.same_length(fn, ("X", x), ("y", y))
    _log("outlier_candidates", calc.outlier_candidates(fn, regressor, x, y.astype(float)))


def plot_residuals(regressor: Any = None, X: Any = None, y: Any = None) -> None:
    """Log ``"residuals"``: predictions and residuals of a copy of ``regressor`` fitted on a
    random 80% of ``X``, ``y`` (the model you pass is not refitted)."""
    fn = "plot_residuals"
    check.estimator(fn, "regressor", regressor, "regressor")
    x, y = check.features(fn, "X", X), check.targets(fn, "y", y, numeric=True)
    check.same_length(fn, ("X", x), ("y", y))
    _log("residuals", calc.residuals(regressor, x, y.astype(float)))
