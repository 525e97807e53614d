"""Rows of numbers reach TensorBoard as the protobuf library itself would serialize them: the
packed events are byte for byte ``Event(...).SerializeToString()``, and read back with
TensorBoard's EventAccumulator they hold every value."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from runlog.backends.tb.scalars import ScalarRows
from tensorboardX.proto.event_pb2 import Event
from tensorboardX.proto.summary_pb2 import Summary

numbers = st.one_of(
    st.floats(width=32), st.floats(), st.integers(-(2**70), 2**70), st.booleans(),
    st.sampled_from([0.0, -0.0, math.nan, -math.nan, math.inf, -math.inf, 3.4028235e38,
                     3.5e38, 1e-46, 2**63, -(2**63) - 1]),
)


def expected(step, walltime, tags, values):
    try:
        event = Event(step=step, wall_time=walltime, summary=Summary(value=[
            Summary.Value(tag=t, simple_value=v) for t, v in zip(tags, values)]))
        return event.SerializeToString()
    except (ValueError, OverflowError, TypeError):
        return None


@settings(max_examples=300, deadline=None)
@given(tags=st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=6, unique=True),
       data=st.data(),
       step=st.integers(0, 2**63 - 1) | st.integers(0, 20_000)
       | st.sampled_from([0, 1, 127, 128, 16_383, 16_384, 2**62]),
       walltime=st.floats(allow_nan=False) | st.sampled_from([0.0, -0.0, 1.7e9]))
def test_packed_events_are_what_protobuf_serializes(tags, data, step, walltime):
    values = {(t,): data.draw(numbers) for t in tags}
    packed = ScalarRows().event(step, walltime, values, {(t,): t for t in tags})
    want = expected(step, walltime, tags, list(values.values()))
    if packed is not None:  # None: the general path renders it (protobuf decides)
        assert packed == want


def test_rows_the_packer_cannot_take_go_to_the_general_path():
    rows = ScalarRows()
    tags = {("a",): "a", ("b",): "b"}
    assert rows.event(1, 1.0, {("a",): 1.0, ("b",): "text"}, tags) is None
    assert rows.event(1, 1.0, {("a",): 1.0, ("new",): 2.0}, tags) is None  # tag not known yet
    assert rows.event(1, 1.0, {("a",): 1e300}, tags) is None  # beyond float32
    assert rows.event(1, 1.0, {("a",): 1.0}, tags) is not None
    assert rows.event(1, 1.0, {("a",): 1.0, ("b",): 2.0}, {**tags, ("b",): "a"}) is None


def test_a_long_run_of_number_rows_reads_back_exactly(tmp_path: Path) -> None:
    import runlog
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = runlog.init(project="p", dir=tmp_path, backends=["tb"],
                      settings={"handle_signals": False})
    for step in range(300):
        run.log({"loss": 1 / (step + 1), "acc": step / 300, "flag": step % 2 == 0,
                 "n": step, "nested": {"x": -step * 0.5}})
    run.finish()
    acc = EventAccumulator(str(tmp_path / "p" / run.id), size_guidance={"scalars": 0})
    acc.Reload()
    assert {"loss", "acc", "flag", "n", "nested/x"} <= set(acc.Tags()["scalars"])
    for tag, fn in (("loss", lambda s: 1 / (s + 1)), ("acc", lambda s: s / 300),
                    ("flag", lambda s: float(s % 2 == 0)), ("n", float),
                    ("nested/x", lambda s: -s * 0.5)):
        events = acc.Scalars(tag)
        assert [e.step for e in events] == list(range(300))
        assert [e.value for e in events] == [pytest.approx(fn(s), rel=1e-6) for s in range(300)]
