"""runlog.plot: curves equal scikit-learn's, tables sampled like wandb's, JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import runlog.plot as rplot
from runlog.typespec import jsonform
from runlog.typespec.media.plot import Plot
from runlog.typespec.media.table import Table
from runlog.typespec.values import flatten
from sklearn import metrics


def _classifier(n=300, k=3, seed=0, decimals=2):
    """Labels 0..k-1 and row-normalised scores, rounded so that ties occur."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    p = rng.random((n, k)) + np.eye(k)[y] * 0.6
    return y, (p / p.sum(axis=1, keepdims=True)).round(decimals)


def _wandb_pr_table(y, probas, names, interp_size=21):
    """wandb's pr_curve table, built the way wandb builds it: scikit-learn and pandas."""
    grid = np.linspace(0, 1, interp_size)[::-1]
    frames = []
    for i, name in enumerate(names):
        precision, recall, _ = metrics.precision_recall_curve(y, probas[:, i], pos_label=i)
        precision = np.maximum.accumulate(precision)[::-1]
        idx = np.searchsorted(recall[::-1], grid, side="left")
        frames.append(pd.DataFrame({"class": name, "precision": precision[idx], "recall": grid}))
    return pd.concat(frames).round(3).values.tolist()


def test_pr_curve_raw_curves_equal_scikit_learn():
    y, p = _classifier()
    chart = rplot.pr_curve(y, p, labels=["cat", "dog", "owl"])
    curves = chart.raw_curves()
    assert list(curves) == ["cat", "dog", "owl"]
    for i, name in enumerate(["cat", "dog", "owl"]):
        want = metrics.precision_recall_curve(y, p[:, i], pos_label=i)
        got = curves[name]
        for key, expected in zip(("precision", "recall", "thresholds"), want):
            np.testing.assert_array_equal(got[key], expected)


def test_pr_curve_table_is_sampled_like_wandb():
    y, p = _classifier(n=500, k=4, seed=3)
    names = ["a", "b", "c", "d"]
    chart = rplot.pr_curve(y, p, labels=names)
    assert chart.table.columns == ["class", "precision", "recall"]
    assert len(chart.table.data) == 4 * 21
    assert chart.table.data == _wandb_pr_table(y, p, names)
    assert chart.fields == {"x": "recall", "y": "precision", "class": "class"}
    assert chart.spec == "wandb/area-under-curve/v0"
    small = rplot.pr_curve(y, p, interp_size=5)
    assert small.table.data == _wandb_pr_table(y, p, [0, 1, 2, 3], interp_size=5)


def test_roc_curve_equals_scikit_learn_and_its_table_rounds_it():
    y, p = _classifier(seed=5)
    chart = rplot.roc_curve(y, p)
    for i, curve in chart.raw_curves().items():
        want = metrics.roc_curve(y, p[:, i], pos_label=i)
        for key, expected in zip(("fpr", "tpr", "thresholds"), want):
            np.testing.assert_array_equal(curve[key], expected)
    rows = [[i, f, t] for i in range(3)
            for f, t in zip(*(np.round(a, 3).tolist() for a in metrics.roc_curve(y, p[:, i],
                                                                                   pos_label=i)[:2]))]
    assert chart.table.data == rows
    assert chart.fields == {"x": "fpr", "y": "tpr", "class": "class"}


def test_string_classes_use_sorted_column_order_and_classes_to_plot():
    y, p = _classifier(k=3, seed=7)
    words = np.array(["zebra", "ant", "moth"])[y]  # sorted: ant, moth, zebra
    order = np.argsort(["zebra", "ant", "moth"])
    probas = p[:, order]  # column j scores the j-th sorted class
    chart = rplot.pr_curve(words, probas, classes_to_plot=["moth"])
    (only,) = chart.raw_curves().items()
    assert only[0] == "moth"
    want = metrics.precision_recall_curve(words, probas[:, 1], pos_label="moth")
    np.testing.assert_array_equal(only[1]["precision"], want[0])
    assert {row[0] for row in chart.table.data} == {"moth"}


def test_integer_classes_pick_their_column_even_when_a_class_is_absent():
    y, p = _classifier(k=3, seed=9)
    y = np.where(y == 1, 2, y)  # class 1 never occurs; column 2 still scores class 2
    chart = rplot.roc_curve(y, p)
    curves = chart.raw_curves()
    assert list(curves) == [0, 2]
    np.testing.assert_array_equal(curves[2]["tpr"], metrics.roc_curve(y, p[:, 2], pos_label=2)[1])


def test_binary_scores_may_be_one_dimensional():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 100)
    score = rng.random(100).round(2)
    chart = rplot.pr_curve(y.astype(bool), score)
    want = metrics.precision_recall_curve(y, score)
    np.testing.assert_array_equal(chart.raw_curves()[True]["precision"], want[0])


def test_binary_inputs_feed_a_native_pr_curve():
    y, p = _classifier(k=2)
    chart = rplot.pr_curve(y, p, labels=["neg", "pos"])
    (neg, is_neg, s0), (pos, is_pos, s1) = chart.binary_inputs()
    assert (neg, pos) == ("neg", "pos")
    assert is_pos.tolist() == (y == 1).tolist() and s1.tolist() == p[:, 1].tolist()
    assert is_neg.tolist() == (y == 0).tolist() and s0.tolist() == p[:, 0].tolist()
    assert chart.inputs["labels"] == ["neg", "pos"]


def test_large_curves_are_thinned_to_the_row_limit_keeping_endpoints():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 30000)
    p = rng.random((30000, 2))
    chart = rplot.roc_curve(y, p)
    rows = chart.table.data
    assert len(rows) <= Table.MAX_ROWS
    for cls in (0, 1):
        mine = [r for r in rows if r[0] == cls]
        assert mine[0][1:] == [0.0, 0.0] and mine[-1][1:] == [1.0, 1.0]
        assert len(mine) > 4000
    assert len(chart.raw_curves()[0]["fpr"]) > 10000  # the raw curve is complete


def test_confusion_matrix_counts_equal_scikit_learn():
    y, p = _classifier(k=4, seed=11)
    preds = p.argmax(axis=1)
    want = metrics.confusion_matrix(y, preds)
    names = ["a", "b", "c", "d"]
    for chart in (rplot.confusion_matrix(y_true=y, preds=preds, class_names=names),
                  rplot.confusion_matrix(probs=p, y_true=y.tolist(), class_names=names)):
        assert chart.table.columns == ["Actual", "Predicted", "nPredictions"]
        got = {(a, b): n for a, b, n in chart.table.data}
        assert len(got) == 16
        for i in range(4):
            for j in range(4):
                assert got[names[i], names[j]] == want[i, j]
    unnamed = rplot.confusion_matrix(y_true=[5, 7, 7], preds=[7, 7, 5])
    assert unnamed.table.data == [["Class_1", "Class_1", 0], ["Class_1", "Class_2", 1],
                                  ["Class_2", "Class_1", 1], ["Class_2", "Class_2", 1]]
    assert unnamed.spec == "wandb/confusion_matrix/v1"


@pytest.mark.parametrize("fn, args, fields, spec", [
    (rplot.line, ("x", "y"), {"x": "x", "y": "y", "stroke": None}, "wandb/line/v0"),
    (rplot.scatter, ("x", "y"), {"x": "x", "y": "y"}, "wandb/scatter/v0"),
    (rplot.bar, ("name", "y"), {"label": "name", "value": "y"}, "wandb/bar/v0"),
    (rplot.histogram, ("y",), {"value": "y"}, "wandb/histogram/v0"),
])
def test_charts_of_a_user_table(fn, args, fields, spec):
    table = Table(columns=["x", "y", "name"], data=[[0, 1.5, "a"], [1, 2.5, "b"]])
    chart = fn(table, *args, title="T")
    assert isinstance(chart, Plot) and chart.kind == "plot"
    assert chart.fields == fields and chart.spec == spec and chart.title == "T"
    table.add_data(2, 3.5, "c")  # the chart keeps the table as it was
    assert chart.table.data == [[0, 1.5, "a"], [1, 2.5, "b"]]


def test_line_stroke_names_a_column():
    table = Table(columns=["x", "y", "run"], data=[[0, 1, "a"]])
    assert rplot.line(table, "x", "y", stroke="run").fields["stroke"] == "run"


def test_plot_is_logged_under_the_users_key():
    y, p = _classifier()
    leaves = flatten({"pr": rplot.pr_curve(y, p)})
    assert list(leaves) == [("pr",)] and isinstance(leaves[("pr",)], Plot)


def test_json_form_round_trips_and_keeps_the_inputs():
    y, p = _classifier(seed=4)
    chart = rplot.pr_curve(y, p, labels=["a", "b", "c"], title="PR")
    obj = jsonform.value_to_json(chart)
    assert obj["_type"] == "plot" and obj["chart"] == "pr_curve" and obj["title"] == "PR"
    body = json.loads(chart.payload().data)
    assert body["inputs"]["y_true"] == y.tolist() and body["table"]["columns"][0] == "class"
    back = jsonform.value_from_json(jsonform.loads(jsonform.dumps(obj)))
    assert back == chart
    assert back.table.data == chart.table.data
    for name, curve in back.raw_curves().items():
        i = ["a", "b", "c"].index(name)
        np.testing.assert_array_equal(curve["precision"],
                                      metrics.precision_recall_curve(y, p[:, i], pos_label=i)[0])
