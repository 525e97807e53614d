"""The step/commit engine as a user sees it through ``run.log`` and the memory backend.

One test per row of wandb's step/commit table (``docs/guide.md``), the special keys,
``log({})``, ``finish()``, the stale-step policies, step validation, and the step/commit side of
every example on wandb's ``log`` reference page (``examples/reference_*.py``). Expected rows are
wandb 0.31's.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest
import runlog
from runlog.typespec.records import StaleRow

WANDB_STALE = (
    "Tried to log to step {step} that is less than the current step {cur}. "
    "Steps must be monotonically increasing, so this data will be ignored."
)


def make_run(**settings):
    return runlog.init(backends=["memory"], settings={"handle_signals": False, **settings})


def stale_warnings(caught):
    """The stale-step warnings among ``caught``. Only they count: while a block records, the
    garbage collector (closing a file an earlier test left open: ResourceWarning) or another
    thread may add warnings of its own."""
    return [w for w in caught if w.category is runlog.StaleStepWarning]


def rows(run):
    """History rows without the wall-clock keys (``_runtime``, ``_timestamp``)."""
    return [
        {k: v for k, v in row.items() if k not in ("_runtime", "_timestamp")}
        for row in run.backends["memory"].history
    ]


# -- the step/commit table, one test per row ------------------------------------------------


@pytest.mark.parametrize("commit", [None, True])
def test_no_step_commits_at_cur_and_advances(mem_run, commit):
    mem_run.log({"a": 1}, commit=commit)
    assert rows(mem_run) == [{"a": 1, "_step": 0}]
    assert mem_run.step == 1
    mem_run.log({"a": 2}, commit=commit)
    assert rows(mem_run) == [{"a": 1, "_step": 0}, {"a": 2, "_step": 1}]
    assert mem_run.step == 2


def test_no_step_commit_false_merges_without_committing(mem_run):
    mem_run.log({"loss": 0.2}, commit=False)
    mem_run.log({"lr": 0.1}, commit=False)
    assert rows(mem_run) == []
    assert mem_run.step == 0
    mem_run.log({"acc": 0.8})
    assert rows(mem_run) == [{"loss": 0.2, "lr": 0.1, "acc": 0.8, "_step": 0}]
    assert mem_run.step == 1


@pytest.mark.parametrize("commit", [None, False])
def test_higher_step_commits_open_row_then_opens_a_row_at_step(mem_run, commit):
    mem_run.log({"a": 1}, commit=False)
    mem_run.log({"b": 2}, step=5, commit=commit)
    assert rows(mem_run) == [{"a": 1, "_step": 0}]  # the open row, at the old step
    assert mem_run.step == 5
    mem_run.log({"c": 3}, step=5, commit=commit)  # the row at 5 is still open
    assert mem_run.step == 5
    mem_run.log({"d": 4}, step=6, commit=commit)
    assert rows(mem_run) == [{"a": 1, "_step": 0}, {"b": 2, "c": 3, "_step": 5}]
    assert mem_run.step == 6


@pytest.mark.parametrize("commit", [None, False])
def test_higher_step_without_open_row_only_moves_the_step(mem_run, commit):
    """wandb: ``cur := step`` even when nothing is pending (obs:step_jump_without_pending)."""
    mem_run.log({"a": 1})
    mem_run.log({"b": 2}, step=10, commit=commit)
    assert rows(mem_run) == [{"a": 1, "_step": 0}]
    assert mem_run.step == 10
    mem_run.log({"c": 3})
    assert rows(mem_run) == [{"a": 1, "_step": 0}, {"b": 2, "c": 3, "_step": 10}]
    assert mem_run.step == 11


def test_higher_step_commit_true_commits_old_row_then_the_new_one(mem_run):
    mem_run.log({"a": 1}, commit=False)
    mem_run.log({"b": 2}, step=7, commit=True)
    assert rows(mem_run) == [{"a": 1, "_step": 0}, {"b": 2, "_step": 7}]
    assert mem_run.step == 8
    mem_run.log({"c": 3}, step=9, commit=True)  # nothing open: only the row at 9
    assert rows(mem_run)[2:] == [{"c": 3, "_step": 9}]
    assert mem_run.step == 10


@pytest.mark.parametrize("commit", [None, False])
def test_equal_step_merges_into_the_open_row(mem_run, commit):
    mem_run.log({"a": 1}, step=3)
    mem_run.log({"b": 2}, step=3, commit=commit)
    assert rows(mem_run) == []
    assert mem_run.step == 3
    mem_run.log({"c": 3})
    assert rows(mem_run) == [{"a": 1, "b": 2, "c": 3, "_step": 3}]
    assert mem_run.step == 4


def test_equal_step_commit_true_merges_and_commits(mem_run):
    """obs:explicit_step_equal_commit_true."""
    mem_run.log({"a": 1}, commit=False)
    mem_run.log({"b": 2}, step=0, commit=True)
    assert rows(mem_run) == [{"a": 1, "b": 2, "_step": 0}]
    assert mem_run.step == 1
    mem_run.log({"c": 3}, step=1, commit=True)
    assert rows(mem_run)[1:] == [{"c": 3, "_step": 1}]
    assert mem_run.step == 2


@pytest.mark.parametrize("commit", [None, False, True])
def test_lower_step_is_rejected_whole(commit):
    run = make_run(on_stale_step="keep")
    run.log({"a": 1}, step=5)  # open row at 5
    run.log({"a": 99, "b": 99}, step=4, commit=commit)
    assert rows(run) == []  # commit=True committed nothing
    assert run.step == 5
    run.log({"c": 3})
    assert rows(run) == [{"a": 1, "c": 3, "_step": 5}]  # nothing of the stale call merged
    assert run.step == 6


# -- wandb's own cases ----------------------------------------------------------------------


def test_wandb_log_multiple_cases_example(mem_run):
    """wandb tests/system_tests test_log_multiple_cases_example."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mem_run.log(dict(n=1))
        mem_run.log(dict(n=11), commit=False)
        mem_run.log(dict(n=2), step=100)
        mem_run.log(dict(n=3), step=100)
        mem_run.log(dict(n=8), step=101)
        mem_run.log(dict(n=5), step=102)
        mem_run.log(dict(cool=2), step=2)
        mem_run.log(dict(cool=2), step=4)
    mem_run.finish()
    assert [r["n"] for r in rows(mem_run)] == [1, 11, 3, 8, 5]
    assert [r["_step"] for r in rows(mem_run)] == [0, 1, 100, 101, 102]
    assert all("cool" not in r for r in rows(mem_run))
    stale = [str(w.message) for w in stale_warnings(caught)]
    assert [s[: s.index("ignored.") + 8] for s in stale] == [
        WANDB_STALE.format(step=2, cur=102),
        WANDB_STALE.format(step=4, cur=102),
    ]


def test_wandb_log_step_uncommitted(mem_run):
    mem_run.log(dict(cool=2), step=2, commit=False)
    mem_run.log(dict(cool=2), step=4)
    mem_run.finish()
    assert rows(mem_run) == [{"cool": 2, "_step": 2}, {"cool": 2, "_step": 4}]


def test_wandb_log_step_committed_same_dropped():
    run = make_run(on_stale_step="keep")
    run.log(dict(cool=2), step=1)
    run.log(dict(cool=2), step=4, commit=True)
    run.log(dict(bad=3), step=4, commit=True)
    run.finish()
    assert rows(run) == [{"cool": 2, "_step": 1}, {"cool": 2, "_step": 4}]


def test_open_explicit_row_is_overwritten_by_a_following_implicit_log(mem_run):
    """obs:explicit_step_jump_then_implicit: ``log({a:2}, step=10); log({a:3})``."""
    mem_run.log({"a": 2}, step=10)
    mem_run.log({"a": 3})
    assert rows(mem_run) == [{"a": 3, "_step": 10}]
    assert mem_run.step == 11


def test_implicit_open_then_explicit_equal(mem_run):
    mem_run.log({"a": 1}, commit=False)
    mem_run.log({"b": 2}, step=0)
    assert rows(mem_run) == []
    assert mem_run.step == 0
    mem_run.log({"c": 3}, step=1)
    assert rows(mem_run) == [{"a": 1, "b": 2, "_step": 0}]
    assert mem_run.step == 1


def test_large_step(mem_run):
    mem_run.log({"a": 1}, step=2**40)
    mem_run.log({"a": 2})
    assert rows(mem_run) == [{"a": 2, "_step": 2**40}]
    assert mem_run.step == 2**40 + 1


def test_nested_merge_within_the_open_row(mem_run):
    """obs:nested_merge_within_open_row and nested_leaf_replaced_by_dict."""
    mem_run.log({"t": {"a": 1, "b": 2}}, commit=False)
    mem_run.log({"t": {"b": 3, "c": 4}}, commit=False)
    mem_run.log({"x": 1}, commit=False)
    mem_run.log({"x": {"y": 2}}, commit=False)  # a subtree replaces a leaf
    mem_run.log({"t": {"c": {"d": 5}}})
    assert rows(mem_run) == [{"t": {"a": 1, "b": 3, "c": {"d": 5}}, "x": {"y": 2}, "_step": 0}]
    mem_run.log({"t": {"a": 1}}, commit=False)
    mem_run.log({"t": 7})  # a leaf replaces a subtree
    assert rows(mem_run)[1] == {"t": 7, "_step": 1}


def test_keys_are_verbatim(mem_run):
    keys = ["a/b", "a.b", "with space", "ünïcode", "[glob*]", "_foo"]
    mem_run.log({k: i for i, k in enumerate(keys)})
    record = mem_run.backends["memory"].rows[0]
    assert set(record.values) == {(k,) for k in keys}
    assert {k: mem_run.summary[k] for k in keys} == {k: i for i, k in enumerate(keys)}


# -- special keys ----------------------------------------------------------------------------


def test_user_step_is_removed_runtime_overwritten_timestamp_kept(mem_run):
    mem_run.log({"a": 1, "_step": 123, "_runtime": -5.0, "_timestamp": 1000.5})
    (row,) = mem_run.backends["memory"].history
    assert row["_step"] == 0
    assert row["_timestamp"] == 1000.5
    assert isinstance(row["_runtime"], float) and 0 <= row["_runtime"] < 60
    assert set(row) == {"a", "_step", "_runtime", "_timestamp"}


def test_timestamp_is_the_time_of_the_last_call_in_a_merged_row(mem_run):
    mem_run.log({"a": 1, "_timestamp": 1000.0}, commit=False)
    before = time.time()
    mem_run.log({"b": 2})
    after = time.time()
    (row,) = mem_run.backends["memory"].history
    assert before <= row["_timestamp"] <= after


def test_runtime_is_seconds_since_init_at_commit(mem_run):
    mem_run.log({"a": 1})
    time.sleep(0.02)
    mem_run.log({"a": 2})
    first, second = mem_run.backends["memory"].history
    assert 0 <= first["_runtime"] < second["_runtime"]
    assert second["_runtime"] - first["_runtime"] >= 0.015


def test_only_special_keys_still_make_a_row(mem_run):
    mem_run.log({"_step": 4, "_runtime": 1.0})
    assert rows(mem_run) == [{"_step": 0}]


@pytest.mark.parametrize("data", [{}, {"a": {}}, {"a": {"b": {}}}])
def test_empty_log_commits_a_row(mem_run, data):
    """obs:empty_log_creates_row, nested_empty_dict."""
    before = time.time()
    mem_run.log(data)
    (row,) = mem_run.backends["memory"].history
    assert set(row) == {"_step", "_runtime", "_timestamp"}
    assert row["_step"] == 0 and row["_timestamp"] >= before
    assert mem_run.step == 1


def test_empty_log_with_a_higher_step_leaves_a_row_open(mem_run):
    mem_run.log({}, step=3, commit=False)
    assert rows(mem_run) == []
    mem_run.finish()
    assert rows(mem_run) == [{"_step": 3}]


# -- finish ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "calls, expected_rows, final_step",
    [
        ([({"a": 1}, None, False)], [{"a": 1, "_step": 0}], 1),  # pending_commit_false
        ([({"a": 1}, 5, None)], [{"a": 1, "_step": 5}], 6),  # pending_explicit_step
        (
            [({"a": 1}, None, False), ({"b": 2}, None, False), ({"a": 3}, None, False)],
            [{"a": 3, "b": 2, "_step": 0}],
            1,
        ),  # pending_many_commit_false
        ([({"a": 1}, None, None)], [{"a": 1, "_step": 0}], 1),  # nothing pending
    ],
)
def test_finish_commits_the_open_row(mem_run, calls, expected_rows, final_step):
    for data, step, commit in calls:
        mem_run.log(data, step=step, commit=commit)
    mem_run.finish()
    assert rows(mem_run) == expected_rows
    assert mem_run.step == final_step
    assert mem_run.backends["memory"].finished.final_step == final_step
    mem_run.finish()  # a second finish adds nothing
    assert rows(mem_run) == expected_rows


def test_log_after_finish_raises_and_logs_nothing(mem_run):
    mem_run.log({"a": 1})
    mem_run.finish()
    with pytest.raises(runlog.FinishedRunError, match=mem_run.id):
        mem_run.log({"a": 2})
    with pytest.raises(runlog.FinishedRunError):
        mem_run.log({"a": 2}, step=9)
    assert rows(mem_run) == [{"a": 1, "_step": 0}]
    assert mem_run.step == 1


# -- stale steps -----------------------------------------------------------------------------


def test_stale_warn_is_wandbs_message_then_runlogs_remedy(mem_run):
    mem_run.log({"a": 1}, step=5)
    with pytest.warns(runlog.StaleStepWarning) as caught:
        mem_run.log({"a": 2, "b": {"c": 3}}, step=2)
    (warning,) = stale_warnings(caught)
    text = str(warning.message)
    assert text.startswith(WANDB_STALE.format(step=2, cur=5) + " ")
    assert "on_stale_step" in text and "define_metric" in text
    assert warning.filename == __file__  # it points at the user's call
    assert issubclass(runlog.StaleStepWarning, UserWarning)
    stats = mem_run.stats
    assert (stats["stale_calls"], stats["stale_keys"], stats["rows"]) == (1, 2, 0)
    (stale,) = mem_run.backends["memory"].stale
    assert stale.step == 2 and stale.current_step == 5 and stale.policy == "warn"
    assert stale.values == {("a",): 2, ("b", "c"): 3}
    mem_run.finish()
    assert rows(mem_run) == [{"a": 1, "_step": 5}]


def test_stale_keep_is_silent_and_keeps_the_data_as_a_stale_row():
    run = make_run(on_stale_step="keep")
    run.log({"a": 1})
    run.log({"a": 2})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run.log({"a": 0.5, "z": 1}, step=0, commit=True)
        run.log({"a": 0.7}, step=1)
    assert run.step == 2
    assert rows(run) == [{"a": 1, "_step": 0}, {"a": 2, "_step": 1}]
    stale = run.backends["memory"].stale
    assert [(s.step, s.current_step, s.values, s.policy) for s in stale] == [
        (0, 2, {("a",): 0.5, ("z",): 1}, "keep"),
        (1, 2, {("a",): 0.7}, "keep"),
    ]
    assert all(isinstance(s.timestamp, float) for s in stale)
    assert run.stats["stale_calls"] == 2 and run.stats["stale_keys"] == 3
    assert run.summary["a"] == 2  # stale data never reaches the summary


def test_stale_raise_raises_and_changes_nothing_but_the_counts():
    run = make_run(on_stale_step="raise")
    run.log({"a": 1}, step=3, commit=False)
    with pytest.raises(runlog.StaleStepError) as info:
        run.log({"b": 2, "c": 3}, step=1, commit=True)
    assert isinstance(info.value, runlog.Error) and isinstance(info.value, ValueError)
    assert str(info.value).startswith(WANDB_STALE.format(step=1, cur=3))
    assert run.step == 3
    assert run.backends["memory"].stale == []
    assert (run.stats["stale_calls"], run.stats["stale_keys"]) == (1, 2)
    run.finish()
    assert rows(run) == [{"a": 1, "_step": 3}]


def test_stale_check_is_strictly_lower(mem_run):
    mem_run.log({"a": 1}, step=2, commit=True)  # cur is now 3
    with pytest.warns(runlog.StaleStepWarning, match="step 2 that is less than the current step 3"):
        mem_run.log({"a": 2}, step=2)
    mem_run.log({"a": 3}, step=3)
    mem_run.finish()
    assert rows(mem_run) == [{"a": 1, "_step": 2}, {"a": 3, "_step": 3}]


def test_stale_records_reach_the_memory_backend_in_log_order():
    run = make_run(on_stale_step="keep")
    run.log({"a": 1})
    run.log({"b": 1}, step=0)
    run.log({"c": 1})
    kinds = [type(r).__name__ for r in run.backends["memory"].records]
    assert kinds[kinds.index("Row") :] == ["Row", "StaleRow", "Row"]
    assert isinstance(run.backends["memory"].records[kinds.index("StaleRow")], StaleRow)


# -- step validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "step", [2.0, 1.5, True, False, -1, np.float64(3.0), "3", np.bool_(True), [1]]
)
def test_invalid_step_is_a_data_error_that_logs_nothing(mem_run, step):
    mem_run.log({"a": 1}, commit=False)
    with pytest.raises(runlog.DataError) as info:
        mem_run.log({"b": 2}, step=step)
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)
    message = str(info.value)
    assert "step" in message and type(step).__name__ in message and "int" in message
    assert mem_run.step == 0
    mem_run.log({"c": 3})
    assert rows(mem_run) == [{"a": 1, "c": 3, "_step": 0}]
    assert mem_run.stats["stale_calls"] == 0


@pytest.mark.parametrize("step", [np.int64(4), np.int32(4), np.uint8(4), np.int16(4)])
def test_numpy_integer_steps_are_accepted(mem_run, step):
    mem_run.log({"a": 1}, step=step, commit=True)
    assert mem_run.step == 5
    (record,) = mem_run.backends["memory"].rows
    assert record.step == 4 and type(record.step) is int


def test_step_zero_on_a_new_run_is_the_current_step(mem_run):
    mem_run.log({"a": 1}, step=0)
    assert rows(mem_run) == [] and mem_run.step == 0
    mem_run.log({"b": 1}, step=0, commit=True)
    assert rows(mem_run) == [{"a": 1, "b": 1, "_step": 0}]


@pytest.mark.parametrize("bad", ["yes", 2, 1.0, np.array([1, 0])])
def test_commit_must_be_a_bool_or_none(mem_run, bad):
    with pytest.raises(runlog.DataError, match="commit"):
        mem_run.log({"a": 1}, commit=bad)
    assert mem_run.step == 0 and rows(mem_run) == []


def test_commit_accepts_numpy_bools_and_zero_or_one(mem_run):
    mem_run.log({"a": 1}, commit=np.False_)
    mem_run.log({"b": 1}, commit=0)
    assert rows(mem_run) == []
    mem_run.log({"c": 1}, commit=1)
    assert rows(mem_run) == [{"a": 1, "b": 1, "c": 1, "_step": 0}]


@pytest.mark.parametrize("data", [None, 10, [("a", 1)], "a=1"])
def test_data_must_be_a_mapping(mem_run, data):
    with pytest.raises(runlog.DataError, match=type(data).__name__):
        mem_run.log(data)
    assert mem_run.step == 0 and rows(mem_run) == []


def test_top_level_keys_must_be_strings_and_a_failed_call_consumes_no_step(mem_run):
    mem_run.log({"a": 1}, commit=False)
    with pytest.raises(runlog.DataError, match="int") as info:
        mem_run.log({1: 2, "b": 3})
    assert "str" in str(info.value)
    mem_run.log({"c": 1})
    assert rows(mem_run) == [{"a": 1, "c": 1, "_step": 0}]


def test_a_bad_value_rejects_the_whole_call(mem_run):
    with pytest.raises(runlog.DataError, match="'bad'"):
        mem_run.log({"good": 1, "bad": object()})
    mem_run.log({"x": 1})
    assert rows(mem_run) == [{"x": 1, "_step": 0}]


def test_non_dict_mappings_are_accepted(mem_run):
    from types import MappingProxyType

    mem_run.log(MappingProxyType({"a": 1, "b": {"c": 2}}))
    assert rows(mem_run) == [{"a": 1, "b": {"c": 2}, "_step": 0}]


def test_module_level_log_follows_the_same_rules():
    run = make_run()
    runlog.log({"a": 1}, commit=False)
    runlog.log({"b": 2}, step=4)
    runlog.log({"c": 3})
    assert rows(run) == [{"a": 1, "_step": 0}, {"b": 2, "c": 3, "_step": 4}]
    with pytest.warns(runlog.StaleStepWarning) as caught:
        runlog.log({"d": 1}, step=1)
    assert [w.filename for w in stale_warnings(caught)] == [__file__]
    runlog.finish()
    assert run.step == 5


# -- the reference page's examples, as far as steps and commits go ----------------------------


def test_reference_basic_usage(mem_run):
    mem_run.log({"accuracy": 0.9, "epoch": 5})
    assert rows(mem_run) == [{"accuracy": 0.9, "epoch": 5, "_step": 0}]
    assert mem_run.summary["accuracy"] == 0.9 and mem_run.summary["epoch"] == 5


def test_reference_incremental_logging_equals_one_call():
    split = make_run()
    split.log({"train-loss": 0.5}, commit=False)
    split.log({"accuracy": 0.9})
    split.finish()
    joined = make_run()
    joined.log({"train-loss": 0.5, "accuracy": 0.9})
    joined.finish()
    assert rows(split) == rows(joined) == [{"train-loss": 0.5, "accuracy": 0.9, "_step": 0}]
    assert split.step == joined.step == 1


def test_reference_nested_metrics(mem_run):
    mem_run.log({"train": {"acc": 0.9}, "val": {"acc": 0.8}})
    assert rows(mem_run) == [{"train": {"acc": 0.9}, "val": {"acc": 0.8}, "_step": 0}]
    assert mem_run.backends["memory"].keys() == ["train/acc", "val/acc"]


def test_reference_histogram(mem_run):
    gradients = np.random.default_rng(0).standard_normal((100, 100))
    mem_run.log({"gradients": runlog.Histogram(gradients)})
    ((step, hist),) = mem_run.backends["memory"].values("gradients")
    assert step == 0 and mem_run.step == 1
    counts, edges = np.histogram(gradients, bins=64)
    assert hist.values == counts.tolist()
    assert hist.bins == pytest.approx(edges.tolist())


def _image_examples():
    """The reference page's numpy and PIL image examples."""
    from PIL import Image as PILImage

    rng = np.random.default_rng(0)
    from_numpy = [
        runlog.Image(rng.integers(0, 256, size=(100, 100, 3)), caption=f"random field {i}")
        for i in range(3)
    ]
    from_pil = [
        runlog.Image(
            PILImage.fromarray(rng.integers(0, 256, (100, 100, 3), dtype=np.uint8), mode="RGB"),
            caption=f"random field {i}",
        )
        for i in range(3)
    ]
    return from_numpy, from_pil


def test_reference_images(mem_run):
    pytest.importorskip("runlog.typespec.media.image")
    for examples in _image_examples():
        mem_run.log({"examples": examples})
    values = mem_run.backends["memory"].values("examples")
    assert [step for step, _ in values] == [0, 1]
    assert mem_run.step == 2
    for _, sequence in values:
        assert sequence.kind == "image" and len(sequence) == 3


def test_reference_video(mem_run):
    pytest.importorskip("runlog.typespec.media.video")
    frames = np.random.default_rng(0).integers(0, 256, (10, 3, 100, 100), dtype=np.uint8)
    mem_run.log({"video": runlog.Video(frames, fps=4)})
    ((step, video),) = mem_run.backends["memory"].values("video")
    assert step == 0 and video.kind == "video" and mem_run.step == 1


def test_reference_matplotlib_chart(mem_run):
    pytest.importorskip("runlog.typespec.media.image")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots()
    x = np.linspace(0, 10)
    ax.plot(x, x * x)
    mem_run.log({"chart": fig})
    plt.close(fig)
    ((step, chart),) = mem_run.backends["memory"].values("chart")
    assert step == 0 and chart.kind == "image" and mem_run.step == 1


def test_reference_pr_curve(mem_run):
    pytest.importorskip("runlog.typespec.media.plot")
    y_test = [0, 1, 1, 0, 1, 0]
    y_probas = [[0.8, 0.2], [0.3, 0.7], [0.4, 0.6], [0.6, 0.4], [0.1, 0.9], [0.7, 0.3]]
    mem_run.log({"pr": runlog.plot.pr_curve(y_test, y_probas, ["neg", "pos"])})
    ((step, chart),) = mem_run.backends["memory"].values("pr")
    assert step == 0 and chart.kind == "plot" and mem_run.step == 1


def test_reference_3d_objects(mem_run, tmp_path):
    pytest.importorskip("runlog.typespec.media.object3d")
    obj = tmp_path / "sample.obj"
    obj.write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    with open(obj) as first, open(obj) as second:
        mem_run.log({"generated_samples": [runlog.Object3D(first), runlog.Object3D(second)]})
    ((step, sequence),) = mem_run.backends["memory"].values("generated_samples")
    assert step == 0 and sequence.kind == "object3d" and len(sequence) == 2
    assert mem_run.step == 1


def test_the_engine_itself_rejects_a_stale_call_and_changes_nothing():
    from runlog._engine import TIMESTAMP, StepEngine

    engine = StepEngine(start_step=5)
    assert engine.log({("a",): 1, TIMESTAMP: 0.0}, None, False) == []  # opens the row at 5
    assert engine.log({("b",): 2, TIMESTAMP: 1.0}, 4, True) is None  # stale: nothing changes
    assert engine.cur == 5 and engine.pending == {("a",): 1, TIMESTAMP: 0.0}
    assert engine.log({("c",): 3, TIMESTAMP: 2.0}, 5, True) == [
        (5, {("a",): 1, ("c",): 3, TIMESTAMP: 2.0})
    ]
    assert engine.cur == 6
