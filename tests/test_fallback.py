"""Fallbacks: values a backend cannot render become a kind it can."""

from __future__ import annotations

import io
import json
import wave

import numpy as np
import pytest
import runlog.plot as rplot
from PIL import Image as PILImage
from runlog.typespec import jsonform
from runlog.typespec.fallback import NEXT, fallback, fallback_record, has_media
from runlog.typespec.media import KINDS, MediaSequence
from runlog.typespec.media.audio import Audio
from runlog.typespec.media.file import File
from runlog.typespec.media.histogram import Histogram
from runlog.typespec.media.html import Html
from runlog.typespec.media.image import Image
from runlog.typespec.media.object3d import Object3D
from runlog.typespec.media.table import Table
from runlog.typespec.media.video import Video
from runlog.typespec.records import (
    ConfigChanged,
    Finished,
    Row,
    RunStarted,
    StaleRow,
    SummaryChanged,
)

ONLY_FILES = frozenset({"file"})
_counter = iter(range(10**6))


def backend() -> str:
    """A fresh backend name, so each test sees its own first warning."""
    return f"b{next(_counter)}"


def _video(frames=10, seed=0):
    rng = np.random.default_rng(seed)
    return Video(rng.integers(0, 256, (frames, 3, 8, 8), dtype=np.uint8), fps=4)


def _plot():
    return rplot.line(Table(columns=["x", "y"], data=[[0, 1.0], [1, 2.0]]), "x", "y")


def test_chain_matches_the_spec():
    assert NEXT == {"plot": "table", "video": "image", "table": "file", "histogram": "file",
                    "object3d": "file", "audio": "file", "html": "file", "image": "file"}
    assert set(NEXT) | {"file"} == KINDS


def test_rendered_kinds_pass_through_unchanged():
    values = [_plot(), _video(), Histogram([1, 2]), "x", 1.5, None, [1, [2]], {"a": 1}]
    for v in values:
        assert fallback(v, KINDS, backend()) is v


def test_plot_becomes_its_table():
    chart = _plot()
    with pytest.warns(UserWarning, match=r"'tb\w*' does not render plot values; .* as table"):
        out = fallback(chart, frozenset({"table", "file"}), "tb" + backend())
    assert isinstance(out, Table) and out.data == [[0, 1.0], [1, 2.0]]


def test_plot_without_table_support_becomes_a_json_file():
    chart = _plot()
    with pytest.warns(UserWarning, match="as file"):
        out = fallback(chart, ONLY_FILES, backend())
    assert isinstance(out, File)
    assert out.name == "plot.table.json" and out.mime == "application/json"
    assert json.loads(out.data) == {"columns": ["x", "y"], "data": [[0, 1.0], [1, 2.0]]}


def test_video_becomes_the_animated_gif_as_an_image():
    video = _video()
    with pytest.warns(UserWarning, match="video values; .* as image"):
        out = fallback(video, frozenset({"image", "file"}), backend())
    assert isinstance(out, Image) and out.kind == "image"
    assert out.payload().data == video.payload().data  # the GIF itself, not one frame
    assert out.payload().mime == "image/gif" and out.file_type == "gif"
    assert (out.width, out.height) == (8, 8)
    with PILImage.open(io.BytesIO(out.payload().data)) as im:
        assert im.format == "GIF" and im.n_frames == 10 and im.info["duration"] == 250
    assert out.to_numpy().shape == (8, 8, 3)
    back = jsonform.value_from_json(jsonform.loads(jsonform.dumps(jsonform.value_to_json(out))))
    assert back == out and back.file_type == "gif"


def test_video_without_image_support_becomes_a_gif_file():
    video = _video()
    with pytest.warns(UserWarning):
        out = fallback(video, ONLY_FILES, backend())
    assert isinstance(out, File) and out.name == "video.gif" and out.mime == "image/gif"
    assert out.data == video.payload().data


def test_non_gif_video_becomes_a_file():
    mp4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"  # an ISO-BMFF ftyp box
    video = Video(mp4, format="mp4")
    with pytest.warns(UserWarning):
        out = fallback(video, frozenset({"image", "file"}), backend())
    assert isinstance(out, File) and out.name == "video.mp4" and out.mime == "video/mp4"
    assert out.data == mp4


def _wav_audio():
    return Audio(np.sin(np.linspace(0, 100, 800)) * 0.5, sample_rate=8000)


@pytest.mark.parametrize("make, name, mime", [
    (lambda: Table(columns=["a"], data=[[1]]), "table.json", "application/json"),
    (lambda: Histogram([1, 2, 3]), "histogram.json", "application/json"),
    (lambda: Image(np.zeros((2, 2, 3), np.uint8)), "image.png", "image/png"),
    (_wav_audio, "audio.wav", "audio/wav"),
    (lambda: Html("<b>hi</b>"), "html.html", "text/html"),
    (lambda: Object3D(np.zeros((4, 3))), "object3d.pts.json", None),
])
def test_other_kinds_become_files_with_their_bytes(make, name, mime):
    value = make()
    with pytest.warns(UserWarning):
        out = fallback(value, ONLY_FILES, backend())
    assert isinstance(out, File) and out.name == name
    assert out.mime == (mime or value.payload().mime)
    assert out.data == value.payload().data
    assert out.payload().sha256 == value.payload().sha256


def test_glb_object_file_keeps_its_bytes_and_type():
    from pathlib import Path

    glb = Path(__file__).parents[1] / "examples" / "assets" / "sample.glb"
    value = Object3D(str(glb))
    with pytest.warns(UserWarning):
        out = fallback(value, ONLY_FILES, backend())
    assert out.name == "object3d.glb" and out.mime == "model/gltf-binary"
    assert out.data == glb.read_bytes()


def test_audio_file_reads_back_as_wav():
    with pytest.warns(UserWarning):
        out = fallback(_wav_audio(), ONLY_FILES, backend())
    with wave.open(io.BytesIO(out.data)) as w:
        assert w.getframerate() == 8000 and w.getnframes() == 800


def test_sequences_and_nested_values():
    seq = MediaSequence([_video(seed=1), _video(seed=2)])
    with pytest.warns(UserWarning):
        out = fallback(seq, frozenset({"image", "file"}), backend())
    assert isinstance(out, MediaSequence) and out.kind == "image" and len(out) == 2
    assert out[1].payload().data == seq[1].payload().data
    nested = [1, {"p": _plot(), "x": [2.0]}, "s"]
    with pytest.warns(UserWarning):
        out = fallback(nested, frozenset({"table", "file"}), backend())
    assert out[0] == 1 and out[2] == "s" and out[1]["x"] is nested[1]["x"]
    assert isinstance(out[1]["p"], Table)
    assert isinstance(nested[1]["p"], rplot.Plot)  # the input is not changed


def test_one_warning_per_backend_and_kind():
    name = backend()
    with pytest.warns(UserWarning) as record:
        for _ in range(3):
            fallback(Histogram([1.0]), ONLY_FILES, name)
            fallback(Html("x"), ONLY_FILES, name)
        fallback(Histogram([1.0]), ONLY_FILES, name + "-other")
    messages = [str(w.message) for w in record if "does not render" in str(w.message)]
    assert len(messages) == 3
    assert any(f"'{name}' does not render histogram" in m for m in messages)
    assert any(f"'{name}' does not render html" in m for m in messages)
    assert any(f"'{name}-other' does not render histogram" in m for m in messages)


def test_records_without_media_are_returned_as_is():
    row = Row(step=1, timestamp=2.0, runtime=3.0, values={("a",): 1.0, ("b", "c"): [1, 2]})
    assert not has_media(row)
    assert fallback_record(row, ONLY_FILES, backend()) is row
    for rec in (RunStarted(id="i", project="p", name="n", start_time=0.0),
                ConfigChanged(values={"lr": 0.1})):
        assert not has_media(rec)
        assert fallback_record(rec, ONLY_FILES, backend()) is rec
    media_row = Row(step=1, timestamp=2.0, runtime=3.0, values={("h",): Histogram([1.0])})
    assert has_media(media_row)
    assert fallback_record(media_row, KINDS, backend()) is media_row


@pytest.mark.parametrize("make", [
    lambda v: Row(step=4, timestamp=1.0, runtime=2.0, values={("x",): 1, ("p",): v}),
    lambda v: StaleRow(step=1, current_step=4, timestamp=1.0, values={("p",): v},
                       policy="keep"),
    lambda v: SummaryChanged(set={("p",): v}, removed=(("z",),)),
    lambda v: Finished(exit_code=0, status="finished", summary={"a": {"p": v}, "x": 1},
                       end_time=9.0),
])
def test_records_with_media_get_their_values_replaced(make):
    record = make(_plot())
    assert has_media(record)
    with pytest.warns(UserWarning):
        out = fallback_record(record, frozenset({"table", "file"}), backend())
    assert type(out) is type(record) and out is not record
    before, after = jsonform.record_to_json(record), jsonform.record_to_json(out)
    changed = [k for k in before if before[k] != after[k]]
    assert len(changed) == 1  # only the values field differs
    found = json.dumps(after[changed[0]])
    assert '"_type": "table"' in found and '"_type": "plot"' not in found
    assert '"_type": "plot"' in json.dumps(before[changed[0]])  # the input record is unchanged
