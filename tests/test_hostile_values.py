"""Hostile values at log(): each is a DataError naming the key path, raised quickly, and the
run goes on (the rows around it are all recorded)."""

from __future__ import annotations

import time
import unittest.mock
from collections.abc import Mapping

import numpy as np
import pytest
import runlog


class RaisingRepr:
    def __repr__(self):
        raise KeyError("repr failed")

    def __hash__(self):
        return 1


class RaisingArray:
    def __array__(self, dtype=None, copy=None):
        raise KeyError("array failed")


class RaisingItems(dict):
    def items(self):
        raise KeyError("items failed")


class RaisingIter(Mapping):
    def __getitem__(self, key):
        raise KeyError(key)

    def __iter__(self):
        raise KeyError("iter failed")

    def __len__(self):
        return 1


class RaisingNumpy:
    """Duck-typed like a tensor whose .numpy() gives a ragged list (numpy raises ValueError)."""

    def __array__(self, dtype=None, copy=None):
        return np.asarray([[1, 2], [3]])


def _self_dict():
    d = {}
    d["me"] = d
    return d


def _self_list():
    items = [1]
    items.append(items)
    return items


def _deep(levels, make):
    value = 0
    for _ in range(levels):
        value = make(value)
    return value


def _table_with_cycle():
    return runlog.Table(columns=["a"], data=[[_self_list()]])


CASES = {
    "self-dict": (lambda: {"m": {"x": _self_dict()}}, "'m' -> 'x' -> 'me'", "contains itself"),
    "self-list": (lambda: {"m": {"x": _self_list()}}, "'m' -> 'x'", "contains itself"),
    "deep-dict": (lambda: {"x": _deep(5000, lambda v: {"a": v})}, "'x' -> 'a'", "100"),
    "deep-list": (lambda: {"x": _deep(5000, lambda v: [v])}, "'x'", "100"),
    "big-int": (lambda: {"m": {"big": 10**400}}, "'m' -> 'big'", "float"),
    "repr-key": (lambda: {"m": {RaisingRepr(): 1}}, "'m'", "keys"),
    "array": (lambda: {"x": RaisingArray()}, "'x'", "array failed"),
    "items": (lambda: {"m": {"x": RaisingItems(a=1)}}, "'m' -> 'x'", "items failed"),
    "iter": (lambda: {"x": RaisingIter()}, "'x'", "iter failed"),
    "numpy": (lambda: {"x": RaisingNumpy()}, "'x'", "ValueError"),
    "mock": (lambda: {"x": unittest.mock.Mock()}, "'x'", "unittest.mock.Mock"),
    "huge-hist": (lambda: {"h": np.full(40, 2**62 + 7, dtype=np.int64) + np.arange(40)},
                  None, None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_value_is_a_quick_data_error_and_the_run_goes_on(tmp_path, case):
    make, path, detail = CASES[case]
    run = runlog.init(project="p", id="hostile", dir=tmp_path, backends=["memory", "files"])
    for i in range(5):
        run.log({"i": i})
    started = time.monotonic()
    if path is None:  # accepted now (was numpy's ValueError without the key)
        run.log(make())
    else:
        with pytest.raises(runlog.DataError) as info:
            run.log(make())
        message = str(info.value)
        assert path in message and detail in message
    assert time.monotonic() - started < 2.0
    for i in range(5, 10):
        run.log({"i": i})
    run.finish()
    history = runlog.read(run.dir).history
    assert [row["i"] for row in history if "i" in row] == list(range(10))
    assert runlog.read(run.dir).status == "finished"


def test_table_cell_containing_itself_names_row_and_column():
    with pytest.raises(runlog.DataError, match=r"row 0, column 'a'.*contains itself"):
        _table_with_cycle()


def test_a_repeated_but_acyclic_container_is_fine(tmp_path):
    shared = [1, 2]
    run = runlog.init(project="p", id="shared", dir=tmp_path, backends=["memory"])
    run.log({"a": [shared, shared], "b": {"x": shared, "y": shared}})
    row = run.backends["memory"].history[-1]
    assert row["a"] == [[1, 2], [1, 2]] and row["b"] == {"x": [1, 2], "y": [1, 2]}
    run.finish()


def test_nesting_up_to_the_limit_reads_back(tmp_path):
    from runlog.typespec.values import MAX_DEPTH

    value = _deep(MAX_DEPTH - 2, lambda v: [v])
    run = runlog.init(project="p", id="deep", dir=tmp_path, backends=["memory", "files"])
    run.log({"x": {"y": value}})
    run.finish()
    assert runlog.read(run.dir).history[0]["x"]["y"] == value


def test_int_beyond_int64_is_a_float_and_beyond_float_is_an_error(tmp_path):
    run = runlog.init(project="p", id="ints", dir=tmp_path, backends=["memory"])
    run.log({"a": 2**64})
    assert run.backends["memory"].history[-1]["a"] == float(2**64)
    with pytest.raises(runlog.DataError, match=r"'b'.*bits"):
        run.log({"b": -(10**400)})
    run.finish()


class RaisingEverything:
    def __index__(self):
        raise KeyError("index failed")

    def __eq__(self, other):
        raise KeyError("eq failed")

    __hash__ = None

    def __repr__(self):
        raise KeyError("repr failed")


@pytest.mark.parametrize("arg", ["step", "commit"])
def test_a_step_or_commit_whose_own_methods_raise_is_a_data_error(tmp_path, arg):
    run = runlog.init(project="p", id="args", dir=tmp_path, backends=["memory"])
    with pytest.raises(runlog.DataError, match=rf"{arg} must be .*got <RaisingEverything object>"):
        run.log({"a": 1}, **{arg: RaisingEverything()})
    run.log({"a": 2})
    assert [r["a"] for r in run.backends["memory"].history] == [2]
    run.finish()


@pytest.mark.parametrize("make, where", [
    (lambda bad: runlog.Table(columns=[bad]), "column 0 name <RaisingRepr object>"),
    (lambda bad: runlog.Table(max_rows=bad), "max_rows"),
    (lambda bad: runlog.Histogram([1, 2], num_bins=bad), "num_bins"),
    (lambda bad: runlog.Image(np.zeros((2, 2, 3), np.uint8), boxes={bad: {}}), "boxes keys"),
])
def test_media_arguments_whose_repr_raises_are_data_errors(make, where):
    with pytest.raises(runlog.DataError, match=where):
        make(RaisingRepr())
