"""``runlog.sklearn``: each helper's table recomputed with scikit-learn, its errors, its
import paths (``wandb.sklearn``, ``wandb.integration.sklearn``), and one chart through the
tb backend read back with TensorBoard's reader."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import runlog
import runlog.sklearn as rs
from _compat_helpers import stand_in
from sklearn import calibration, datasets, metrics, model_selection
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import SVC
from test_tb_support import read, texts


def logged(run) -> dict:
    """``{key: chart}`` of every row the memory backend got, one chart per row."""
    out = {}
    for row in run.backends["memory"].history:
        out.update({k: v for k, v in row.items() if not k.startswith("_")})
    return out


def table(chart) -> list[dict]:
    return [dict(zip(chart.table.columns, r)) for r in chart.table.data]


@pytest.fixture(scope="module")
def cancer():
    x, y = datasets.load_breast_cancer(return_X_y=True)
    return model_selection.train_test_split(x, y, test_size=0.25, random_state=0)


def test_calibration_curve_baseline_equals_scikit_learn(mem_run, cancer):
    x_train, _, y_train, _ = cancer
    clf = GaussianNB().fit(x_train, y_train)
    rs.plot_calibration_curve(clf, x_train, y_train, "NB")
    chart = logged(mem_run)["calibration_curve"]
    assert chart.spec == "wandb/calibration/v1" and chart.chart == "custom"
    rows = table(chart)
    assert [r["model"] for r in rows[:2]] == ["Perfectly calibrated"] * 2
    assert {r["model"] for r in rows} == {"Perfectly calibrated", "Logistic", "NB Isotonic",
                                          "NB Sigmoid"}
    # the baseline, recomputed: fitted on 10% of the data, measured on the other 90%
    a, b, c, d = model_selection.train_test_split(x_train, y_train, test_size=0.9,
                                                  random_state=42)
    prob = LogisticRegression(C=1.0).fit(a, c).predict_proba(b)[:, 1]
    frac, mean = calibration.calibration_curve(d, prob, n_bins=10)
    hist, edges = np.histogram(prob, bins=10)
    baseline = [r for r in rows if r["model"] == "Logistic"]
    assert [r["fraction_of_positives"] for r in baseline] == np.round(frac, 3).tolist()
    assert [r["mean_predicted_value"] for r in baseline] == np.round(mean, 3).tolist()
    assert [r["hist_dict"] for r in baseline] == hist[: len(frac)].tolist()
    assert [r["edge_dict"] for r in baseline] == edges[: len(frac)].tolist()


def test_binary_classifier_logs_every_chart_with_a_calibration_curve(mem_run, cancer):
    x_train, x_test, y_train, y_test = cancer
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(x_train, y_train)
    rs.plot_classifier(model, x_train, x_test, y_train, y_test, model.predict(x_test),
                       model.predict_proba(x_test), ["malignant", "benign"],
                       log_learning_curve=True, model_name="RF")
    history = mem_run.backends["memory"].history
    assert [next(k for k in r if not k.startswith("_")) for r in history] == [
        "feature_importances", "learning_curve", "confusion_matrix", "summary_metrics",
        "class_proportions", "calibration_curve", "roc", "precision_recall"]
    assert [r["_step"] for r in history] == list(range(8))  # one log call each, as wandb
    roc = logged(mem_run)["roc"]
    assert {r["class"] for r in table(roc)} == {"malignant", "benign"}
    assert table(roc)[0] | {"class": None} == {"class": None, "fpr": 0.0, "tpr": 0.0}


def test_confusion_matrix_normalized_and_restricted(mem_run):
    y_true = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 2, 2, 0, 2])
    rs.plot_confusion_matrix(y_true, y_pred, ["a", "b", "c"], true_labels=["b", "c"],
                             pred_labels=[0, 2], normalize=True)
    rows = table(logged(mem_run)["confusion_matrix"])
    shares = metrics.confusion_matrix(y_true, y_pred, normalize="true").round(2)
    assert rows == [{"Predicted": p, "Actual": a, "Count": shares["abc".index(a),
                                                                   "abc".index(p)]}
                    for a in "bc" for p in "ac"]


def test_string_classes_and_class_proportions(mem_run):
    rs.plot_class_proportions(["cat", "dog", "dog"], np.array(["dog", "owl"]))
    rows = table(logged(mem_run)["class_proportions"])
    assert rows == [{"class": c, "dataset": d, "count": n} for c, d, n in [
        ("cat", "train", 1), ("cat", "test", 0), ("dog", "train", 2), ("dog", "test", 1),
        ("owl", "train", 0), ("owl", "test", 1)]]


def test_feature_importances_from_coef_keep_the_largest(mem_run, cancer):
    x_train, _, y_train, _ = cancer
    model = LogisticRegression(max_iter=5000).fit(x_train, y_train)
    names = [f"f{i}" for i in range(x_train.shape[1])]
    rs.plot_feature_importances(model, names, title="Weights", max_num_features=3)
    chart = logged(mem_run)["feature_importances"]
    order = np.argsort(model.coef_[0])[::-1][:3]
    assert table(chart) == [{"feature_names": names[i], "importances": model.coef_[0][i]}
                            for i in order]
    assert chart.title == "Weights"


def test_clusterer_without_kmeans_logs_a_silhouette_without_centers(mem_run):
    x, _ = datasets.make_blobs(n_samples=60, centers=3, random_state=0)
    agg = AgglomerativeClustering(n_clusters=3).fit(x)
    rs.plot_clusterer(agg, x, agg.labels_, model_name="Agg")
    charts = logged(mem_run)
    assert list(charts) == ["silhouette_plot"]  # the elbow curve is for k-means only
    rows = table(charts["silhouette_plot"])
    assert {(r["centerx"], r["centery"]) for r in rows} == {(None, None)}
    assert rows[0]["silhouette_avg"] == pytest.approx(metrics.silhouette_score(x, agg.labels_))
    # bars of one cluster are consecutive, the next cluster 10 positions further
    positions = [r["y_sil"] for r in rows]
    first = (agg.labels_ == rows[0]["colors"]).sum()
    assert positions[:first] == list(range(10, 10 + first))
    assert positions[first] == 10 + first + 10


def test_a_large_silhouette_is_thinned_per_cluster(mem_run):
    x, _ = datasets.make_blobs(n_samples=2500, centers=3, random_state=0)
    km = KMeans(n_clusters=3, n_init=1, random_state=0).fit(x)
    rs.plot_silhouette(km, x, km.labels_)
    rows = table(logged(mem_run)["silhouette_plot"])
    values = metrics.silhouette_samples(x, km.labels_)
    for c in range(3):
        kept = [r["x2"] for r in rows if r["colors"] == c]
        every_third = np.sort(values[km.labels_ == c])[::3]  # ceil(2500 / 1000) = 3
        assert kept == pytest.approx(every_third.tolist())
    assert len(rows) <= 1000 + 3


def test_elbow_curve_with_given_ranges(mem_run):
    x, _ = datasets.make_blobs(n_samples=80, centers=4, random_state=1)
    rs.plot_elbow_curve(KMeans(n_clusters=2, n_init=2, random_state=0).fit(x), x,
                        cluster_ranges=[4, 2])
    rows = table(logged(mem_run)["elbow_curve"])
    assert [r["cluster_ranges"] for r in rows] == [2, 4]
    assert [r["errors"] for r in rows] == pytest.approx(
        [KMeans(n_clusters=k, n_init=2, random_state=0).fit(x).inertia_ for k in (2, 4)])


def test_regressor_charts_leave_the_model_as_it_was(mem_run):
    x, y = datasets.make_regression(n_samples=50, n_features=3, noise=5, random_state=0)
    model = LinearRegression().fit(x[:40], y[:40])
    coef = model.coef_.copy()
    rs.plot_outlier_candidates(model, x, y)
    rs.plot_residuals(model, x, y)
    np.testing.assert_array_equal(model.coef_, coef)  # copies were fitted, not the model
    residuals = table(logged(mem_run)["residuals"])
    assert [r["dataset"] for r in residuals] == ["train"] * 40 + ["test"] * 10


# -- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize("call, message", [
    (lambda: rs.plot_summary_metrics("svm", [[1]], [1], [[1]], [1]),
     r"runlog\.sklearn\.plot_summary_metrics: model must be a scikit-learn classifier or "
     r"regressor, got str"),
    (lambda: rs.plot_feature_importances(RandomForestClassifier()),
     r"plot_feature_importances: model must be a fitted RandomForestClassifier: call its fit"),
    (lambda: rs.plot_confusion_matrix(5, [1]),
     r"plot_confusion_matrix: y_true must be a 1-D sequence of class values, got int"),
    (lambda: rs.plot_confusion_matrix([0, 1], [1]),
     r"plot_confusion_matrix: y_true has 2 samples but y_pred has 1"),
    (lambda: rs.plot_confusion_matrix([0, 1], [1, 0], true_labels=[7]),
     r"plot_confusion_matrix: true_labels \[7\] are not classes"),
    (lambda: rs.plot_confusion_matrix([0, 5], [1, 0], labels=["a", "b"]),
     r"plot_confusion_matrix: class 5 has no name in labels \(2 names"),
    (lambda: rs.plot_learning_curve(KMeans(), [[1.0]], [1]),
     r"plot_learning_curve: model must be a scikit-learn classifier or regressor, got KMeans"),
    (lambda: rs.plot_residuals(LinearRegression().fit([[0], [1]], [0, 1]),
                               [[0.0], [float("nan")]], [0, 1]),
     r"plot_residuals: X holds 1 missing \(NaN\) or infinite values"),
    (lambda: rs.plot_residuals(LinearRegression().fit([[0], [1]], [0, 1]), [[0], ["a"]],
                               [0, 1]),
     r"plot_residuals: X must be a 2-D array of numbers \(samples x features\), got list"),
    (lambda: rs.plot_calibration_curve(GaussianNB().fit([[0], [1], [2]], [0, 1, 2]),
                                       [[0], [1], [2]], [0, 1, 2]),
     r"plot_calibration_curve: y must hold the classes 0 and 1 only .*got classes \[0, 1, 2\]"),
    (lambda: rs.plot_feature_importances(SVC().fit([[0], [1]], [0, 1])),
     r"plot_feature_importances: model SVC has none of the attributes feature_importances_, "
     r"feature_log_prob_, coef_"),
    (lambda: rs.plot_elbow_curve(DBSCAN().fit([[0.0], [1.0]]), [[0.0], [1.0]]),
     r"plot_elbow_curve: clusterer must take n_clusters \(such as KMeans\), got DBSCAN"),
    (lambda: rs.plot_silhouette(KMeans(n_clusters=2, n_init=1).fit([[0, 0], [1, 1], [5, 5]]),
                                [[0, 0], [1, 1], [5, 5]], [0, 0, 0]),
     r"plot_silhouette: cluster_labels holds 1 clusters for 3 samples"),
    (lambda: rs.plot_roc([0, 1], "high"),
     r"runlog\.plot\.roc_curve: y_probas must be numbers"),
])
def test_bad_input_is_one_clear_error_and_logs_nothing(mem_run, call, message):
    with pytest.raises(runlog.DataError, match=message):
        call()
    assert mem_run.backends["memory"].history == []


def test_a_helper_needs_a_run():
    with pytest.raises(runlog.Error, match=r"runlog\.init\(\)"):
        rs.plot_class_proportions([0, 1], [1, 1])


# -- import paths -------------------------------------------------------------------------
def test_import_runlog_loads_no_scikit_learn():
    code = ("import sys, runlog; assert 'sklearn' not in sys.modules; "
            "import runlog.sklearn; assert 'sklearn' not in sys.modules; "
            "print(runlog.sklearn.plot_roc.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "runlog.sklearn"


def test_wandb_sklearn_paths_give_runlogs_helpers(monkeypatch):
    for wandb in stand_in(monkeypatch):
        from wandb.integration.sklearn import plot_roc

        assert wandb.sklearn.plot_confusion_matrix is rs.plot_confusion_matrix
        assert importlib.import_module("wandb.sklearn").plot_roc is plot_roc is rs.plot_roc
        assert sorted(importlib.import_module("wandb.sklearn").__all__) == sorted(rs.__all__)
        assert len(rs.__all__) == 15
        with pytest.raises(ModuleNotFoundError, match="runlog's wandb stand-in"):
            importlib.import_module("wandb.integration.keras")


# -- through the tb backend ---------------------------------------------------------------
def test_confusion_matrix_through_tensorboard(tmp_path):
    run = runlog.init(backends=["tb"], dir=tmp_path, settings={"handle_signals": False})
    rs.plot_confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], ["no", "yes"])
    run.finish()
    (events,) = {p.parent for p in Path(tmp_path).rglob("events.out.tfevents.*")}
    [(step, text)] = texts(read(events), "confusion_matrix")
    assert step == 0
    assert text.splitlines() == ["| Predicted | Actual | Count |", "|---|---|---|",
                                 "| no | no | 1 |", "| yes | no | 1 |", "| no | yes | 1 |",
                                 "| yes | yes | 2 |"]


# -- through the mlflow backend on a real sqlite store ------------------------------------
def test_class_proportions_through_mlflow_sqlite(tmp_path, monkeypatch):
    from _mlflow_helpers import the_run
    from mlflow import MlflowClient

    db_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", db_uri)  # load_table searches the default store
    monkeypatch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    run = runlog.init(project="skl", backends=[f"mlflow:tracking_uri={db_uri}"],
                      settings={"handle_signals": False})
    with pytest.warns(UserWarning, match="does not render plot"):
        rs.plot_class_proportions([0, 1, 1, 2], [2, 2, 0], ["a", "b", "c"])
        run.finish()
    client = MlflowClient(db_uri)
    mlrun = the_run(client, "skl", run.id)
    frame = client.load_table(mlrun.info.experiment_id, "tables/class_proportions/0.json",
                              run_ids=[mlrun.info.run_id])
    assert list(frame.columns) == ["class", "dataset", "count"]
    assert frame.values.tolist() == [["a", "train", 1], ["a", "test", 1], ["b", "train", 2],
                                     ["b", "test", 0], ["c", "train", 1], ["c", "test", 2]]


def test_signatures_are_wandbs():
    """Every helper takes wandb's parameters, in wandb's order, with wandb's defaults (the
    real wandb package is in the test extra)."""
    import inspect

    real = importlib.import_module("wandb.sklearn")
    assert not real.__name__.startswith("runlog")
    assert sorted(real.__all__) == sorted(rs.__all__)
    for name in rs.__all__:
        ours = inspect.signature(getattr(rs, name)).parameters.values()
        theirs = inspect.signature(getattr(real, name)).parameters.values()
        assert [(p.name, p.default) for p in ours] == [(p.name, p.default) for p in theirs], name
