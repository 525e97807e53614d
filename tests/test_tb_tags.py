"""The TensorBoard tag escaping: reversible, collision-free, inside TensorBoard's charset."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from runlog.backends.tb.tags import (
    CONFIG_TAG,
    KEYMAP_TAG,
    SUMMARY_TAG,
    decode,
    encode,
    is_key_tag,
    sub_tag,
)
from tensorboardX.summary import _clean_tag

#: keys made of the pieces that matter: escapes, separators, digits, unicode, the text suffix
PIECES = [*"_/xuU09aZ .:%@-\\\n", "é", "日", "😀", "_x20", "ff", "__", "_/", "/text_summary"]
keys = st.lists(st.sampled_from(PIECES), max_size=8).map("".join) | st.text(max_size=12)
TB_CHARSET = re.compile(r"[-/\w.]*")


@given(keys)
def test_decode_inverts_encode(key: str) -> None:
    assert decode(encode(key)) == key


@given(keys, keys)
def test_distinct_keys_never_share_a_tag(a: str, b: str) -> None:
    if a != b:
        assert encode(a) != encode(b)


@given(keys)
def test_tags_survive_tensorboard_sanitizing(key: str) -> None:
    tag = encode(key)
    assert TB_CHARSET.fullmatch(tag)
    assert _clean_tag(tag) == tag


@given(keys, keys, st.integers(0, 99))
def test_runlog_tags_never_equal_a_key_tag(key: str, other: str, i: int) -> None:
    tag = encode(key)
    assert is_key_tag(tag)
    for own in (sub_tag(tag, str(i)), sub_tag(tag, encode(other)), sub_tag(tag, "VERTEX")):
        assert not is_key_tag(own)
        assert own != encode(other)


@given(keys)
def test_scalar_tags_never_equal_text_tags(key: str) -> None:
    assert not encode(key).endswith("/text_summary")


@pytest.mark.parametrize(("key", "tag"), [
    ("train/loss", "train/loss"),
    ("train_loss", "train_loss"),
    ("_step", "_step"),
    ("a b", "a_x20b"),
    ("a:b", "a_x3ab"),
    ("acc@1", "acc_x401"),
    ("/x", "_x2fx"),
    ("top_5", "top_5"),
    ("num_updates", "num_updates"),
    ("pos_x", "pos_x"),
    ("a_x20", "a__x20"),
    ("a__b", "a___b"),
    ("x_", "x__"),
    ("a_/b", "a__/b"),
    ("träin/ü", "träin/ü"),
    ("😀", "_U0001f600"),
    ("∑", "_u2211"),
    ("x/text_summary", "x/_x74ext_summary"),
])
def test_examples(key: str, tag: str) -> None:
    assert encode(key) == tag
    assert decode(tag) == key


def test_runlog_bookkeeping_tags_are_not_key_tags() -> None:
    for tag in (KEYMAP_TAG, CONFIG_TAG, SUMMARY_TAG, sub_tag(SUMMARY_TAG, "loss")):
        assert not is_key_tag(tag)


@pytest.mark.parametrize("bad", ["a_", "_", "a_U00110000"])
def test_decode_rejects_what_no_key_encodes_to(bad: str) -> None:
    with pytest.raises(ValueError):
        decode(bad)
    assert not is_key_tag(bad)
