"""wandb's custom charts: ``runlog.plot.line_series`` and ``runlog.plot_table``, stored by the
files backend and shown by TensorBoard as their titled table."""

from __future__ import annotations

import json

import numpy as np
import pytest
import runlog
from runlog.typespec import DataError
from test_tb_support import texts
from test_wandb_media_support import log_and_read


def body(chart) -> dict:
    return json.loads(chart.payload().data)


def test_line_series_with_shared_xs_as_wandb_documents_it():
    xs = list(range(4))
    ys = [[i for i in range(4)], [i**2 for i in range(4)]]
    chart = runlog.plot.line_series(xs, ys, keys=["linear", "square"], title="Two lines",
                                    xname="step")
    row, acc = log_and_read({"series": chart})
    back = row["series"]
    assert isinstance(back, runlog.plot.Plot) and back.chart == "line_series"
    doc = body(back)
    assert doc["spec"] == "wandb/lineseries/v0" and doc["title"] == "Two lines"
    assert doc["fields"] == {"step": "step", "lineKey": "lineKey", "lineVal": "lineVal"}
    assert doc["string_fields"] == {"title": "Two lines", "xname": "step"}
    assert doc["table"] == {"columns": ["step", "lineKey", "lineVal"], "data": [
        [0, "linear", 0], [1, "linear", 1], [2, "linear", 2], [3, "linear", 3],
        [0, "square", 0], [1, "square", 1], [2, "square", 4], [3, "square", 9]]}
    [(step, text)] = texts(acc, "series")
    lines = text.splitlines()
    assert step == 0 and lines[0] == "**Two lines**"
    assert lines[2] == "| step | lineKey | lineVal |" and lines[-1] == "| 3 | square | 9 |"


def test_line_series_with_one_xs_per_line_numpy_and_default_keys():
    xs = [np.arange(3), np.arange(3) * 2.5]
    ys = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    row, _ = log_and_read({"s": runlog.plot.line_series(xs, ys)})
    doc = body(row["s"])
    assert doc["table"]["data"] == [[0, "line_0", 1.0], [1, "line_0", 2.0], [2, "line_0", 3.0],
                                    [0.0, "line_1", 4.0], [2.5, "line_1", 5.0],
                                    [5.0, "line_1", 6.0]]
    assert doc["title"] is None and doc["string_fields"] == {"title": "", "xname": "x"}


def test_line_series_keeps_every_point_beyond_a_table_limit():
    n = runlog.Table.MAX_ROWS + 5
    chart = runlog.plot.line_series(np.arange(n), [np.zeros(n)])
    assert len(chart.table.data) == n


@pytest.mark.parametrize("args, kwargs, match", [
    (([0, 1], [[1, 2, 3]]), {}, r"series 0 \('line_0'\) has 3 y values but 2 x values"),
    (([[0, 1]], [[1, 2], [3, 4]]), {}, "xs has 1 series but ys has 2"),
    (([0, 1], [[1, 2]]), {"keys": ["a", "b"]}, "keys has 2 names but ys has 1 series"),
    (([0, 1], [[1, 2]]), {"keys": "ab"}, "keys must be a list of line names, got str"),
    (([0, 1], [1, 2]), {}, "ys must hold one sequence of values per series"),
    (([0, 1], []), {}, "ys must hold at least one series"),
    (([0, 1], [[1, 2]]), {"title": 3}, "title must be a str, got int"),
    (([0, 1], [[1, 2]]), {"split_table": "no"}, "split_table must be True or False"),
])
def test_line_series_bad_input(args, kwargs, match):
    with pytest.raises(DataError, match=rf"runlog.plot.line_series: {match}"):
        runlog.plot.line_series(*args, **kwargs)


def test_plot_table_custom_spec_is_stored_as_given():
    table = runlog.Table(columns=["epoch", "acc", "split"],
                         data=[[1, 0.5, "train"], [2, 0.75, "train"], [1, 0.25, "val"]])
    chart = runlog.plot_table("my-team/acc-by-split/v2", table,
                              {"x": "epoch", "y": "acc", "color": "split"},
                              {"title": "Accuracy", "yname": "acc"})
    assert runlog.plot.plot_table is runlog.plot_table
    row, acc = log_and_read({"custom": chart})
    back = row["custom"]
    assert (back.chart, back.spec, back.title) == ("custom", "my-team/acc-by-split/v2",
                                                   "Accuracy")
    doc = body(back)
    assert doc["fields"] == {"x": "epoch", "y": "acc", "color": "split"}
    assert doc["string_fields"] == {"title": "Accuracy", "yname": "acc"}
    assert doc["table"] == {"columns": ["epoch", "acc", "split"],
                            "data": [[1, 0.5, "train"], [2, 0.75, "train"], [1, 0.25, "val"]]}
    [(_, text)] = texts(acc, "custom")
    assert text.splitlines()[0] == "**Accuracy**"
    assert text.splitlines()[-1] == "| 1 | 0.25 | val |"


def test_plot_table_snapshots_the_table_when_made():
    table = runlog.Table(columns=["a"], data=[[1]])
    chart = runlog.plot_table("spec/v0", table, {"v": "a"}, split_table=True)
    table.add_data(2)
    row, _ = log_and_read({"c": chart})
    assert body(row["c"])["table"]["data"] == [[1]] and row["c"].title is None


@pytest.mark.parametrize("args, match", [
    (("", "T", {}), "vega_spec_name must be a non-empty str"),
    (("s", [[1]], {}), "data_table must be a runlog.Table, got list"),
    (("s", "T", ["a"]), "fields must be a dict of spec field -> column name, got list"),
    (("s", "T", {"x": "nope"}), r"fields\['x'\] = 'nope' is not a column of data_table"),
    (("s", "T", {"x": 1}), "fields must map str spec fields to str column names"),
    (("s", "T", {"x": "a"}, {"title": [1]}), r"string_fields\['title'\] must be a str"),
])
def test_plot_table_bad_input(args, match):
    table = runlog.Table(columns=["a"], data=[[1]])
    args = tuple(table if a == "T" else a for a in args)
    with pytest.raises(DataError, match=rf"runlog.plot_table: {match}"):
        runlog.plot_table(*args)
