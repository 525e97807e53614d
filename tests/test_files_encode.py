"""The files backend's batch encoder writes exactly what the general path writes: the same
JSON for every row, whether its numbers go through the templates (a key set seen before) or
not, including NaN, ±inf, -0.0, integers beyond 2**53 and 2**64, bools and unicode keys."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st
from runlog.backends.files.encode import BatchEncoder
from runlog.backends.files.format import HISTORY, RECORDS, STALE, history_line
from runlog.typespec.jsonform import dumps, loads, record_from_json, record_to_json
from runlog.typespec.records import Row, StaleRow


def _store(payload):
    return f"media/{payload.filename}"


numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 0.0, 1e16, 1e-7, 5e-324]),
    st.integers(),
    st.integers(min_value=2**53 - 2, max_value=2**53 + 2),
    st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**70, -(2**63), -(2**64)]),
    st.booleans(),
)
segment = st.text(min_size=1, max_size=6)
paths = st.lists(st.tuples(segment) | st.tuples(segment, segment), min_size=0, max_size=6,
                 unique=True)


def _same_json(line: bytes, expected: str) -> None:
    """Equal as parsed JSON, compared by repr so that NaN equals NaN and -0.0 is not 0.0."""
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert repr(json.loads(line)) == repr(json.loads(expected))


@settings(max_examples=150, deadline=None)
@given(keys=paths, other=paths, data=st.data())
def test_rows_encode_as_the_general_path_writes_them(keys, other, data):
    encoder = BatchEncoder(_store)
    rows = [
        Row(step, data.draw(st.floats(0, 2e9)), data.draw(st.floats(0, 1e6)),
            {path: data.draw(numbers) for path in (other if step in (2, 6) else keys)})
        for step in range(9)  # first sightings, then runs of template rows between others
    ]
    split = data.draw(st.integers(0, len(rows)))  # two batches, cut anywhere
    out = encoder.encode(rows[:split])
    more = encoder.encode(rows[split:])
    assert out[STALE] == more[STALE] == b""
    record_lines = (out[RECORDS] + more[RECORDS]).splitlines(keepends=True)
    history_lines = (out[HISTORY] + more[HISTORY]).splitlines(keepends=True)
    assert len(record_lines) == len(history_lines) == len(rows)
    for row, rec, hist in zip(rows, record_lines, history_lines):
        _same_json(rec, dumps(record_to_json(row, _store)))
        _same_json(hist, dumps(history_line(row, _store)))
        back = record_from_json(loads(rec))
        assert repr(back) == repr(row)  # the exact values and types come back


def test_a_key_set_with_other_values_takes_the_general_path_again():
    encoder = BatchEncoder(_store)
    rows = [Row(i, 1.5, 0.25, {("a",): 1.0, ("b",): 2}) for i in range(3)]
    rows.append(Row(3, 1.5, 0.25, {("a",): "text, with a comma", ("b",): None}))
    rows.append(StaleRow(1, 4, 1.5, {("a",): 1.0}, "keep"))
    out = encoder.encode(rows)
    history = [json.loads(x) for x in out[HISTORY].splitlines()]
    assert history[3] == {"a": "text, with a comma", "b": None, "_step": 3, "_runtime": 0.25,
                          "_timestamp": 1.5}
    assert [h["a"] for h in history[:3]] == [1.0, 1.0, 1.0]
    assert [json.loads(x)["type"] for x in out[RECORDS].splitlines()] == ["row"] * 4 + [
        "stale_row"]
    assert json.loads(out[STALE])["values"] == {"a": 1.0}


def test_special_numbers_are_literals_in_template_lines():
    encoder = BatchEncoder(_store)
    rows = [Row(i, 1.0, 0.0, {("x",): v, ("big",): 2**70, ("z",): -0.0})
            for i, v in enumerate([1.0, math.nan, math.inf, -math.inf])]
    lines = encoder.encode(rows)[HISTORY].decode().splitlines()
    assert lines[1].startswith('{"x":NaN,"big":1180591620717411303424,"z":-0.0,')
    assert lines[2].startswith('{"x":Infinity,') and lines[3].startswith('{"x":-Infinity,')
