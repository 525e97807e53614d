"""Every example of the reference page runs unchanged apart from ``import runlog as wandb``,
and what it logged decodes back to what was put in.

Each ``examples/reference_*.py`` is run as a script (``runpy``) with ``RUNLOG_BACKENDS=memory``;
the test then reads ``run.backends["memory"]`` from the script's globals.
"""

from __future__ import annotations

import io
import runpy
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest
import runlog
from PIL import Image as PILImage
from PIL import ImageSequence
from sklearn import metrics

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ASSETS = EXAMPLES / "assets"


@pytest.fixture(autouse=True)
def _memory_backend(monkeypatch):
    monkeypatch.setenv("RUNLOG_BACKENDS", "memory")
    monkeypatch.setenv("RUNLOG_HANDLE_SIGNALS", "false")


def run_example(name: str, seed: int | None = None) -> tuple[dict, object]:
    """Run ``examples/<name>.py`` as ``__main__``; return its globals and its memory backend."""
    if seed is not None:
        np.random.seed(seed)
    scope = runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__main__")
    return scope, scope["run"].backends["memory"]


def png_pixels(image) -> np.ndarray:
    payload = image.payload()
    assert payload.ext == "png" and payload.data[:8] == b"\x89PNG\r\n\x1a\n"
    with PILImage.open(io.BytesIO(payload.data)) as im:
        assert im.format == "PNG"
        return np.asarray(im)


def test_every_reference_example_has_a_script():
    scripts = sorted(p.stem for p in EXAMPLES.glob("reference_*.py"))
    assert len(scripts) == 9  # the page's nine examples
    for name in scripts:
        text = (EXAMPLES / f"{name}.py").read_text(encoding="utf-8")
        assert "import runlog as wandb\n" in text and "import wandb" not in text


def test_basic():
    _, mem = run_example("reference_basic")
    (row,) = mem.history
    assert row["accuracy"] == 0.9 and row["epoch"] == 5 and row["_step"] == 0
    assert mem.summary["accuracy"] == 0.9


def test_incremental_logging_is_one_row():
    _, mem = run_example("reference_incremental")
    (row,) = mem.history
    assert row["loss"] == 0.2 and row["accuracy"] == 0.8 and row["_step"] == 0


def test_histogram():
    scope, mem = run_example("reference_histogram", seed=1)
    hist = mem.history[0]["gradients"]
    assert isinstance(hist, runlog.Histogram)
    counts, edges = np.histogram(scope["gradients"], bins=64)
    assert hist.values == counts.tolist() and hist.bins == edges.tolist()
    assert sum(hist.values) == 10000


@pytest.mark.parametrize("name, dtype", [("reference_images_numpy", int),
                                         ("reference_images_pil", np.uint8)])
def test_images_decode_to_the_input_pixels(name, dtype):
    _, mem = run_example(name, seed=7)
    np.random.seed(7)  # the same draws the script made
    wanted = [np.random.randint(low=0, high=256, size=(100, 100, 3), dtype=dtype)
              for _ in range(3)]
    logged = mem.history[0]["examples"]
    assert len(logged) == 3 and logged.kind == "image"
    for i, (image, pixels) in enumerate(zip(logged, wanted)):
        assert image.caption == f"random field {i}"
        decoded = png_pixels(image)
        assert decoded.dtype == np.uint8 and decoded.shape == (100, 100, 3)
        np.testing.assert_array_equal(decoded, pixels.astype(np.uint8))


def test_video_is_a_gif_of_10_frames_at_250_ms():
    scope, mem = run_example("reference_video_numpy", seed=3)
    video = mem.history[0]["video"]
    payload = video.payload()
    assert payload.ext == "gif" and payload.mime == "image/gif"
    with PILImage.open(io.BytesIO(payload.data)) as im:
        assert im.format == "GIF" and im.size == (100, 100)
        frames = [(f.info["duration"], np.asarray(f.convert("RGB"))) for f in
                  ImageSequence.Iterator(im)]
    assert len(frames) == 10
    assert [d for d, _ in frames] == [250] * 10
    first = scope["frames"][0].transpose(1, 2, 0).astype(int)  # CHW frame -> HWC
    assert np.abs(frames[0][1].astype(int) - first).mean() < 40  # palette-quantized GIF


def test_matplotlib_figure_becomes_a_png_image():
    scope, mem = run_example("reference_matplotlib")
    chart = mem.history[0]["chart"]
    assert isinstance(chart, runlog.Image)
    pixels = png_pixels(chart)
    fig = scope["fig"]
    w, h = fig.get_size_inches() * fig.dpi
    assert pixels.shape[:2] == (round(h), round(w))
    assert (pixels[..., :3] < 128).any() and (pixels[..., :3] > 250).any()  # a plot on white


def test_pr_curve_matches_scikit_learn_and_keeps_the_key():
    scope, mem = run_example("reference_pr_curve")
    row = mem.history[0]
    assert "pr" in row and "pr_table" not in row
    chart = row["pr"]
    assert isinstance(chart, runlog.plot.Plot) and chart.chart == "pr_curve"
    y, p = scope["y_test"], scope["y_probas"]
    curves = chart.raw_curves()
    assert list(curves) == ["cat", "dog", "bird"]
    for i, name in enumerate(["cat", "dog", "bird"]):
        precision, recall, thresholds = metrics.precision_recall_curve(y, p[:, i], pos_label=i)
        np.testing.assert_array_equal(curves[name]["precision"], precision)
        np.testing.assert_array_equal(curves[name]["recall"], recall)
        np.testing.assert_array_equal(curves[name]["thresholds"], thresholds)
    assert len(chart.table.data) == 3 * 21


def test_object3d_files_round_trip_byte_exact(tmp_path, monkeypatch):
    for name in ("sample.obj", "sample.gltf", "sample.glb"):
        shutil.copy(ASSETS / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    _, mem = run_example("reference_object3d")
    logged = mem.history[0]["generated_samples"]
    assert len(logged) == 3 and logged.kind == "object3d"
    for obj, name in zip(logged, ("sample.obj", "sample.gltf", "sample.glb")):
        assert obj.payload().data == (ASSETS / name).read_bytes()
        assert obj.payload().ext == name.split(".", 1)[1]


# -- the other "done" checks, through the same public API ---------------------------------
def test_chw_image_is_transposed(mem_run):
    chw = np.random.default_rng(0).integers(0, 256, (3, 16, 24), dtype=np.uint8)
    mem_run.log({"img": runlog.Image(chw)})
    np.testing.assert_array_equal(png_pixels(mem_run.backends["memory"].history[0]["img"]),
                                  chw.transpose(1, 2, 0))


def test_audio_reads_with_the_wave_module(mem_run):
    samples = np.sin(np.linspace(0, 2 * np.pi * 440, 16000)) * 0.5
    mem_run.log({"tone": runlog.Audio(samples, sample_rate=16000)})
    payload = mem_run.backends["memory"].history[0]["tone"].payload()
    with wave.open(io.BytesIO(payload.data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    assert pcm.size == 16000
    assert np.abs(pcm / 32767 - samples).max() < 1e-3


def test_table_and_plots_through_a_run(mem_run):
    table = runlog.Table(columns=["x", "y"])
    for x in range(3):
        table.add_data(x, x * x)
        mem_run.log({"t": table, "line": runlog.plot.line(table, "x", "y")})
    history = mem_run.backends["memory"].history
    assert [len(r["t"].data) for r in history] == [1, 2, 3]  # each row kept its snapshot
    assert [len(r["line"].table.data) for r in history] == [1, 2, 3]
    assert mem_run.backends["memory"].summary["t"].data == [[0, 0], [1, 1], [2, 4]]
