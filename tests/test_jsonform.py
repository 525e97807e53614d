"""The JSON form of IR values and records reads back exactly (hypothesis round trips).

NaN and ±inf survive, ints of any size survive, keys with any unicode survive, every record
type and every media kind survives, with payloads embedded or stored by reference.
"""

from __future__ import annotations

import math

import attrs
import numpy as np
import pytest
import runlog.plot as rplot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runlog.typespec import jsonform
from runlog.typespec.errors import DataError
from runlog.typespec.media import KINDS, Media, MediaSequence
from runlog.typespec.media.audio import Audio
from runlog.typespec.media.file import File
from runlog.typespec.media.histogram import Histogram
from runlog.typespec.media.html import Html
from runlog.typespec.media.image import Image
from runlog.typespec.media.object3d import Object3D
from runlog.typespec.media.table import Table
from runlog.typespec.media.video import Video
from runlog.typespec.records import (
    RECORD_TYPES,
    Alert,
    ArtifactLogged,
    ConfigChanged,
    FileSaved,
    Finished,
    MetricDefined,
    Row,
    RunStarted,
    StaleRow,
    SummaryChanged,
    SystemSample,
)

pytestmark = pytest.mark.filterwarnings("ignore:runlog. image sizes do not match")
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def same(a, b) -> bool:
    """Exact equality where NaN equals NaN, -0.0 differs from 0.0 and types must match."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, MediaSequence):
        return same(list(a.items), list(b.items))
    if isinstance(a, Media):
        return a == b and same(a._json_fields(), b._json_fields())
    if attrs.has(type(a)):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in attrs.fields(type(a)))
    return a == b


# -- strategies ---------------------------------------------------------------------------
keys = st.one_of(st.text(), st.sampled_from(["_type", "items", "data", "ref", "v", "", "a/b"]))
scalars = st.one_of(
    st.none(), st.booleans(), st.text(),
    st.integers(), st.integers(min_value=2**53 - 2, max_value=2**63 - 1),
    st.integers(min_value=-(2**63), max_value=-(2**53)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 5e-324,
                     1.7976931348623157e308, 2**53 + 1, 2**64, -(10**40)]),
)
cell_scalars = st.one_of(
    st.none(), st.booleans(), st.text(max_size=8),
    st.integers(min_value=-(2**63), max_value=2**63 - 1), st.floats(),
)


@st.composite
def histograms(draw):
    if draw(st.booleans()):
        xs = draw(st.lists(st.floats(-1e6, 1e6), max_size=20))
        return Histogram(xs, num_bins=draw(st.integers(1, 8)))
    counts = draw(st.lists(st.integers(0, 2**40), min_size=1, max_size=6))
    edges = sorted(draw(st.lists(st.floats(-1e9, 1e9), min_size=len(counts) + 1,
                                 max_size=len(counts) + 1)))
    return Histogram(np_histogram=(counts, edges))


@st.composite
def images(draw):
    h, w, c = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.sampled_from([1, 3, 4]))
    pixels = np.array(draw(st.lists(st.integers(0, 255), min_size=h * w * c, max_size=h * w * c)),
                      dtype=np.uint8).reshape(h, w, c)
    return Image(pixels, caption=draw(st.none() | st.text(max_size=5)))


@st.composite
def videos(draw):
    t, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    frames = np.random.default_rng(seed).integers(0, 256, (t, 3, h, w), dtype=np.uint8)
    return Video(frames, fps=draw(st.sampled_from([1, 4, 10])))


unit = st.floats(-1, 1, allow_nan=False)
audios = st.builds(lambda xs, rate: Audio(np.array(xs), sample_rate=rate),
                   st.lists(unit, min_size=1, max_size=40), st.integers(8000, 48000))
objects3d = st.builds(lambda xs: Object3D(np.array(xs[: len(xs) // 3 * 3]).reshape(-1, 3)),
                      st.lists(unit, min_size=3, max_size=30))
htmls = st.builds(Html, st.text(max_size=30).map("<p>{}".format))  # "x.html" would be a path
files = st.builds(File, st.binary(max_size=64),
                  name=st.text(min_size=1, max_size=10).filter(lambda n: "\0" not in n),
                  mime=st.sampled_from(["text/plain", "application/x-y"]))


@st.composite
def tables(draw):
    ncols = draw(st.integers(0, 3))
    columns = draw(st.lists(st.text(max_size=6), min_size=ncols, max_size=ncols, unique=True))
    cell = st.one_of(cell_scalars, st.lists(cell_scalars, max_size=3),
                     st.dictionaries(keys, cell_scalars, max_size=2), histograms(), images())
    rows = draw(st.lists(st.lists(cell, min_size=ncols, max_size=ncols), max_size=4))
    return Table(columns=columns, data=rows if ncols else None)


@st.composite
def plots(draw):
    n = draw(st.integers(2, 30))
    y = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    p = draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    return rplot.pr_curve(y, p) if draw(st.booleans()) else rplot.roc_curve(y, p)


#: one strategy per media kind; test_strategies_cover_every_kind_and_record keeps it complete
MEDIA = {"histogram": histograms(), "image": images(), "file": files, "table": tables(),
         "plot": plots(), "video": videos(), "audio": audios, "object3d": objects3d,
         "html": htmls}
media = st.one_of(*MEDIA.values())
sequences = st.one_of(
    *(st.lists(kind, min_size=1, max_size=3) for kind in (histograms(), images(), audios, htmls))
).map(MediaSequence)
ir_values = st.recursive(
    st.one_of(scalars, media, sequences),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)
paths = st.lists(keys, min_size=1, max_size=3).map(tuple)
leaves = st.dictionaries(paths, ir_values, max_size=4)
texts = st.none() | st.text()
times = st.floats(allow_nan=False, allow_infinity=False)
nested = st.recursive(ir_values, lambda inner: st.dictionaries(keys, inner, max_size=3),
                      max_leaves=6)
#: one strategy per record type
RECORDS = {
    RunStarted: st.builds(
        RunStarted, id=st.text(), project=st.text(), name=st.text(), start_time=times,
        group=texts, job_type=texts, tags=st.lists(st.text(), max_size=3).map(tuple),
        notes=texts, config=st.dictionaries(keys, ir_values, max_size=3), host=st.text(),
        version=st.text(), resumed=st.booleans(), resumed_step=st.none() | st.integers(0),
        command=st.lists(st.text(), max_size=3).map(tuple), python=st.text(),
        executable=st.text(), user=st.text(),
        git=st.none() | st.fixed_dictionaries({"commit": st.text(), "branch": texts,
                                               "dirty": st.none() | st.booleans(),
                                               "remote": texts})),
    ConfigChanged: st.builds(ConfigChanged, values=st.dictionaries(keys, ir_values, max_size=3)),
    MetricDefined: st.builds(
        MetricDefined, name=st.text(), step_metric=texts, step_sync=st.none() | st.booleans(),
        summary=st.lists(st.sampled_from(["min", "max", "mean", "best"]), max_size=3).map(tuple),
        goal=st.none() | st.sampled_from(["minimize", "maximize"]),
        hidden=st.none() | st.booleans()),
    Row: st.builds(Row, step=st.integers(0, 2**63 - 1), timestamp=times, runtime=times,
                   values=leaves),
    StaleRow: st.builds(StaleRow, step=st.integers(0), current_step=st.integers(0),
                        timestamp=times, values=leaves, policy=st.sampled_from(["warn", "keep"])),
    SummaryChanged: st.builds(SummaryChanged, set=leaves,
                              removed=st.lists(paths, max_size=3).map(tuple)),
    FileSaved: st.builds(FileSaved, name=st.text(), payload=files),
    ArtifactLogged: st.builds(
        ArtifactLogged, name=st.text(), artifact_type=st.text(), digest=st.text(),
        entries=st.dictionaries(st.text(), files | st.text(), max_size=3), timestamp=times,
        version=st.none() | st.integers(0), aliases=st.lists(st.text(), max_size=3).map(tuple),
        description=texts, metadata=st.dictionaries(keys, ir_values, max_size=3)),
    Alert: st.builds(Alert, title=st.text(), text=st.text(),
                     level=st.sampled_from(["INFO", "WARN", "ERROR"]), timestamp=times,
                     wait_duration=st.none() | times),
    Finished: st.builds(
        Finished, exit_code=st.integers(-255, 255),
        status=st.sampled_from(["finished", "failed", "preempted"]),
        summary=st.dictionaries(keys, nested, max_size=3), end_time=times,
        final_step=st.integers(0)),
    SystemSample: st.builds(SystemSample, timestamp=times, runtime=times,
                            values=st.dictionaries(st.text(), st.floats(), max_size=4)),
}
records = st.one_of(*RECORDS.values())


# -- helpers ------------------------------------------------------------------------------
class Store:
    """Payloads kept by reference, as the files backend keeps them (content-addressed)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def store(self, payload) -> str:
        self.files[payload.filename] = payload.data
        return "media/" + payload.filename

    def load(self, ref: str, obj: dict) -> bytes:
        return self.files[ref.removeprefix("media/")]


def through_text(obj):
    """What a file or an HTTP body does to the JSON form: UTF-8 text and back."""
    return jsonform.loads(jsonform.dumps(obj).encode("utf-8").decode("utf-8"))


# -- properties ---------------------------------------------------------------------------
@SETTINGS
@given(ir_values, st.booleans())
def test_values_round_trip(value, by_ref):
    store = Store() if by_ref else None
    obj = jsonform.value_to_json(value, store.store if store else None)
    back = jsonform.value_from_json(through_text(obj), store.load if store else None)
    assert same(back, value)


@SETTINGS
@given(records, st.booleans())
def test_records_round_trip(record, by_ref):
    store = Store() if by_ref else None
    obj = jsonform.record_to_json(record, store.store if store else None)
    assert obj["v"] == 1 and RECORD_TYPES[obj["type"]] is type(record)
    back = jsonform.record_from_json(through_text(obj), store.load if store else None)
    assert type(back) is type(record)
    assert same(back, record)


@pytest.mark.parametrize("target", [*MEDIA, *RECORDS], ids=str)
def test_strategies_cover_every_kind_and_record_type(target):
    assert set(MEDIA) == set(KINDS) and set(RECORDS) == set(RECORD_TYPES.values())
    strategy = MEDIA[target] if isinstance(target, str) else RECORDS[target]

    @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def check(value):
        assert (value.kind if isinstance(target, str) else type(value)) == target

    check()


def test_special_numbers_are_written_as_literals_and_read_back():
    row = Row(step=2**62, timestamp=1.5, runtime=0.0,
              values={("nan",): float("nan"), ("inf",): float("inf"), ("ninf",): float("-inf"),
                      ("big",): 2**53 + 1, ("huge",): 10**30, ("ключ", "键 🔑"): "ü"})
    text = jsonform.dumps(jsonform.record_to_json(row))
    assert "NaN" in text and "Infinity" in text and "-Infinity" in text
    assert str(2**53 + 1) in text and str(10**30) in text and "键 🔑" in text
    back = jsonform.record_from_json(jsonform.loads(text))
    assert same(back, row)


def test_unknown_versions_and_kinds_are_data_errors():
    with pytest.raises(DataError, match="version"):
        jsonform.record_from_json({"v": 2, "type": "row"})
    with pytest.raises(DataError, match="unknown media kind 'hologram'"):
        jsonform.value_from_json({"_type": "hologram"})
    with pytest.raises(DataError, match="load="):
        jsonform.value_from_json(jsonform.value_to_json(File(b"x", name="x"), lambda p: "r"))
