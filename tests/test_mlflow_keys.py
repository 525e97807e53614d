"""MLflow key names, config params and the outbox's retry rules, without a store."""

from __future__ import annotations

import logging
import posixpath

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE
from mlflow.utils.validation import _validate_metric_name
from runlog.backends.mlflow.keys import MAX_KEY, KeyRegistry, clean
from runlog.backends.mlflow.outbox import Call, Outbox, ServerDown, is_transient
from runlog.backends.mlflow.params import ParamTracker

segments = st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=4).map(tuple)


@given(st.lists(segments, min_size=1, max_size=30, unique=True))
def test_every_path_gets_a_valid_distinct_key_that_maps_back(paths):
    names = KeyRegistry()
    keys = [names.key(p) for p in paths]
    assert len(set(keys)) == len(keys)
    for path, key in zip(paths, keys):
        _validate_metric_name(key)  # MLflow's own rule check raises on a bad name
        assert names.key(path) == key  # stable
        assert names.path_of(key) == path
        assert len(key) <= MAX_KEY and posixpath.normpath(key) == key


def test_a_reloaded_registry_keeps_old_names_and_avoids_them():
    first = KeyRegistry()
    taken = first.key(("a", "b"))
    plain = first.key(("a/b",))
    second = KeyRegistry()
    second.load(first.irregular, [taken, plain])
    assert second.key(("a", "b")) == taken and second.key(("a/b",)) == plain
    assert second.key(("a?b",)) not in (taken, plain)


@pytest.mark.parametrize(("raw", "expected"), [
    ("/lead", "_/lead"), ("trail/", "trail/_"), ("a//b", "a/_/b"), ("..", "_"), ("a/./b", "a/_/b"),
    ("ok key-1.2/x", "ok key-1.2/x"), ("x" * 300, "x" * 250)])
def test_clean_follows_mlflows_path_rules(raw, expected):
    assert clean(raw) == expected


def test_params_flatten_encode_and_a_changed_value_goes_to_a_tag(caplog):
    tracker = ParamTracker()
    params, tags, _ = tracker.update({"opt": {"lr": 0.1, "name": "adam"}, "n": None})
    assert params == {"opt.lr": "0.1", "opt.name": "adam", "n": "null"} and not tags
    with caplog.at_level(logging.WARNING, "runlog.backends.mlflow"):
        params, tags, _ = tracker.update({"opt": {"lr": 0.2, "name": "adam"}})
        assert not params and tags == {"runlog.config/opt.lr": "0.2"}
        _, tags, _ = tracker.update({"opt": {"lr": 0.1}})
    assert tags == {"runlog.config/opt.lr": "0.1"}  # the tag follows the current value
    assert len([r for r in caplog.records if "cannot change" in r.getMessage()]) == 1


def test_transient_and_permanent_failures():
    assert is_transient(ServerDown("x"))
    assert is_transient(MlflowException("db locked"))  # INTERNAL_ERROR
    assert not is_transient(MlflowException("bad", error_code=INVALID_PARAMETER_VALUE))


def test_a_rejected_request_is_dropped_and_the_rest_delivered(caplog):
    sent = []

    def reject(client, run_id):
        raise MlflowException("nope", error_code=INVALID_PARAMETER_VALUE)

    box = Outbox(lambda: (None, "rid"), None, "store")
    box.add(Call(reject, "a bad request"))
    box.add(Call(lambda c, r: sent.append(r), "a good request"))
    with caplog.at_level(logging.ERROR, "runlog.backends.mlflow"):
        assert box.deliver(0.0)
    assert sent == ["rid"] and box.dropped == ["a bad request"]
    assert "Lost: a bad request" in caplog.records[0].getMessage()


def test_an_unreachable_store_keeps_requests_until_it_answers():
    up = {"ok": False}
    sent = []

    def probe():
        if not up["ok"]:
            raise ServerDown("down")

    box = Outbox(lambda: (None, "rid"), probe, "store")
    box.add(Call(lambda c, r: sent.append(1), "one"))
    assert not box.deliver(0.0) and len(box) == 1 and not box.due()
    up["ok"] = True
    assert box.deliver(0.0) and sent == [1]
