"""Random sequences of log / summary set / summary del / finish against a tiny reference model.

The model below is written from wandb's step/commit and summary rules (its handler.go table and
path tree, as ``docs/guide.md`` states them), independently of ``runlog``'s engine: history
rows, ``run.step`` after every call, stale counts, and the summary at the end must all match.
"""

from __future__ import annotations

import warnings

import pytest
import runlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

KEYS = ["a", "b", "c", "x/y"]
SUB = ["p", "q"]
WALL_CLOCK = ("_runtime", "_timestamp")

leaf_values = st.one_of(
    st.integers(-5, 5),
    st.none(),
    st.floats(allow_nan=False, width=32),
    st.text(alphabet="uv", max_size=2),
)
values = st.recursive(
    leaf_values,
    lambda inner: st.dictionaries(st.sampled_from(SUB), inner, max_size=2),
    max_leaves=4,
)
log_data = st.tuples(
    st.dictionaries(st.sampled_from(KEYS), values, max_size=3),
    st.dictionaries(st.sampled_from(["_step", "_runtime"]), st.integers(0, 9), max_size=1),
).map(lambda parts: {**parts[0], **parts[1]})
log_op = st.tuples(
    st.just("log"),
    log_data,
    st.one_of(st.none(), st.none(), st.integers(0, 14)),
    st.sampled_from([None, None, True, False]),
)
set_op = st.tuples(
    st.just("set"),
    st.sampled_from(KEYS),
    # int64: a larger int becomes a float in every IR value (tested with the value rules)
    st.one_of(st.none(), st.integers(-3, 3),
              st.dictionaries(st.sampled_from(SUB), st.integers(-(2**63), 2**63 - 1))),
)
del_op = st.tuples(st.just("del"), st.sampled_from(KEYS))
operations = st.lists(st.one_of(log_op, log_op, log_op, set_op, del_op), max_size=14)


# -- the reference model ---------------------------------------------------------------------


def put(tree, path, value):
    """Set a leaf: a leaf at a prefix of ``path`` and any leaves under ``path`` disappear."""
    for other in list(tree):
        is_prefix = len(other) < len(path) and path[: len(other)] == other
        is_below = len(other) > len(path) and other[: len(path)] == path
        if is_prefix or is_below:
            del tree[other]
    tree[path] = value


def leaves_of(data, prefix=()):
    out = {}
    for key, value in data.items():
        if not prefix and key in ("_step", "_runtime"):
            continue  # _step is removed, _runtime is set at commit
        if isinstance(value, dict):
            out.update(leaves_of(value, (*prefix, key)))
        else:
            out[(*prefix, key)] = value
    return out


def nested(leaves):
    out = {}
    for path, value in leaves.items():
        node = out
        for seg in path[:-1]:
            node = node.setdefault(seg, {})
        node[path[-1]] = value
    return out


class Model:
    """``cur``, the open row ``P`` (None when empty), committed rows and the summary leaves."""

    def __init__(self):
        self.cur = 0
        self.open = None
        self.rows = []
        self.summary = {}
        self.stale = 0

    def log(self, data, step, commit):
        """Returns False when the call is stale (rejected whole)."""
        if step is not None and step < self.cur:
            self.stale += 1
            return False
        if step is not None and step > self.cur:
            if self.open is not None:
                self.commit()
            self.cur = step
        if self.open is None:
            self.open = {}
        for path, value in leaves_of(data).items():
            put(self.open, path, value)
        if commit is True or (commit is None and step is None):
            self.commit()
        return True

    def commit(self):
        self.rows.append({**nested(self.open), "_step": self.cur})
        for path, value in self.open.items():
            if value is not None:
                put(self.summary, path, value)
        self.summary[("_step",)] = self.cur
        self.open = None
        self.cur += 1

    def set(self, key, value):
        if value is None:
            self.remove(key)
        else:
            put(self.summary, (key,), value)

    def remove(self, key):
        """Returns False when nothing is there (``del`` raises KeyError)."""
        gone = [p for p in self.summary if p[0] == key]
        for path in gone:
            del self.summary[path]
        return bool(gone)

    def finish(self):
        if self.open is not None:
            self.commit()


# -- the property ----------------------------------------------------------------------------


def without_wall_clock(mapping):
    return {k: v for k, v in mapping.items() if k not in WALL_CLOCK}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=operations, policy=st.sampled_from(["warn", "keep", "raise"]))
def test_random_sequences_match_the_reference_model(ops, policy):
    run = runlog.init(
        backends=["memory"], settings={"on_stale_step": policy, "handle_signals": False}
    )
    memory = run.backends["memory"]
    model = Model()
    for op in ops:
        if op[0] == "log":
            _, data, step, commit = op
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    run.log(data, step=step, commit=commit)
                    raised = False
                except runlog.StaleStepError:
                    raised = True
            accepted = model.log(data, step, commit)
            stale_warnings = [w for w in caught if w.category is runlog.StaleStepWarning]
            assert raised == (not accepted and policy == "raise")
            assert len(stale_warnings) == (not accepted and policy == "warn")
        elif op[0] == "set":
            _, key, value = op
            run.summary[key] = value
            model.set(key, value)
        else:
            _, key = op
            if model.remove(key):
                del run.summary[key]
            else:
                with pytest.raises(KeyError):
                    del run.summary[key]
        assert run.step == model.cur
        assert len(memory.history) == len(model.rows)
    run.finish()
    model.finish()
    assert run.step == model.cur
    assert [without_wall_clock(row) for row in memory.history] == model.rows
    expected_summary = nested(model.summary)
    assert without_wall_clock(dict(run.summary)) == expected_summary
    assert without_wall_clock(memory.summary) == expected_summary
    assert run.stats["rows"] == len(model.rows)
    assert run.stats["stale_calls"] == model.stale
    kept = len(memory.stale)
    assert kept == (0 if policy == "raise" else model.stale)
