"""Bad input to Table, Histogram and runlog.plot: a DataError that names the argument, what
was given and what is accepted. One row per case."""

from __future__ import annotations

import numpy as np
import pytest
import runlog.plot as rplot
from runlog.typespec.errors import DataError
from runlog.typespec.media.histogram import Histogram
from runlog.typespec.media.table import Table
from runlog.typespec.values import convert

Y = np.array([0, 1, 2] * 6 + [0, 1])
P = np.random.default_rng(0).dirichlet(np.ones(3), size=20)
T = Table(columns=["x", "y"], data=[[1, 2]])

TABLE = [
    (lambda: Table(columns="abc"), ["columns", "list of str"]),
    (lambda: Table(columns=["a", 1.5]), ["column 1", "float", "str"]),
    (lambda: Table(columns=["a", "a"]), ["'a'", "twice"]),
    (lambda: Table(columns=["a"], data=[[1, 2]]), ["row 0", "2 values", "1 columns"]),
    (lambda: Table(columns=["a"], data=[[1], "x"]), ["row 1", "list or tuple", "str"]),
    (lambda: Table(columns=["a"], data=5), ["data=", "list of rows", "int"]),
    (lambda: Table(columns=["a"], data=np.zeros(3)), ["data=", "2-D", "(3,)"]),
    (lambda: Table(columns=["a"], data=[[object()]]), ["row 0", "column 'a'", "object"]),
    (lambda: Table(data=[[1]], rows=[[1]]), ["only one of", "data", "rows"]),
    (lambda: Table(dataframe=[[1]]), ["dataframe=", "pandas.DataFrame", "list"]),
    (lambda: Table(max_rows=0), ["max_rows", "positive int"]),
    (lambda: Table(columns=["a"], data=[[1]]).add_data(1, 2), ["row 1", "2 values"]),
    (lambda: Table(columns=["a"], data=[[1]]).add_column("b", [1, 2]),
     ["column 'b'", "2 values", "1 rows"]),
    (lambda: Table(columns=["a"]).add_column("a", []), ["'a'", "twice"]),
    (lambda: Table(columns=["a"]).add_column("b", 3), ["add_column", "list or array", "int"]),
    (lambda: Table(columns=["a"]).get_column("z"), ["get_column", "'z'", "['a']"]),
    (lambda: Table(columns=["a"]).get_column("a", convert_to="torch"), ["convert_to"]),
]

HISTOGRAM = [
    (lambda: Histogram(), ["sequence", "np_histogram"]),
    (lambda: Histogram([1.0], np_histogram=([1], [0, 1])), ["not both"]),
    (lambda: Histogram([1.0, float("nan")]), ["sequence", "NaN"]),
    (lambda: Histogram([1.0, float("inf")]), ["sequence", "infinity"]),
    (lambda: Histogram(["a", "b"]), ["sequence", "numbers", "list"]),
    (lambda: Histogram([1.0], num_bins=0), ["num_bins", "1 to 512", "0"]),
    (lambda: Histogram([1.0], num_bins=2.5), ["num_bins", "2.5"]),
    (lambda: Histogram([1.0], num_bins=True), ["num_bins", "True"]),
    (lambda: Histogram(np_histogram=[1, 2, 3]), ["np_histogram", "tuple", "list"]),
    (lambda: Histogram(np_histogram="ab"), ["np_histogram", "tuple", "str"]),
    (lambda: Histogram(np_histogram=([1, 2], [0, 1])), ["len(bin_edges)", "2 edges", "2 values"]),
    (lambda: Histogram(np_histogram=([1, 2], [0, 2, 1])), ["bin_edges", "non-decreasing"]),
    (lambda: Histogram(np_histogram=([1], [0, float("nan")])), ["bin_edges", "finite"]),
    (lambda: Histogram(np_histogram=([float("nan")], [0, 1])), ["values", "finite"]),
    (lambda: Histogram(np_histogram=(["x"], [0, 1])), ["np_histogram", "numbers"]),
    (lambda: convert(np.array([1.0] * 32 + [float("nan")]), ("w",)), ["'w'", "NaN"]),
]

PLOT = [
    (lambda: rplot.pr_curve(None, P), ["pr_curve", "y_true", "required"]),
    (lambda: rplot.pr_curve(Y, None), ["pr_curve", "y_probas", "required"]),
    (lambda: rplot.pr_curve(Y, P[:10]), ["y_probas", "(20, n_classes)", "(10, 3)"]),
    (lambda: rplot.pr_curve(Y, P[:, :2]), ["2 columns", "3 classes"]),
    (lambda: rplot.pr_curve(Y.astype(float) + 0.5, P), ["y_true", "class values", "float"]),
    (lambda: rplot.pr_curve([[0, 1]], [[0.5, 0.5]]), ["y_true", "1-D"]),
    (lambda: rplot.pr_curve(Y, np.full_like(P, np.nan)), ["y_probas", "NaN"]),
    (lambda: rplot.pr_curve(Y, P, labels="abc"), ["labels", "list of class names", "str"]),
    (lambda: rplot.pr_curve(Y, P, labels=["a"]), ["class 1", "labels"]),
    (lambda: rplot.pr_curve(Y, P, classes_to_plot=[9]), ["classes_to_plot", "[9]"]),
    (lambda: rplot.pr_curve(Y, P, interp_size=1), ["interp_size", "int >= 2"]),
    (lambda: rplot.roc_curve(Y, "scores"), ["roc_curve", "y_probas", "numbers"]),
    (lambda: rplot.confusion_matrix(y_true=Y), ["probs= or preds="]),
    (lambda: rplot.confusion_matrix(probs=P, preds=Y, y_true=Y), ["exactly one"]),
    (lambda: rplot.confusion_matrix(preds=Y), ["y_true=", "required"]),
    (lambda: rplot.confusion_matrix(preds=Y[:5], y_true=Y), ["20 values", "5 predictions"]),
    (lambda: rplot.confusion_matrix(preds=Y * 0.5, y_true=Y), ["preds", "int class"]),
    (lambda: rplot.confusion_matrix(probs=Y, y_true=Y), ["probs", "N x K"]),
    (lambda: rplot.confusion_matrix(preds=Y, y_true=Y, class_names=["a"]),
     ["class index 2", "class_names"]),
    (lambda: rplot.confusion_matrix(preds=Y, y_true=Y, class_names="abc"),
     ["class_names", "list of names"]),
    (lambda: rplot.line([[1, 2]], "x", "y"), ["line", "table", "runlog.Table", "list"]),
    (lambda: rplot.line(T, "x", "nope"), ["line", "y='nope'", "['x', 'y']"]),
    (lambda: rplot.scatter(T, 0, "y"), ["scatter", "x", "column name", "int"]),
    (lambda: rplot.bar(T, "x", "y", title=3), ["title", "str", "int"]),
    (lambda: rplot.histogram(T, "z"), ["histogram", "value='z'"]),
]


@pytest.mark.parametrize("make, words", TABLE + HISTOGRAM + PLOT)
def test_bad_input_is_a_data_error_naming_the_argument(make, words):
    with pytest.raises(DataError) as info:
        make()
    for word in words:
        assert word in str(info.value)
