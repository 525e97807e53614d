"""runlog.Histogram: binning, precomputed histograms, limits, the >32-value rule, JSON form."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _tensors import FakeTensor
from runlog.typespec import jsonform
from runlog.typespec.errors import DataError
from runlog.typespec.media.histogram import Histogram
from runlog.typespec.values import convert


def test_sequence_is_binned_like_numpy():
    x = np.random.default_rng(0).normal(size=1000)
    h = Histogram(x)
    counts, edges = np.histogram(x, bins=64)
    assert h.values == counts.tolist() and h.bins == edges.tolist()
    assert all(type(v) is int for v in h.values)
    h10 = Histogram(x.tolist(), num_bins=10)
    assert len(h10.values) == 10 and len(h10.bins) == 11 and sum(h10.values) == 1000


def test_np_histogram_is_kept_exactly():
    h = Histogram(np_histogram=([1, 0, 2.5], [0.0, 0.5, 1.0, 4.0]))
    assert h.values == [1, 0, 2.5] and h.bins == [0.0, 0.5, 1.0, 4.0]


def test_tensors_are_accepted():
    h = Histogram(FakeTensor([1.0, 2.0, 2.0, 3.0]), num_bins=3)
    assert h.values == [1, 2, 1]
    h2 = Histogram(np_histogram=(FakeTensor([3, 4]), FakeTensor([0.0, 1.0, 2.0])))
    assert h2.values == [3, 4]


def test_512_bins_is_the_limit():
    assert len(Histogram(np.arange(1000.0), num_bins=512).values) == 512
    with pytest.raises(DataError, match="num_bins must be an int from 1 to 512"):
        Histogram([1.0], num_bins=513)
    with pytest.raises(DataError, match="at most 512 bins"):
        Histogram(np_histogram=(np.ones(513), np.arange(514.0)))


def test_large_arrays_become_32_bin_histograms_when_logged():
    x = np.linspace(0, 1, 33)
    h = convert(x)
    assert isinstance(h, Histogram) and len(h.values) == 32 and sum(h.values) == 33
    assert convert(np.arange(32)) == list(range(32))  # 32 values stay a list


def test_json_form_matches_wandb_and_round_trips():
    h = Histogram([1, 2, 2, 3], num_bins=2)
    obj = jsonform.value_to_json(h)
    assert obj == {"_type": "histogram", "values": [1, 3], "bins": [1.0, 2.0, 3.0]}
    back = jsonform.value_from_json(jsonform.loads(jsonform.dumps(obj)))
    assert back == h and back.values == h.values and back.bins == h.bins
    assert json.loads(h.payload().data) == {"values": [1, 3], "bins": [1.0, 2.0, 3.0]}
    assert h.payload().meta == {"num_bins": 2}


def test_a_range_too_narrow_for_float_precision_is_widened_not_refused():
    hist = Histogram([0.0, 5e-324], num_bins=2)  # numpy alone cannot bin this range
    assert sum(hist.values) == 2 and len(hist.bins) == 3
    assert hist.bins[0] <= 0.0 and hist.bins[-1] >= 5e-324
