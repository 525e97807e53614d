"""define_metric names (exact, ``prefix*``, escaped dots, ``_`` keys) mean the same to the run,
the summary and the TensorBoard backend: one matcher, ``runlog.typespec.metrics``."""

from __future__ import annotations

from pathlib import Path

import pytest
from runlog.typespec.metrics import MetricMatcher, split_metric_name
from runlog.typespec.records import MetricDefined, Row
from test_tb_support import T0, read, scalars, write_all


@pytest.mark.parametrize(("name", "path"), [
    ("loss", ("loss",)),
    ("val.acc", ("val", "acc")),
    ("val\\.acc", ("val.acc",)),
    ("a\\.b.c", ("a.b", "c")),
    ("a\\b", ("a\\b",)),
])
def test_dotted_names_are_paths_and_an_escaped_dot_is_a_literal_one(name, path):
    assert split_metric_name(name) == path


def test_exact_names_beat_globs_and_the_first_glob_wins():
    m: MetricMatcher[str] = MetricMatcher()
    m.add("val/*", "val glob")
    m.add("v*", "v glob")
    m.add("val/loss", "exact")
    m.add("train.*", "train glob")
    assert m.get(("val/loss",)) == "exact"
    assert m.get(("val/acc",)) == "val glob"
    assert m.get(("vx",)) == "v glob"
    assert m.get(("train", "loss")) == "train glob"  # a glob matches the dotted key
    assert m.get(("loss",)) is None


def test_globs_never_match_underscore_keys_but_exact_names_do():
    m: MetricMatcher[str] = MetricMatcher()
    m.add("*", "everything")
    assert m.get(("_step",)) is None and m.get(("_runtime",)) is None
    assert m.get(("loss",)) == "everything"
    m.add("_step", "the step")
    assert m.get(("_step",)) == "the step"


def test_an_exact_name_with_a_none_value_still_shadows_a_glob():
    m: MetricMatcher[str | None] = MetricMatcher()
    m.add("val/*", "synced")
    m.add("val/acc", None)
    assert m.get(("val/acc",)) is None and m.get(("val/loss",)) == "synced"


def test_a_later_definition_is_seen_by_cached_lookups():
    m: MetricMatcher[int] = MetricMatcher()
    assert m.get(("a",)) is None
    m.add("a*", 1)
    assert m.get(("a",)) == 1
    m.add("a", 2)
    assert m.get(("a",)) == 2


def test_an_escaped_name_gets_its_step_metric_synced_and_its_summary(mem_run):
    mem_run.define_metric("val\\.acc", step_metric="epoch", summary="max")
    for epoch, acc in enumerate([0.5, 0.9, 0.7]):
        mem_run.log({"epoch": epoch}, commit=False)
        mem_run.log({"loss": 1.0})
        mem_run.log({"val.acc": acc})  # a flat key with a dot: the row lacks "epoch"
    history = mem_run.backends["memory"].history
    assert [row["epoch"] for row in history if "val.acc" in row] == [0, 1, 2]
    assert mem_run.summary["val.acc"] == {"max": 0.9}


def test_tensorboard_plots_an_escaped_name_at_its_step_metric(tmp_path: Path):
    records = [MetricDefined("val\\.acc", step_metric="epoch")]
    for s in range(4):
        records.append(Row(s, T0 + s, float(s), {("epoch",): 10 * s, ("val.acc",): s / 10}))
    write_all(tmp_path, records)
    assert [step for step, _ in scalars(read(tmp_path), "val.acc")] == [0, 10, 20, 30]
