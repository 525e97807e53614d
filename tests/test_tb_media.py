"""Media in the tb backend, read back with TensorBoard's reader and its plugin parsers."""

from __future__ import annotations

import io
import logging
import struct
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageSequence
from runlog.typespec.media import MediaSequence
from runlog.typespec.media.audio import Audio
from runlog.typespec.media.file import File
from runlog.typespec.media.histogram import Histogram
from runlog.typespec.media.html import Html
from runlog.typespec.media.image import Image
from runlog.typespec.media.object3d import Object3D
from runlog.typespec.media.plot import pr_curve, roc_curve
from runlog.typespec.media.table import Table
from runlog.typespec.media.video import Video
from runlog.typespec.records import Row
from test_tb_support import T0, read, tensor, texts, user_tags, write_all


def log(tmp_path: Path, values: dict, step: int = 3):
    """Write one row and read the run back."""
    write_all(tmp_path, [Row(step, T0 + step, 1.0, {(k,): v for k, v in values.items()})])
    return read(tmp_path)


def pixels(data: bytes) -> np.ndarray:
    with PILImage.open(io.BytesIO(data)) as im:
        return np.asarray(im)


def test_image_pixels_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
    gray = rng.random((4, 7))  # floats in [0, 1]: scaled by 255
    acc = log(tmp_path, {"rgb": Image(rgb), "gray": Image(gray)})
    [event] = acc.Images("rgb")
    assert (event.step, event.wall_time, event.width, event.height) == (3, T0 + 3, 5, 6)
    assert np.array_equal(pixels(event.encoded_image_string), rgb)
    [g] = acc.Images("gray")
    assert np.array_equal(pixels(g.encoded_image_string), np.round(gray * 255).astype(np.uint8))


def test_image_sequence_items_are_tagged_by_index(tmp_path: Path) -> None:
    images = [np.full((2, 3, 3), i * 40, dtype=np.uint8) for i in range(3)]
    acc = log(tmp_path, {"samples": MediaSequence([Image(a) for a in images])})
    assert sorted(acc.Tags()["images"]) == ["samples_/0", "samples_/1", "samples_/2"]
    for i, a in enumerate(images):
        assert np.array_equal(pixels(acc.Images(f"samples_/{i}")[0].encoded_image_string), a)


def test_matplotlib_figure_arrives_as_an_image(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1), dpi=50)
    fig.add_subplot().plot([0, 1], [1, 0])
    [event] = log(tmp_path, {"fig": Image(fig)}).Images("fig")
    assert (event.width, event.height) == (100, 50)
    assert pixels(event.encoded_image_string).shape[:2] == (50, 100)


def test_video_is_the_gif_with_its_frames_and_timing(tmp_path: Path) -> None:
    colors = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]
    frames = np.stack([np.broadcast_to(np.array(c, np.uint8)[:, None, None], (3, 4, 6))
                       for c in colors])  # (T, C, H, W)
    [event] = log(tmp_path, {"clip": Video(frames, fps=5)}).Images("clip")
    gif = event.encoded_image_string
    assert gif[:6] == b"GIF89a" and (event.width, event.height) == (6, 4)
    with PILImage.open(io.BytesIO(gif)) as im:
        decoded = [(f.info["duration"], np.asarray(f.convert("RGB"))[0, 0].tolist())
                   for f in ImageSequence.Iterator(im)]
    assert decoded == [(200, list(c)) for c in colors]  # 5 fps: 20 hundredths per frame


def test_video_tensorboard_cannot_play_becomes_a_note(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="runlog")
    mp4 = b"\x00\x00\x00\x18ftypmp42" + bytes(40)
    acc = log(tmp_path, {"clip": Video(mp4, format="mp4")})
    [(step, text)] = texts(acc, "clip")
    assert step == 3 and "video/mp4" in text and f"{len(mp4)} bytes" in text
    assert any("cannot show video mp4" in r.getMessage() for r in caplog.records)


def test_histogram_buckets_and_counts_are_exact(tmp_path: Path) -> None:
    counts = [0, 3, 0, 7, 1, 0]
    edges = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    acc = log(tmp_path, {"w": Histogram(np_histogram=(counts, edges)),
                         "raw": Histogram([1, 2, 2, 3, 3, 3], num_bins=3)})
    [event] = acc.Histograms("w")
    h = event.histogram_value
    assert event.step == 3 and h.bucket == counts and h.bucket_limit == edges[1:]
    assert (h.min, h.max, h.num) == (0.5, 2.5, 11)  # outer edges of the non-empty buckets
    raw = acc.Histograms("raw")[0].histogram_value
    assert raw.bucket == [1, 2, 3] and raw.num == 6


def test_audio_is_the_wav_with_its_format(tmp_path: Path) -> None:
    samples = np.sin(np.linspace(0, 20, 800))[:, None] * np.array([[0.5, -0.25]])
    clip = Audio(samples, sample_rate=8000)
    [event] = log(tmp_path, {"sound": clip}).Audio("sound")
    assert (event.sample_rate, event.length_frames) == (8000, 800)
    assert event.content_type == "audio/wav" and event.encoded_audio_string == clip.payload().data
    with wave.open(io.BytesIO(event.encoded_audio_string)) as w:
        pcm = np.frombuffer(w.readframes(800), "<i2").reshape(800, 2)
    assert np.array_equal(pcm, np.rint(samples * 32767).astype(np.int16))


def test_table_is_a_markdown_table(tmp_path: Path) -> None:
    table = Table(columns=["n", "label|x"], data=[[1, "a|b"], [2.5, None], [3, "two\nlines"]])
    [(_, text)] = texts(log(tmp_path, {"t": table}), "t")
    assert text.splitlines() == [
        "| n | label\\|x |",
        "|---|---|",
        "| 1 | a\\|b |",
        "| 2.5 |  |",
        "| 3 | two<br>lines |",
    ]


def test_pr_curve_is_native_one_curve_per_class(tmp_path: Path) -> None:
    from tensorboard.plugins.pr_curve import metadata

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    p1 = np.clip(y * 0.4 + rng.random(200) * 0.6, 0, 1)
    acc = log(tmp_path, {"pr": pr_curve(y, np.stack([1 - p1, p1], axis=1), labels=["neg", "pos"])})
    assert user_tags(acc, "tensors") == ["pr_/neg", "pr_/pos"]
    data = tensor(acc, "pr_/pos")
    assert data.shape == (6, 127)
    tp, fp, tn, fn, precision, recall = data
    thresholds = np.arange(127) / 126
    pos = y == 1
    assert tp.tolist() == [float((pos & (p1 >= t)).sum()) for t in thresholds]
    assert fp.tolist() == [float((~pos & (p1 >= t)).sum()) for t in thresholds]
    assert np.array_equal(tp + fn, np.full(127, pos.sum())) and np.array_equal(
        fp + tn, np.full(127, (~pos).sum()))
    assert np.allclose(precision, tp / np.maximum(tp + fp, 1e-7))
    assert np.allclose(recall, tp / pos.sum())
    meta = metadata.parse_plugin_metadata(
        acc.SummaryMetadata("pr_/pos").plugin_data.content)
    assert meta.num_thresholds == 127
    neg_tp = tensor(acc, "pr_/neg")[0]
    assert neg_tp[0] == (~pos).sum()


def test_other_charts_are_their_table_as_text(tmp_path: Path) -> None:
    y = np.array([0, 1, 1, 0])
    chart = roc_curve(y, np.array([0.1, 0.8, 0.6, 0.3]), classes_to_plot=[1])
    [(_, text)] = texts(log(tmp_path, {"roc": chart}), "roc")
    lines = text.splitlines()
    assert lines[0] == "**ROC Curve**" and lines[2] == "| class | fpr | tpr |"
    assert len(lines) == 4 + len(chart.table.data)


def test_point_cloud_is_a_mesh_plugin_point_cloud(tmp_path: Path) -> None:
    from tensorboard.plugins.mesh import metadata

    rng = np.random.default_rng(2)
    pts = np.hstack([rng.random((50, 3)), rng.integers(0, 256, (50, 3))])
    acc = log(tmp_path, {"cloud": Object3D(pts)})
    assert user_tags(acc, "tensors") == ["cloud_/COLOR", "cloud_/VERTEX"]
    assert np.allclose(tensor(acc, "cloud_/VERTEX")[0], pts[:, :3], atol=1e-6)  # float32
    assert np.array_equal(tensor(acc, "cloud_/COLOR")[0], pts[:, 3:])
    for part in ("VERTEX", "COLOR"):
        meta = metadata.parse_plugin_metadata(
            acc.SummaryMetadata(f"cloud_/{part}").plugin_data.content)
        assert meta.name == "cloud" and list(meta.shape) == [1, 50, 3]
        assert meta.components == metadata.get_components_bitmask([1, 3])
        assert meta.content_type == metadata.plugin_data_pb2.MeshPluginData.ContentType.Value(
            part)


def test_point_categories_get_palette_colours(tmp_path: Path) -> None:
    pts = np.array([[0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 10]], dtype=float)
    colors = tensor(log(tmp_path, {"c": Object3D(pts)}), "c_/COLOR")[0]
    assert colors[0].tolist() == colors[2].tolist() != colors[1].tolist()  # 10 colours cycle


def test_obj_and_stl_meshes_have_faces(tmp_path: Path) -> None:
    obj = b"v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf 1 2 3 4\n"
    tri = [(0, 0, 0), (1, 0, 0), (0, 1, 0)]
    stl = bytes(80) + struct.pack("<I", 1) + struct.pack("<12fH", 0, 0, 1,
                                                         *[c for v in tri for c in v], 0)
    ascii_stl = ("solid t\nfacet normal 0 0 1\nouter loop\n"
                 + "".join(f"vertex {x} {y} {z}\n" for x, y, z in tri)
                 + "endloop\nendfacet\nendsolid t\n").encode()
    acc = log(tmp_path, {"quad": Object3D(obj, file_type="obj"),
                         "tri": Object3D(stl, file_type="stl"),
                         "tri2": Object3D(ascii_stl, file_type="stl")})
    assert tensor(acc, "quad_/FACE")[0].tolist() == [[0, 1, 2], [0, 2, 3]]
    assert tensor(acc, "quad_/VERTEX")[0].tolist() == [[0, 0, 0], [1, 0, 0], [1, 1, 0],
                                                       [0, 1, 0]]
    for name in ("tri", "tri2"):
        assert tensor(acc, f"{name}_/VERTEX")[0].tolist() == [list(v) for v in tri]
        assert tensor(acc, f"{name}_/FACE")[0].tolist() == [[0, 1, 2]]


def test_glb_and_files_become_notes(tmp_path: Path) -> None:
    glb = b"glTF" + bytes(20)
    f = File(b"hello", name="notes.txt")
    acc = log(tmp_path, {"model": Object3D(glb, file_type="glb"), "doc": f})
    [(_, model)] = texts(acc, "model")
    assert "model/gltf-binary" in model and "24 bytes" in model
    [(_, doc)] = texts(acc, "doc")
    assert "notes.txt" in doc and f.payload().sha256 in doc


def test_html_is_text(tmp_path: Path) -> None:
    page = "<h1>Report</h1><table><tr><td>1</td></tr></table>"
    assert texts(log(tmp_path, {"page": Html(page)}), "page") == [(3, page)]


@pytest.mark.parametrize("kind", ["images", "tensors"])
def test_a_sequence_of_other_media_uses_item_tags_too(tmp_path: Path, kind: str) -> None:
    items = ([Image(np.zeros((2, 2), np.uint8)), Image(np.ones((2, 2), np.uint8))]
             if kind == "images" else [Html("<p>a</p>"), Html("<p>b</p>")])
    acc = log(tmp_path, {"xs": MediaSequence(items)})
    expected = ["xs_/0", "xs_/1"] if kind == "images" else [
        "xs_/0/text_summary", "xs_/1/text_summary"]
    assert user_tags(acc, kind) == expected
