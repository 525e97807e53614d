"""Property: whatever log() is given, the call either raises DataError or the row reads back
equal from memory, files (runlog.read) and tb (TensorBoard's reader, for numbers); and no row
around it is lost. Arbitrary text (lone surrogates, NUL, any unicode) in keys and values,
nesting, and numbers (ints beyond 2**63 and beyond float, NaN, ±inf, -0.0)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import runlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runlog.backends.tb.tags import encode
from test_tb_support import read

SPECIAL = ("_step", "_runtime", "_timestamp")
INT64 = 2**63

chars = st.characters() | st.sampled_from(["\ud800", "\udcff", "\x00", "/", ".", "é", "日"])
texts = st.lists(chars, max_size=6).map("".join)
keys = texts.filter(lambda k: k not in SPECIAL)
numbers = (
    st.integers(-(2**70), 2**70)
    | st.sampled_from([INT64 - 1, INT64, -INT64, -INT64 - 1, 10**400, -(10**400)])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([-0.0, math.nan, math.inf, -math.inf, 5e-324, 1.7976931348623157e308])
)
leaves = numbers | texts | st.booleans() | st.none()
values = st.recursive(
    leaves, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(keys, kids, max_size=3),
    max_leaves=8,
)
rows = st.dictionaries(keys, values, max_size=4)


def writable(value, top=True) -> bool:
    """Whether every backend can write ``value``: UTF-8 text, ints within float's range
    (what sits under a "" key of the logged dicts is dropped, so it does not count)."""
    if isinstance(value, str):
        return not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if type(value) is int:
        return abs(value) < 2**1024
    if isinstance(value, list):
        return all(writable(v, top=False) for v in value)
    if isinstance(value, dict):
        return all(writable(k) and writable(v, top=top) for k, v in value.items()
                   if k or not top)
    return True


def expected(value, top=True):
    """What reads back: ints beyond int64 as floats; "" keys and empty dicts dropped while
    flattening (inside lists a dict is kept as it is)."""
    if type(value) is int and not -INT64 <= value < INT64:
        return float(value)
    if isinstance(value, list):
        return [expected(v, top=False) for v in value]
    if isinstance(value, dict):
        if not top:
            return {k: expected(v, top=False) for k, v in value.items()}
        out = {}
        for k, v in value.items():
            if not k:
                continue
            v = expected(v, top=isinstance(v, dict))
            if not (isinstance(v, dict) and not v):
                out[k] = v
        return out
    return value


def same(a, b) -> bool:
    """Equal, with NaN equal to NaN, -0.0 told from 0.0, and int told from float."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) ==
                                                     math.copysign(1, b))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def user(row):
    return {k: v for k, v in row.items() if k not in SPECIAL}


def numeric_leaves(tree, path=()):
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            yield from numeric_leaves(value, (*path, key))
        elif type(value) in (int, float, bool):
            yield (*path, key), value


def test_log_either_refuses_or_reads_back_equal_everywhere(tmp_path):
    run = runlog.init(project="p", id="prop", dir=tmp_path,
                      backends=["memory", "files", {"tb": {"flush_secs": 0}}])
    accepted = []  # (step, expected user values)
    refused = [0]

    @settings(max_examples=100, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=rows)
    def log_one(data):
        run.log({"guard": run.step})
        step = run.step
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dropped "" keys warn
            try:
                run.log(data)
            except runlog.DataError:
                refused[0] += 1
                assert not writable(data), data
                return
        want = expected(data)
        assert writable(data), data
        assert same(user(run.backends["memory"].history[-1]), want), (data, want)
        accepted.append((step, want))

    log_one()
    run.finish()
    assert accepted and refused[0]  # both outcomes were exercised

    history = runlog.read(run.dir).history
    assert runlog.read(run.dir).status == "finished"
    guards = [r["guard"] for r in history if "guard" in r]
    assert guards == sorted(guards) and len(guards) == len(history) - len(accepted)
    by_step = {r["_step"]: r for r in history}
    for step, want in accepted:
        assert same(user(by_step[step]), want), (step, want, by_step[step])
    assert [r["_step"] for r in history] == list(range(len(history)))

    acc = read(run.dir)
    tb_tags = set(acc.Tags()["scalars"])
    for step, want in accepted:
        flat = ["/".join(path) for path, _ in numeric_leaves(want)]
        for path, value in numeric_leaves(want):
            tag = encode("/".join(path))
            if flat.count("/".join(path)) > 1:
                continue  # two keys of one row share a TensorBoard name: one is kept (warned)
            assert tag in tb_tags, (tag, want)
            got = [e.value for e in acc.Scalars(tag) if e.step == step]
            assert len(got) == 1, (tag, step, got)
            with np.errstate(over="ignore"):  # TensorBoard keeps float32: 1e300 is inf there
                want32 = float(np.float32(value))
            assert same(float(got[0]), want32), (tag, value, got)
    assert all(s["errors"] == 0 and s["state"] == "ok" for s in run.stats["backends"].values())
