"""wandb/examples' scikit-learn scripts (tests/wandb_real/examples_scikit_*.py), run with
``runlog.compat.install_wandb()`` in place; the charts their ``wandb.sklearn.plot_*`` calls
logged are read back from the files backend and checked against scikit-learn recomputed here.
"""

from __future__ import annotations

import runpy
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import runlog
from _compat_helpers import stand_in
from sklearn import datasets, metrics, model_selection
from sklearn.cluster import KMeans
from sklearn.linear_model import Ridge

SCRIPTS = Path(__file__).parent / "wandb_real"


@pytest.fixture
def wandb(monkeypatch):
    monkeypatch.setenv("RUNLOG_HANDLE_SIGNALS", "false")
    yield from stand_in(monkeypatch)


def run_script(name: str, seed: int = 0) -> tuple[dict, dict]:
    """Run ``wandb_real/<name>.py`` as ``__main__`` in the working directory (numpy's global
    generator seeded, as the scripts draw from it); return its globals and the charts its run
    logged, read back with ``runlog.read``: ``{key: Plot}``, one row per chart."""
    shutil.copy(SCRIPTS / f"{name}.py", f"{name}.py")
    np.random.seed(seed)
    scope = runpy.run_path(f"{name}.py", run_name="__main__")
    runlog.finish()
    (path,) = [p for p in Path("runlog-runs").glob("*/*") if p.is_dir()]
    charts = {}
    for row in runlog.read(path).history:
        (key,) = [k for k in row if not k.startswith("_")]  # one chart per log call
        assert key not in charts
        charts[key] = row[key]
    return scope, charts


def rows(chart) -> list[dict]:
    return [dict(zip(chart.table.columns, r)) for r in chart.table.data]


def test_classification_train_py(wandb):
    wine = datasets.load_wine(as_frame=True).frame.rename(columns={"target": "quality"})
    wine.to_csv("wine.csv", index=False)  # the script's own data file (see its header)
    scope, charts = run_script("examples_scikit_classification")
    assert list(charts) == ["feature_importances", "confusion_matrix", "summary_metrics",
                            "class_proportions", "roc", "precision_recall"]  # 3 classes: no
    # calibration curve, as wandb
    assert {c.spec for c in charts.values()} >= {"wandb/feature_importances/v1",
                                                 "wandb/confusion_matrix/v1", "wandb/metrics/v1",
                                                 "wandb/class_proportions/v1"}
    y_test, y_pred, y_probas = scope["y_test"], scope["y_pred"], scope["y_probas"]
    names = {0: "one", 1: "two", 2: "three"}  # labels[c] names class c

    cm = charts["confusion_matrix"]
    assert cm.table.columns == ["Predicted", "Actual", "Count"]
    counts = metrics.confusion_matrix(y_test, y_pred, labels=[0, 1, 2])
    assert len(cm.table.data) == 9
    for r in rows(cm):
        actual = next(c for c, n in names.items() if n == r["Actual"])
        predicted = next(c for c, n in names.items() if n == r["Predicted"])
        assert r["Count"] == counts[actual, predicted]
    assert sum(r["Count"] for r in rows(cm)) == len(y_test)

    summary = {r["metric_name"]: r["metric_value"] for r in rows(charts["summary_metrics"])}
    assert summary["accuracy_score"] == round(metrics.accuracy_score(y_test, y_pred), 2)
    assert summary["f1_score"] == round(metrics.f1_score(y_test, y_pred, average="weighted"), 2)
    assert {r["model_name"] for r in rows(charts["summary_metrics"])} == {
        "RandomForestClassifier"}

    proportions = rows(charts["class_proportions"])
    y_train = scope["y_train"]
    assert [(r["class"], r["dataset"]) for r in proportions[:2]] == [("one", "train"),
                                                                    ("one", "test")]
    for r in proportions:
        c = next(c for c, n in names.items() if n == r["class"])
        assert r["count"] == int(((y_train if r["dataset"] == "train" else y_test) == c).sum())

    importances = rows(charts["feature_importances"])
    model = scope["model"]
    order = np.argsort(model.feature_importances_)[::-1]
    assert [r["feature_names"] for r in importances] == [wine.columns[i] for i in order]
    assert [r["importances"] for r in importances] == pytest.approx(
        model.feature_importances_[order].tolist())

    roc = charts["roc"]
    assert roc.table.columns == ["class", "fpr", "tpr"]
    for c, name in names.items():
        fpr, tpr, _ = metrics.roc_curve(y_test == c, y_probas[:, c])
        points = [(r["fpr"], r["tpr"]) for r in rows(roc) if r["class"] == name]
        assert points == list(zip(np.round(fpr, 3).tolist(), np.round(tpr, 3).tolist()))
        assert points[-1] == (1.0, 1.0)
    assert charts["precision_recall"].table.columns == ["class", "precision", "recall"]


def test_regression_train_py(wandb):
    scope, charts = run_script("examples_scikit_regression")
    assert list(charts) == ["summary_metrics", "learning_curve", "outlier_candidates",
                            "residuals"]
    reg, x_train, x_test = scope["reg"], scope["X_train"], scope["X_test"]
    y_train, y_test = scope["y_train"], scope["y_test"]

    predicted = reg.predict(x_test)  # the script's model: the charts fit copies of it
    summary = {r["metric_name"]: r["metric_value"] for r in rows(charts["summary_metrics"])}
    assert summary == {"mae": round(metrics.mean_absolute_error(y_test, predicted), 2),
                       "mse": round(metrics.mean_squared_error(y_test, predicted), 2),
                       "r2_score": round(metrics.r2_score(y_test, predicted), 2)}

    sizes, train, test = model_selection.learning_curve(
        Ridge(), x_train.to_numpy(), y_train, train_sizes=np.linspace(0.1, 1.0, 5))
    curve = rows(charts["learning_curve"])
    assert [(r["dataset"], r["train_size"]) for r in curve] == [
        (d, s) for s in sizes.tolist() for d in ("train", "test")]
    assert [r["score"] for r in curve if r["dataset"] == "train"] == np.round(
        train.mean(axis=1), 2).tolist()
    assert [r["score"] for r in curve if r["dataset"] == "test"] == np.round(
        test.mean(axis=1), 2).tolist()

    outliers = rows(charts["outlier_candidates"])
    n = len(x_train)
    assert [r["instance_indicies"] for r in outliers] == list(range(n))
    assert {r["influence_threshold"] for r in outliers} == {4 / n}
    # Cook's distance from the hat matrix and the OLS residuals of a Ridge fitted on X_train
    x = x_train.to_numpy()
    hat = np.diag(x @ np.linalg.pinv(x))
    residual = y_train - Ridge().fit(x, y_train).predict(x)
    rank = np.linalg.matrix_rank(x)
    mse = residual @ residual / (n - rank)
    cook = residual**2 / (mse * x.shape[1]) * hat / (1 - hat) ** 2
    distance = np.array([r["distance"] for r in outliers])
    np.testing.assert_allclose(distance, cook, rtol=1e-6)
    assert {r["outlier_percentage"] for r in outliers} == {
        round(100 * float((cook >= 4 / n).mean()), 3)}

    residuals = rows(charts["residuals"])
    assert [r["dataset"] for r in residuals] == ["train"] * 100 + ["test"] * 71  # 20% of 353
    assert len({(r["train_score"], r["test_score"]) for r in residuals}) == 1
    assert 0 < residuals[0]["train_score"] <= 1


def check_elbow_and_silhouette(charts: dict, x: np.ndarray, cluster_labels: np.ndarray,
                               kmeans: KMeans) -> None:
    elbow = rows(charts["elbow_curve"])
    assert [r["cluster_ranges"] for r in elbow] == [1, 3, 5, 7, 9]
    inertia = [KMeans(n_clusters=k, random_state=1).fit(x).inertia_ for k in (1, 3, 5, 7, 9)]
    assert [r["errors"] for r in elbow] == pytest.approx(inertia, rel=1e-9)
    assert all(r["clustering_time"] > 0 for r in elbow)

    sil = charts["silhouette_plot"]
    assert sil.spec == "wandb/silhouette_/v1"
    assert sil.table.columns == ["x", "y", "colors", "centerx", "centery", "y_sil", "x1", "x2",
                                 "color_sil", "silhouette_avg"]
    table = rows(sil)
    assert len(table) == len(x)
    assert [r["silhouette_avg"] for r in table] == pytest.approx(
        [metrics.silhouette_score(x, cluster_labels)] * len(x))
    values = metrics.silhouette_samples(x, cluster_labels)
    for c in range(4):
        mine = [r for r in table if r["colors"] == c]
        assert len(mine) == (cluster_labels == c).sum()
        assert [r["x2"] for r in mine] == pytest.approx(np.sort(values[cluster_labels == c]))
        assert {(r["centerx"], r["centery"]) for r in mine} == {
            tuple(kmeans.cluster_centers_[c][:2].tolist())}
        # each row is one sample of that cluster: its first two features
        assert {(r["x"], r["y"]) for r in mine} <= {tuple(p) for p in
                                                    x[cluster_labels == c][:, :2].tolist()}


def test_clustering_train_py(wandb):
    scope, charts = run_script("examples_scikit_clustering")
    assert list(charts) == ["elbow_curve", "silhouette_plot"]
    check_elbow_and_silhouette(charts, scope["X"], scope["cluster_labels"], scope["kmeans"])


def test_iris_clustering_py(wandb):
    scope, charts = run_script("examples_scikit_iris_clustering")
    assert list(charts) == ["elbow_curve", "silhouette_plot"]
    check_elbow_and_silhouette(charts, scope["X"], scope["cluster_labels"], scope["kmeans"])


def test_iris_binary_classification_py(wandb):
    scope, charts = run_script("examples_scikit_iris_binary")
    assert list(charts) == ["learning_curve"]
    curve = rows(charts["learning_curve"])
    assert charts["learning_curve"].spec == "wandb/learning_curve/v1"
    # 15 test samples, 5-fold: 12 to train on, at 10%, 32.5%, ..., 100% of them
    assert [r["train_size"] for r in curve] == [1, 1, 3, 3, 6, 6, 9, 9, 12, 12]
    assert [r["dataset"] for r in curve] == ["train", "test"] * 5
    assert all(0 <= r["score"] <= 1 for r in curve)
    assert isinstance(scope["X_test"], np.ndarray) and pd.api.types.is_integer_dtype(
        scope["y_test"])
