"""runlog.Table: construction, conversion, limits, snapshot on log, payload and JSON form."""

from __future__ import annotations

import hashlib
import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from runlog.typespec import jsonform
from runlog.typespec.errors import DataError
from runlog.typespec.media.histogram import Histogram
from runlog.typespec.media.table import Table
from runlog.typespec.values import flatten


def test_rows_are_converted_like_logged_values():
    t = Table(columns=["a", "b", "c"],
              data=[[np.int64(3), np.float32(0.5), "x"], [float("nan"), None, [1, 2]]])
    assert t.columns == ["a", "b", "c"]
    first, second = t.data
    assert first == [3, 0.5, "x"]
    assert type(first[0]) is int and type(first[1]) is float
    assert math.isnan(second[0]) and second[1:] == [None, [1, 2]]


def test_rows_alias_and_numpy_2d_data():
    arr = np.arange(6).reshape(3, 2)
    assert Table(columns=["x", "y"], rows=arr.tolist()).data == [[0, 1], [2, 3], [4, 5]]
    assert Table(columns=["x", "y"], data=arr).data == [[0, 1], [2, 3], [4, 5]]


def test_default_columns_only_when_data_is_given():
    assert Table().columns == []
    assert Table(data=[[1, 2, 3]]).columns == ["Input", "Output", "Expected"]
    with pytest.raises(DataError, match=r"row 0 has 2 values.*default"):
        Table(data=[[1, 2]])


def test_add_data_add_column_get_column():
    t = Table(columns=["step"])
    t.add_data(1)
    t.add_data(2)
    t.add_column("loss", [0.5, 0.25])
    assert t.columns == ["step", "loss"]
    assert t.data == [[1, 0.5], [2, 0.25]]
    assert t.get_column("loss") == [0.5, 0.25]
    col = t.get_column("step", convert_to="numpy")
    assert isinstance(col, np.ndarray) and col.tolist() == [1, 2]
    assert list(t.iterrows()) == [(0, [1, 0.5]), (1, [2, 0.25])]


def test_add_column_to_an_empty_table_sets_the_row_count():
    t = Table()
    t.add_column("x", np.array([1.5, 2.5]))
    t.add_column("y", ["a", "b"])
    assert t.data == [[1.5, "a"], [2.5, "b"]]


def test_dataframe_input():
    df = pd.DataFrame({"n": [1, 2], "name": ["a", "b"], "f": [0.5, float("inf")]})
    for t in (Table(dataframe=df), Table(data=df)):
        assert t.columns == ["n", "name", "f"]
        assert t.data == [[1, "a", 0.5], [2, "b", float("inf")]]
    nullable = pd.DataFrame({"k": pd.array([1, None], dtype="Int64")})
    assert Table(dataframe=nullable).data == [[1], [None]]


def test_dataframe_logged_directly_becomes_a_table():
    leaves = flatten({"df": pd.DataFrame({"x": [1, 2]})})
    t = leaves[("df",)]
    assert isinstance(t, Table) and t.data == [[1], [2]]


def test_more_rows_than_max_rows_are_dropped_with_one_warning():
    with pytest.warns(UserWarning, match=r"max_rows=3.*5 were given") as record:
        t = Table(columns=["i"], data=[[i] for i in range(5)], max_rows=3)
    assert len([w for w in record if "max_rows" in str(w.message)]) == 1
    assert t.data == [[0], [1], [2]]
    with pytest.warns(UserWarning) as record:
        t2 = Table(columns=["i"], max_rows=2)
        for i in range(4):
            t2.add_data(i)
    assert len([w for w in record if "max_rows" in str(w.message)]) == 1
    assert t2.data == [[0], [1]]


def test_default_limit_is_10000_rows():
    with pytest.warns(UserWarning, match="max_rows=10000"):
        t = Table(columns=["i"], data=np.arange(10001).reshape(-1, 1))
    assert len(t.data) == 10000 and t.data[-1] == [9999]


def test_logged_table_is_a_snapshot():
    t = Table(columns=["epoch"])
    t.add_data(0)
    first = flatten({"t": t})[("t",)]
    t.add_data(1)
    second = flatten({"t": t})[("t",)]
    assert first.data == [[0]]
    assert second.data == [[0], [1]]
    assert first.payload().sha256 != second.payload().sha256
    assert flatten({"t": t})[("t",)] is second  # unchanged table: one snapshot, encoded once


def test_payload_is_split_json_read_by_pandas():
    t = Table(columns=["a", "b"], data=[[1, float("nan")], [2, "x"]])
    p = t.payload()
    assert p.ext == "table.json" and p.mime == "application/json"
    assert p.sha256 == hashlib.sha256(p.data).hexdigest()
    assert p.meta == {"nrows": 2, "ncols": 2}
    df = pd.read_json(io.StringIO(p.data.decode()), orient="split")
    assert list(df.columns) == ["a", "b"]
    assert df["a"].tolist() == [1, 2] and math.isnan(df["b"][0]) and df["b"][1] == "x"


def _round_trip(value, by_ref):
    stored: dict[str, bytes] = {}

    def store(payload):
        stored[payload.filename] = payload.data
        return "media/" + payload.filename

    def load(ref, obj):
        return stored[ref.removeprefix("media/")]

    text = jsonform.dumps(jsonform.value_to_json(value, store if by_ref else None))
    return jsonform.value_from_json(jsonform.loads(text), load if by_ref else None), text


@pytest.mark.parametrize("by_ref", [False, True])
def test_json_form_round_trips_with_media_cells(by_ref):
    hist = Histogram([1, 2, 2, 3], num_bins=3)
    t = Table(columns=["name", "h", "v", "d"],
              data=[["a", hist, float("-inf"), {"_type": "x", "k": [1, 2**60]}],
                    ["ü\U0001f600", hist, 2**62, None]])
    back, text = _round_trip(t, by_ref)
    assert json.loads(text)["columns"] == ["name", "h", "v", "d"]
    assert back == t
    assert back.columns == t.columns
    assert back.data[0][1] == hist and isinstance(back.data[0][1], Histogram)
    assert back.data[0][2] == float("-inf") and back.data[1][2] == 2**62
    assert back.data[0][3] == {"_type": "x", "k": [1, 2**60]}
    assert back.data[1][0] == "ü\U0001f600"
    assert back.payload().data == t.payload().data


def test_image_cells_are_embedded_and_round_trip():
    from runlog.typespec.media.image import Image

    pixels = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    t = Table(columns=["img", "label"], data=[[Image(pixels, caption="c"), 1]])
    body = json.loads(t.payload().data)
    cell = body["data"][0][0]
    assert cell["_type"] == "image" and "data" in cell["payload"]
    back, _ = _round_trip(t, by_ref=True)
    img = back.data[0][0]
    assert isinstance(img, Image) and img.caption == "c"
    assert img.payload().data == t.data[0][0].payload().data
