"""The run summary as ``run.summary`` and the memory backend show it.

Expected values are wandb 0.31's, except where ``docs/compatibility.md`` says otherwise (a
logged ``None`` keeps the previous value; the summary stays readable after ``finish()``;
``define_metric`` statistics count from the definition on).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import runlog
from hypothesis import given, settings
from hypothesis import strategies as st
from runlog.typespec.records import MetricDefined, Row
from runlog.typespec.summary import Summary

SYSTEM = ("_step", "_runtime", "_timestamp")


def user(summary):
    """The summary without the system keys, as a plain dict."""
    return {k: v for k, v in dict(summary).items() if k not in SYSTEM}


def both(run):
    """The user part of ``run.summary``, checked equal to what the memory backend folded."""
    live = user(run.summary)
    assert user(run.backends["memory"].summary) == live
    return live


# -- last value per leaf ---------------------------------------------------------------------


def test_last_value_per_leaf_with_nested_merge_across_steps(mem_run):
    """obs:nested_dict, nested_deep."""
    mem_run.log({"train": {"acc": 1, "loss": 2}, "lr": 0.1})
    mem_run.log({"train": {"acc": 3}})
    mem_run.log({"deep": {"a": {"b": {"c": 1}}}})
    mem_run.log({"deep": {"a": {"d": 2}}})
    assert both(mem_run) == {
        "train": {"acc": 3, "loss": 2},
        "lr": 0.1,
        "deep": {"a": {"b": {"c": 1}, "d": 2}},
    }


def test_system_keys_are_in_the_summary(mem_run):
    mem_run.log({"a": 1})
    mem_run.log({"a": 2}, step=7, commit=True)
    row = mem_run.backends["memory"].history[-1]
    assert {k: mem_run.summary[k] for k in SYSTEM} == {k: row[k] for k in SYSTEM}
    assert mem_run.summary["_step"] == 7


def test_summary_only_changes_at_commit(mem_run):
    mem_run.log({"a": 1})
    mem_run.log({"a": 2}, commit=False)
    assert both(mem_run) == {"a": 1}
    mem_run.log({"b": 5}, step=3)  # commits {"a": 2} at step 1, opens a row at 3
    assert both(mem_run) == {"a": 2}
    mem_run.log({})
    assert both(mem_run) == {"a": 2, "b": 5}


def test_a_logged_leaf_replaces_a_subtree_and_a_subtree_replaces_a_leaf(mem_run):
    mem_run.log({"x": {"a": 1, "b": 2}})
    mem_run.log({"x": 5})
    assert both(mem_run) == {"x": 5}
    mem_run.log({"x": {"c": 3}})
    assert both(mem_run) == {"x": {"c": 3}}


def test_logged_none_leaves_the_summary_alone(mem_run):
    """A deliberate difference: the value wandb uploads (obs:none_values)."""
    mem_run.log({"a": 1, "n": {"m": 2}})
    mem_run.log({"a": None, "n": {"m": None}, "fresh": None})
    assert both(mem_run) == {"a": 1, "n": {"m": 2}}
    assert mem_run.backends["memory"].history[-1]["a"] is None


def test_logged_nan_and_inf_are_kept(mem_run):
    """obs:nan_inf_values."""
    mem_run.log({"a": 1.0, "b": 1.0, "c": 1.0})
    mem_run.log({"a": float("nan"), "b": float("inf"), "c": -np.inf})
    live = user(mem_run.summary)  # NaN != NaN: compared leaf by leaf
    assert math.isnan(live["a"]) and live["b"] == math.inf and live["c"] == -math.inf
    assert math.isnan(mem_run.backends["memory"].summary["a"])


def test_media_leaves_keep_the_whole_value(mem_run):
    first = runlog.Histogram([1, 2, 3])
    second = runlog.Histogram([4, 5, 6])
    mem_run.log({"h": first})
    mem_run.log({"h": second})
    assert mem_run.summary["h"] == second


def test_large_array_summary_is_the_histogram_value(mem_run):
    """A deliberate difference: not numpy statistics as in wandb."""
    mem_run.log({"w": np.arange(64.0)})
    assert mem_run.summary["w"].kind == "histogram"
    assert len(mem_run.summary["w"].values) == 32


# -- explicit summary --------------------------------------------------------------------------


def test_explicit_set_overrides_until_the_key_is_next_committed(mem_run):
    """obs:summary_override_after_log, summary_set_then_log_again."""
    mem_run.log({"acc": 0.5})
    mem_run.summary["acc"] = 0.99
    mem_run.log({"other": 1})
    assert both(mem_run) == {"acc": 0.99, "other": 1}
    mem_run.log({"acc": 0.6})
    assert both(mem_run) == {"acc": 0.6, "other": 1}


def test_explicit_dict_is_one_value_until_a_nested_log_replaces_it(mem_run):
    """obs:summary_nested_override."""
    mem_run.log({"train": {"acc": 1, "loss": 2}})
    mem_run.summary["train"] = {"best": {"acc": 9}}
    assert both(mem_run) == {"train": {"best": {"acc": 9}}}
    mem_run.log({"train": {"acc": 3}})
    assert both(mem_run) == {"train": {"acc": 3}}  # a fresh subtree: no "loss", no "best"


def test_override_of_a_key_in_the_open_row_is_lost_at_commit(mem_run):
    """obs:summary_set_during_open_row."""
    mem_run.log({"a": 1}, commit=False)
    mem_run.summary["a"] = 100
    assert mem_run.summary["a"] == 100
    mem_run.log({"b": 2})
    assert both(mem_run) == {"a": 1, "b": 2}


def test_update_sets_several_keys(mem_run):
    mem_run.log({"a": 1})
    mem_run.summary.update({"a": 2, "best": {"x": np.float32(0.5)}}, c=3)
    assert both(mem_run) == {"a": 2, "best": {"x": 0.5}, "c": 3}
    assert type(mem_run.summary["best"]["x"]) is float


def test_summary_values_are_converted_like_logged_values(mem_run):
    mem_run.summary.update({"i": np.int64(4), "t": (1, 2), "b": b"x"})
    assert both(mem_run) == {"i": 4, "t": [1, 2], "b": "x"}
    with pytest.raises(runlog.DataError, match="'bad'"):
        mem_run.summary["bad"] = object()
    with pytest.raises(runlog.DataError, match="str"):
        mem_run.summary.update({1: 2})
    assert "bad" not in mem_run.summary


def test_del_removes_a_leaf_or_a_subtree(mem_run):
    """obs:summary_delete."""
    mem_run.log({"a": 1, "t": {"x": 1, "y": 2}, "k": 3})
    del mem_run.summary["a"]
    del mem_run.summary["t"]
    assert both(mem_run) == {"k": 3}
    with pytest.raises(KeyError):
        del mem_run.summary["missing"]
    mem_run.log({"t": {"x": 5}})
    assert both(mem_run) == {"k": 3, "t": {"x": 5}}


@pytest.mark.parametrize("gone", [None, float("nan"), np.float64("nan")])
def test_setting_none_or_nan_removes_the_key(mem_run, gone):
    """obs:summary_nan_none."""
    mem_run.log({"a": 1, "b": {"c": 2}, "k": 0})
    mem_run.summary["a"] = gone
    mem_run.summary.update({"b": gone})
    assert both(mem_run) == {"k": 0}


def test_mapping_interface(mem_run):
    mem_run.log({"a": 1, "b": {"c": 2}})
    assert mem_run.summary.get("a") == 1
    assert mem_run.summary.get("zz", "dflt") == "dflt"
    assert "b" in mem_run.summary and "zz" not in mem_run.summary
    assert set(mem_run.summary) == {"a", "b", *SYSTEM}
    assert len(mem_run.summary) == 5
    assert dict(mem_run.summary.items())["b"] == {"c": 2}


def test_summary_after_finish_is_readable_and_read_only(mem_run):
    mem_run.log({"a": 1}, commit=False)
    mem_run.finish()
    assert mem_run.summary["a"] == 1  # the open row was committed at finish
    assert mem_run.backends["memory"].finished.summary["a"] == 1
    with pytest.raises(runlog.FinishedRunError, match=mem_run.id):
        mem_run.summary["a"] = 2
    with pytest.raises(runlog.FinishedRunError):
        mem_run.summary.update({"b": 1})
    with pytest.raises(runlog.FinishedRunError):
        del mem_run.summary["a"]
    assert issubclass(runlog.FinishedRunError, runlog.Error)
    assert both(mem_run) == {"a": 1}


def test_module_level_summary_is_the_current_runs(mem_run):
    runlog.summary["x"] = 1
    assert mem_run.summary["x"] == 1


# -- define_metric -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "modes, expected",
    [
        ("max", {"max": 5}),
        ("min", {"min": 1}),
        ("mean", {"mean": 3.0}),
        ("first", {"first": 3}),
        ("last", {"last": 4}),
        ("min,max,mean,first,last", {"min": 1, "max": 5, "mean": 3.0, "first": 3, "last": 4}),
        ("min, mean", {"min": 1, "mean": 3.0}),
    ],
)
def test_define_metric_summary_modes(mem_run, modes, expected):
    """obs:define_metric_max."""
    mem_run.define_metric("loss", summary=modes)
    for value in (3, 1, 5, 2, 4):
        mem_run.log({"loss": value})
    assert both(mem_run) == {"loss": expected}


def test_define_metric_none_hides_the_metric(mem_run):
    mem_run.define_metric("secret", summary="none")
    mem_run.log({"secret": 1, "shown": 2})
    assert both(mem_run) == {"shown": 2}
    assert mem_run.backends["memory"].history[0]["secret"] == 1  # history still has it


@pytest.mark.parametrize("goal, best", [("minimize", 1), ("maximize", 5)])
def test_define_metric_best_follows_the_goal(mem_run, goal, best):
    mem_run.define_metric("acc", summary="best", goal=goal)
    for value in (3, 1, 5):
        mem_run.log({"acc": value})
    assert both(mem_run) == {"acc": {"best": best}}


def test_best_needs_a_goal_and_modes_are_checked(mem_run):
    with pytest.raises(runlog.UsageError, match="goal"):
        mem_run.define_metric("acc", summary="best")
    with pytest.raises(runlog.UsageError, match="median"):
        mem_run.define_metric("acc", summary="max,median")
    with pytest.raises(runlog.UsageError, match="goal"):
        mem_run.define_metric("acc", goal="up")


def test_define_metric_on_a_nested_metric_with_a_dotted_name(mem_run):
    """obs:define_metric_min_mean_nested."""
    mem_run.define_metric("train.loss", summary="min,mean")
    mem_run.log({"train": {"loss": 4, "acc": 1}})
    mem_run.log({"train": {"loss": 2, "acc": 2}})
    assert both(mem_run) == {"train": {"loss": {"min": 2, "mean": 3.0}, "acc": 2}}


def test_escaped_dot_addresses_a_key_with_a_literal_dot(mem_run):
    mem_run.define_metric("a\\.b", summary="max")
    mem_run.log({"a.b": 1, "a": {"b": 10}})
    mem_run.log({"a.b": 3, "a": {"b": 20}})
    assert both(mem_run) == {"a.b": {"max": 3}, "a": {"b": 20}}


def test_glob_applies_to_matching_keys_but_not_underscore_keys(mem_run):
    mem_run.define_metric("train/*", summary="max")
    mem_run.define_metric("*", summary="min")
    mem_run.log({"train/loss": 3, "train/acc": 0.1, "val/loss": 7, "_hidden": 9})
    mem_run.log({"train/loss": 1, "train/acc": 0.5, "val/loss": 5, "_hidden": 8})
    assert both(mem_run) == {
        "train/loss": {"max": 3},
        "train/acc": {"max": 0.5},
        "val/loss": {"min": 5},
        "_hidden": 8,
    }


def test_glob_is_a_prefix_of_the_dotted_key(mem_run):
    mem_run.define_metric("val.*", summary="last")
    mem_run.log({"val": {"acc": 1, "loss": 2}, "valx": 3})
    assert both(mem_run) == {"val": {"acc": {"last": 1}, "loss": {"last": 2}}, "valx": 3}


def test_an_explicit_set_resets_the_modes_of_that_key(mem_run):
    """go:metricsummary.go SetExplicit: the summary becomes the plain latest value."""
    mem_run.define_metric("loss", summary="max")
    mem_run.log({"loss": 3})
    mem_run.summary["loss"] = 0
    assert both(mem_run) == {"loss": 0}
    mem_run.log({"loss": 1})
    assert both(mem_run) == {"loss": 1}


def test_an_explicit_set_resets_the_modes_of_a_glob_matched_key(mem_run):
    mem_run.define_metric("train/*", summary="max")
    mem_run.log({"train/loss": 3, "train/acc": 1})
    mem_run.summary["train/loss"] = 0
    mem_run.log({"train/loss": 1, "train/acc": 2})
    assert both(mem_run) == {"train/loss": 1, "train/acc": {"max": 2}}


def test_statistics_count_from_the_definition_on(mem_run):
    """A documented deviation: wandb also counts values logged before the definition."""
    mem_run.log({"loss": 100})
    mem_run.define_metric("loss", summary="max")
    mem_run.log({"loss": 3})
    mem_run.log({"loss": 2})
    assert both(mem_run) == {"loss": {"max": 3}}


def test_non_numeric_values_only_feed_first_and_last(mem_run):
    mem_run.define_metric("m", summary="first,last,max")
    mem_run.log({"m": "warmup"})
    mem_run.log({"m": 2})
    mem_run.log({"m": True})
    assert both(mem_run) == {"m": {"first": "warmup", "last": True, "max": 2}}


def test_logged_none_does_not_feed_the_statistics(mem_run):
    mem_run.define_metric("m", summary="min,mean,last")
    mem_run.log({"m": 2})
    mem_run.log({"m": None})
    mem_run.log({"m": 4})
    assert both(mem_run) == {"m": {"min": 2, "mean": 3.0, "last": 4}}


def test_define_metric_reaches_backends_as_a_record(mem_run):
    metric = mem_run.define_metric("val/*", step_metric="epoch", summary="max", hidden=True)
    records = [r for r in mem_run.backends["memory"].records if type(r).__name__ == "MetricDefined"]
    assert records == [metric]
    assert (metric.name, metric.step_metric, metric.step_sync, metric.summary, metric.hidden) == (
        "val/*",
        "epoch",
        True,
        ("max",),
        True,
    )


def test_define_metric_after_finish_is_refused(mem_run):
    mem_run.finish()
    with pytest.raises(runlog.FinishedRunError):
        mem_run.define_metric("a", summary="max")


# -- step_metric and step_sync ---------------------------------------------------------------


def _user_rows(run):
    return [
        {k: v for k, v in row.items() if k not in SYSTEM} for row in run.backends["memory"].history
    ]


def test_step_sync_carries_the_latest_step_metric_into_rows_that_lack_it(mem_run):
    """obs:define_metric_step_sync: 0 before any value of the step metric."""
    mem_run.define_metric("val/acc", step_metric="epoch")
    mem_run.log({"val/acc": 0.1})
    mem_run.log({"epoch": 2})
    mem_run.log({"val/acc": 0.2})
    mem_run.log({"val/acc": 0.3, "epoch": 5})
    mem_run.log({"other": 1})
    mem_run.log({"val/acc": 0.4})
    assert _user_rows(mem_run) == [
        {"val/acc": 0.1, "epoch": 0},
        {"epoch": 2},
        {"val/acc": 0.2, "epoch": 2},
        {"val/acc": 0.3, "epoch": 5},
        {"other": 1},
        {"val/acc": 0.4, "epoch": 5},
    ]
    assert user(mem_run.summary)["epoch"] == 5


def test_step_sync_false_inserts_nothing(mem_run):
    mem_run.define_metric("acc", step_metric="epoch", step_sync=False)
    mem_run.log({"epoch": 1})
    mem_run.log({"acc": 1})
    assert _user_rows(mem_run) == [{"epoch": 1}, {"acc": 1}]


def test_step_sync_with_a_glob_and_nested_names(mem_run):
    mem_run.define_metric("val/*", step_metric="epoch")
    mem_run.define_metric("train.loss", step_metric="t.step")
    mem_run.log({"epoch": 3, "t": {"step": 10}})
    mem_run.log({"val/a": 1, "val/b": 2, "train": {"loss": 0.5}, "_val": 0})
    mem_run.log({"valx": 1})
    assert _user_rows(mem_run) == [
        {"epoch": 3, "t": {"step": 10}},
        {"val/a": 1, "val/b": 2, "epoch": 3, "train": {"loss": 0.5}, "t": {"step": 10}, "_val": 0},
        {"valx": 1},
    ]


def test_step_metric_values_committed_within_the_open_row_count(mem_run):
    mem_run.define_metric("acc", step_metric="epoch")
    mem_run.log({"epoch": 4}, commit=False)
    mem_run.log({"acc": 1})
    mem_run.log({"acc": 2})
    assert _user_rows(mem_run) == [{"epoch": 4, "acc": 1}, {"acc": 2, "epoch": 4}]


def test_a_logged_nan_sticks_in_min_max_and_mean(mem_run):
    """As wandb-core's Go ``min``/``max``: once a NaN is seen, the statistic is NaN."""
    mem_run.define_metric("m", summary="min,max,mean,last")
    for value in (2.0, float("nan"), 1.0, 5.0):
        mem_run.log({"m": value})
    stats = mem_run.summary["m"]
    assert set(stats) == {"min", "max", "mean", "last"}
    assert all(math.isnan(stats[k]) for k in ("min", "max", "mean")) and stats["last"] == 5.0


# -- folding rows in batches -------------------------------------------------------------------

_PATHS = [("a",), ("b",), ("a", "x"), ("n", "y"), ("n",), ("_step",)]
_value = st.one_of(st.none(), st.integers(-3, 3), st.floats(allow_nan=True), st.text(max_size=2))
_op = st.one_of(
    st.tuples(st.just("row"), st.lists(st.tuples(st.sampled_from(_PATHS[:5]), _value),
                                       max_size=4).map(dict)),
    st.tuples(st.just("same"), st.lists(_value, min_size=4, max_size=4)),  # the same keys
    st.tuples(st.just("set"), st.sampled_from(_PATHS), _value),
    st.tuples(st.just("remove"), st.sampled_from(_PATHS)),
    st.tuples(st.just("define"), st.sampled_from(["a", "n.*", "b"])),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_op, max_size=40))
def test_rows_folded_in_batches_give_the_summary_of_rows_folded_one_by_one(ops):
    """A training loop's rows are folded in batches (covered rows skipped): the summary is
    the same as folding every row at once, through sets, removals, definitions and None."""
    batched, single = Summary(), Summary()
    values: dict = {}
    for step, op in enumerate(ops):
        kind = op[0]
        if kind in ("row", "same"):
            values = op[1] if kind == "row" else dict(zip(values, op[1]))
            row = Row(step, 1000.0 + step, float(step), dict(values))
            batched.apply_row(row)
            single.apply_row(row)
            single.leaves()  # folds this row alone
        elif kind == "set":
            for s in (batched, single):
                s.set(op[1], op[2])
        elif kind == "remove":
            for s in (batched, single):
                s.remove(op[1])
        else:
            metric = MetricDefined(op[1], summary=("min", "max", "last"))
            for s in (batched, single):
                s.define(metric)
    assert repr(batched.leaves()) == repr(single.leaves())  # repr: NaN equals NaN



@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from(_PATHS[:5]), _value), max_size=4).map(dict),
                max_size=30), st.lists(st.integers(1, 5), min_size=1))
def test_rows_applied_in_bulk_give_the_summary_of_rows_applied_one_by_one(rows, sizes):
    """The files backend folds a written batch with ``apply_rows``: the same summary, key
    order included, as ``apply_row`` for each row and a read after each."""
    bulk, single = Summary(), Summary()
    records = [Row(i, 1000.0 + i, float(i), dict(v)) for i, v in enumerate(rows)]
    start = 0
    for size in sizes * len(records):
        if start >= len(records):
            break
        bulk.apply_rows(records[start:start + size])
        start += size
    for row in records:
        single.apply_row(row)
        single.leaves()
    assert repr(bulk.leaves()) == repr(single.leaves())
