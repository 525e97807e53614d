"""Keys and values: every row of the conversion table, nested keys, errors, snapshots.

Conversions are checked on what a user reads back (``run.backends["memory"]``) and, for the
finer cases, on ``runlog.typespec.values.flatten`` / ``convert`` directly.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import warnings

import numpy as np
import pytest
import runlog
from _tensors import FakeTensor
from runlog.typespec.media.histogram import Histogram
from runlog.typespec.values import convert, flatten


def logged(run, data):
    """Log ``data`` as one row and return that row's user values (nested)."""
    run.log(data)
    row = run.backends["memory"].history[-1]
    return {k: v for k, v in row.items() if k not in ("_step", "_runtime", "_timestamp")}


class Color(enum.Enum):
    RED = 1
    GREEN = "g"


class Level(enum.IntEnum):
    HIGH = 3


class Mode(str, enum.Enum):
    TRAIN = "train"


def a_function():
    """A module-level function."""


class ArrayLike:
    """Only ``__array__`` (as a jax array or a TF tensor offers)."""

    def __init__(self, array):
        self._array = np.asarray(array)

    def __array__(self, dtype=None, copy=None):
        return self._array


# -- plain values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [True, False, 0, -7, 2**63 - 1, -(2**63), 1.5, float("inf"), float("-inf"), "text", "", None],
)
def test_plain_values_are_kept_as_is(mem_run, value):
    row = logged(mem_run, {"v": value})
    assert row["v"] == value and type(row["v"]) is type(value)


def test_nan_is_kept(mem_run):
    value = logged(mem_run, {"v": float("nan")})["v"]
    assert isinstance(value, float) and math.isnan(value)


def test_ints_beyond_int64_become_floats():
    assert convert(2**63) == 2.0**63 and type(convert(2**63)) is float
    assert convert(-(2**63) - 1) == -(2.0**63)
    assert convert(2**64) == 1.8446744073709552e19
    assert convert(2**63 - 1) == 2**63 - 1 and type(convert(2**63 - 1)) is int


# -- numpy ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected, kind",
    [
        (np.float16(1.5), 1.5, float),
        (np.float32(0.25), 0.25, float),
        (np.float64(-2.5), -2.5, float),
        (np.longdouble(1.5), 1.5, float),
        (np.int8(-3), -3, int),
        (np.uint64(2**64 - 1), float(2**64 - 1), float),
        (np.int64(7), 7, int),
        (np.bool_(True), True, bool),
        (np.str_("s"), "s", str),
    ],
)
def test_numpy_scalars_become_python_scalars(mem_run, value, expected, kind):
    row = logged(mem_run, {"v": value})
    assert row["v"] == expected and type(row["v"]) is kind


def test_numpy_float32_keeps_its_exact_value():
    assert convert(np.float32(0.1)) == float(np.float32(0.1))


def test_numpy_nan_scalar_stays_nan():
    assert math.isnan(convert(np.float32("nan")))


@pytest.mark.parametrize("shape", [(1,), (1, 1), (1, 1, 1), ()])
def test_numpy_array_of_one_value_is_a_scalar(shape):
    value = convert(np.full(shape, 4.5))
    assert value == 4.5 and type(value) is float


@pytest.mark.parametrize("size", [2, 7, 32])
def test_numpy_array_of_2_to_32_values_is_a_nested_list(mem_run, size):
    array = np.arange(size, dtype=np.int32)
    assert logged(mem_run, {"v": array})["v"] == list(range(size))
    grid = np.arange(size * 1.0).reshape(-1, 1) if size % 2 else np.zeros((2, size // 2))
    assert convert(grid) == grid.tolist()


def test_nested_list_from_numpy_holds_python_scalars():
    value = convert(np.array([[1.5, np.nan], [np.inf, 2]], dtype=np.float32))
    assert [type(x) for row in value for x in row] == [float] * 4
    assert value[0][0] == 1.5 and math.isnan(value[0][1]) and value[1][0] == math.inf


@pytest.mark.parametrize("shape", [(33,), (1000,), (10, 10), (4, 5, 6)])
def test_numpy_array_of_more_than_32_values_is_a_32_bin_histogram(mem_run, shape):
    array = np.random.default_rng(1).normal(size=shape)
    value = logged(mem_run, {"v": array})["v"]
    assert isinstance(value, Histogram) and value.kind == "histogram"
    counts, edges = np.histogram(array, bins=32)
    assert value.values == counts.tolist()
    assert value.bins == pytest.approx(edges.tolist())
    assert sum(value.values) == array.size


def test_large_array_in_a_nested_dict_is_a_histogram_too(mem_run):
    row = logged(mem_run, {"grads": {"layer1": np.arange(100.0), "small": np.arange(3)}})
    assert isinstance(row["grads"]["layer1"], Histogram)
    assert len(row["grads"]["layer1"].values) == 32
    assert row["grads"]["small"] == [0, 1, 2]


def test_large_non_numeric_array_is_a_data_error_naming_the_key():
    with pytest.raises(runlog.DataError, match=r"'names'.*more than 32"):
        flatten({"names": np.array(["x"] * 40)})


def test_large_array_with_nan_is_a_data_error_naming_the_key():
    with pytest.raises(runlog.DataError, match="'w'"):
        flatten({"w": np.full(40, np.nan)})


# -- tensors (duck-typed) --------------------------------------------------------------------


def test_fake_tensor_goes_through_detach_cpu_numpy(mem_run):
    tensor = FakeTensor([1.0, 2.0, 3.0])
    assert logged(mem_run, {"t": tensor})["t"] == [1.0, 2.0, 3.0]
    assert tensor.calls == ["detach", "cpu", "numpy"]


def test_fake_tensor_scalar_and_large():
    assert convert(FakeTensor(np.float32(2.5))) == 2.5
    assert convert(FakeTensor(np.array(3))) == 3
    big = convert(FakeTensor(np.linspace(0, 1, 64)))
    assert isinstance(big, Histogram) and len(big.values) == 32


def test_array_like_object_is_converted_as_numpy():
    assert convert(ArrayLike([[1, 2], [3, 4]])) == [[1, 2], [3, 4]]
    assert convert(ArrayLike([7])) == 7


def test_torch_tensors():
    torch = pytest.importorskip("torch")
    assert convert(torch.tensor(1.5)) == 1.5
    assert convert(torch.arange(4, requires_grad=False)) == [0, 1, 2, 3]
    weights = torch.ones(40, requires_grad=True)
    hist = convert(weights)
    assert isinstance(hist, Histogram) and sum(hist.values) == 40


def test_jax_arrays():
    jnp = pytest.importorskip("jax.numpy")
    assert convert(jnp.array([1.0, 2.0])) == [1.0, 2.0]
    assert convert(jnp.float32(2.0)) == 2.0
    assert isinstance(convert(jnp.zeros(50)), Histogram)


# -- containers and other Python values ----------------------------------------------------


def test_tuples_and_sets_become_lists(mem_run):
    row = logged(mem_run, {"t": (1, "a", None), "s": {3}, "f": frozenset({4}), "nested": [(1, 2)]})
    assert row == {"t": [1, "a", None], "s": [3], "f": [4], "nested": [[1, 2]]}


def test_list_items_are_converted(mem_run):
    row = logged(mem_run, {"l": [np.int64(1), np.float32(0.5), b"x", Color.RED, [np.bool_(False)]]})
    assert row["l"] == [1, 0.5, "x", "RED", [False]]
    assert type(row["l"][0]) is int and type(row["l"][4][0]) is bool


def test_empty_list_is_kept(mem_run):
    assert logged(mem_run, {"l": []}) == {"l": []}


def test_dict_inside_a_list_is_a_value_with_string_keys():
    assert convert([{"a": np.int64(1), 2: "b"}]) == [{"a": 1, "2": "b"}]


def test_bytes_are_utf8_text(mem_run):
    row = logged(mem_run, {"b": "héllo".encode(), "ba": bytearray(b"xy")})
    assert row == {"b": "héllo", "ba": "xy"}


def test_non_utf8_bytes_are_a_data_error_naming_the_key():
    with pytest.raises(runlog.DataError, match="'blob'") as info:
        flatten({"blob": b"\xff\xfe"})
    assert "bytes" in str(info.value) and "UTF-8" in str(info.value)


def test_datetimes_are_iso_strings(mem_run):
    row = logged(
        mem_run,
        {
            "dt": dt.datetime(2024, 5, 6, 7, 8, 9, 123),
            "aware": dt.datetime(2024, 5, 6, tzinfo=dt.timezone.utc),
            "d": dt.date(2024, 5, 6),
        },
    )
    assert row == {
        "dt": "2024-05-06T07:08:09.000123",
        "aware": "2024-05-06T00:00:00+00:00",
        "d": "2024-05-06",
    }


def test_enums_are_their_names(mem_run):
    assert logged(mem_run, {"c": Color.RED, "g": Color.GREEN}) == {"c": "RED", "g": "GREEN"}


def test_int_and_str_enums_are_their_plain_values_as_wandb_and_json_write_them():
    """wandb passes ``int``/``str`` instances through and ``json.dumps`` writes the value."""
    assert convert(Level.HIGH) == 3 and type(convert(Level.HIGH)) is int
    assert convert(Mode.TRAIN) == "train" and type(convert(Mode.TRAIN)) is str


def test_callables_are_module_qualname(mem_run):
    class Local:
        def method(self):
            pass

    row = logged(mem_run, {"f": a_function, "c": ArrayLike, "m": Local.method, "b": len})
    assert row == {
        "f": f"{__name__}.a_function",
        "c": f"{__name__}.ArrayLike",
        "m": f"{__name__}.test_callables_are_module_qualname.<locals>.Local.method",
        "b": "builtins.len",
    }


def test_lambda_is_module_qualname():
    assert convert(lambda x: x) == f"{__name__}.test_lambda_is_module_qualname.<locals>.<lambda>"


def test_pandas_dataframe_is_a_table(mem_run):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    table = logged(mem_run, {"df": frame})["df"]
    assert table.kind == "table"
    assert table.columns == ["a", "b"] and table.data == [[1, "x"], [2, "y"]]


def test_matplotlib_figure_is_an_image(mem_run):
    pytest.importorskip("runlog.typespec.media.image")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from PIL import Image as PILImage

    fig, ax = plt.subplots(figsize=(2, 1), dpi=50)
    ax.plot([0, 1], [0, 1])
    image = logged(mem_run, {"fig": fig})["fig"]
    plt.close(fig)
    assert image.kind == "image"
    import io

    with PILImage.open(io.BytesIO(image.payload().data)) as png:
        assert png.format == "PNG" and png.size == (100, 50)


def test_runlog_media_is_kept_as_is(mem_run):
    hist = runlog.Histogram([1, 2, 3], num_bins=3)
    assert logged(mem_run, {"h": hist})["h"] == hist


def test_unknown_type_is_a_data_error_naming_key_type_and_what_is_accepted():
    class Opaque:
        pass

    with pytest.raises(runlog.DataError) as info:
        flatten({"outer": {"inner": Opaque()}})
    message = str(info.value)
    assert "'outer' -> 'inner'" in message
    assert "Opaque" in message
    assert "accepted" in message and "numpy" in message
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


def test_list_mixing_media_and_plain_values_is_a_data_error():
    with pytest.raises(runlog.DataError, match="'mix'"):
        flatten({"mix": [runlog.Histogram([1, 2]), 3]})


def test_a_list_of_one_media_kind_is_a_sequence():
    value = flatten({"hs": [runlog.Histogram([1, 2]), runlog.Histogram([3, 4])]})[("hs",)]
    assert value.kind == "histogram" and len(value) == 2


def test_convert_hook_gets_the_unknown_value_and_its_path():
    class Point:
        def __init__(self, x):
            self.x = x

    seen = []

    def hook(value, path):
        seen.append(path)
        return {"x": value.x} if isinstance(value, Point) else None

    assert flatten({"p": {"q": Point(np.int64(2))}}, hook) == {("p", "q"): {"x": 2}}
    assert seen == [("p", "q")]
    with pytest.raises(runlog.DataError):
        flatten({"o": object()}, hook)


# -- keys ----------------------------------------------------------------------------------


def test_nested_non_str_keys_become_json_strings(mem_run):
    """obs:nested_non_string_key: ``1 -> "1"``, ``True -> "true"``, ``None -> "null"``."""
    row = logged(mem_run, {"m": {1: "a", None: "c", 2.5: "d", "s": {0: "e"}}, "t": {True: "b"}})
    assert row == {"m": {"1": "a", "null": "c", "2.5": "d", "s": {"0": "e"}}, "t": {"true": "b"}}
    assert flatten({"f": {False: 0, float("nan"): 1}}) == {("f", "false"): 0, ("f", "NaN"): 1}


def test_nested_key_of_another_type_is_a_data_error_naming_the_path():
    with pytest.raises(runlog.DataError) as info:
        flatten({"a": {"b": {(1, 2): 3}}})
    message = str(info.value)
    assert "(1, 2)" in message and "tuple" in message and "'a' -> 'b'" in message
    assert "accepted" in message


@pytest.mark.parametrize("key", [1, None, 1.5, ("a",), b"a"])
def test_top_level_key_must_be_str(key):
    with pytest.raises(runlog.DataError) as info:
        flatten({key: 1})
    assert type(key).__name__ in str(info.value) and "str" in str(info.value)


def test_str_subclass_keys_are_plain_strings():
    leaves = flatten({Mode.TRAIN: {Mode.TRAIN: 1}})
    assert list(leaves) == [("train", "train")]
    assert all(type(seg) is str for seg in next(iter(leaves)))


def test_empty_key_is_dropped_with_a_warning(mem_run):
    with pytest.warns(UserWarning, match='empty key ""') as caught:
        row = logged(mem_run, {"": 1, "a": {"": 2, "b": 3}})
    assert row == {"a": {"b": 3}}
    caught = [w for w in caught if "empty key" in str(w.message)]  # only runlog's warnings
    assert len(caught) == 2 and "'a'" in str(caught[1].message)
    assert all(w.filename == __file__ for w in caught)


def test_paths_are_tuples_of_segments():
    leaves = flatten({"a/b": 1, "a": {"b": 2}, "c.d": {"e f": 3}})
    assert leaves == {("a/b",): 1, ("a", "b"): 2, ("c.d", "e f"): 3}


def test_empty_dicts_vanish():
    assert flatten({"a": {}, "b": {"c": {}}, "d": 1}) == {("d",): 1}


# -- the snapshot rule ---------------------------------------------------------------------


def test_mutating_after_log_does_not_change_what_was_logged(mem_run):
    small = np.arange(4.0)
    big = np.arange(100.0)
    items = [1, 2]
    nested = {"k": [3]}
    mem_run.log({"small": small, "big": big, "items": items, "nested": nested})
    small[:] = -1
    big[:] = -1
    items.append(99)
    nested["k"].append(99)
    nested["new"] = 1
    (row,) = mem_run.backends["memory"].history
    assert row["small"] == [0.0, 1.0, 2.0, 3.0]
    assert row["items"] == [1, 2] and row["nested"] == {"k": [3]}
    counts, _ = np.histogram(np.arange(100.0), bins=32)
    assert row["big"].values == counts.tolist()


def test_snapshot_is_taken_at_call_time_even_while_the_row_is_open(mem_run):
    array = np.zeros(3)
    values = [1]
    mem_run.log({"a": array, "l": values}, commit=False)
    array[:] = 5
    values.append(2)
    mem_run.log({"b": 1})
    (row,) = mem_run.backends["memory"].history
    assert row["a"] == [0.0, 0.0, 0.0] and row["l"] == [1]


def test_mutating_a_table_after_log_does_not_change_the_logged_table(mem_run):
    table = runlog.Table(columns=["x"], data=[[1]])
    mem_run.log({"t": table})
    table.add_data(2)
    assert mem_run.backends["memory"].history[0]["t"].data == [[1]]


def test_snapshot_of_summary_values(mem_run):
    values = [1, 2]
    mem_run.summary["v"] = values
    values.append(3)
    assert mem_run.summary["v"] == [1, 2]
    assert mem_run.backends["memory"].summary["v"] == [1, 2]


def test_conversion_warnings_are_none_for_ordinary_data(mem_run):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logged(mem_run, {"a": np.arange(50), "b": {"c": [1, 2]}, "d": dt.date(2020, 1, 1)})
