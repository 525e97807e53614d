"""Media on the way to backends: fallbacks per backend, encoding off the caller, once."""

from __future__ import annotations

import io
import threading
import warnings

import numpy as np
import runlog
from _dispatch_helpers import Collector, plugin
from PIL import Image as PILImage
from runlog.typespec.records import Row

QUIET = {"handle_signals": False}


def _pixels(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (16, 16, 3), dtype=np.uint8)


def _counting_image(pixels: np.ndarray, threads: list[str]) -> runlog.Image:
    """An Image whose encoder also records which thread ran it."""
    image = runlog.Image(pixels)
    payload = runlog.Image(pixels).payload()

    def encode():
        threads.append(threading.current_thread().name)
        return payload

    image._set_encoder(encode)
    return image


def test_payloads_are_encoded_once_off_the_callers_thread():
    threads: list[str] = []
    images = [_counting_image(_pixels(i), threads) for i in range(6)]
    with plugin("t", a=lambda: Collector("a"), b=lambda: Collector("b")):
        run = runlog.init(backends=["memory", "a", "b"], settings=QUIET)
        run.log({"single": images[0], "many": images[1:]})
        run.finish()
    assert len(threads) == 6  # once per payload, although two backends use each
    assert threading.current_thread().name not in threads
    for name in ("a", "b"):
        (row,) = run.backends[name].rows
        assert row.values[("single",)].encoded
        with PILImage.open(io.BytesIO(row.values[("single",)].payload().data)) as im:
            assert np.array_equal(np.asarray(im), _pixels(0))


def test_a_backend_receives_fallbacks_for_kinds_it_does_not_render_with_one_warning():
    with plugin("t", plain=lambda: Collector("plain", kinds=frozenset({"file"})),
                rich=lambda: Collector("rich")):
        run = runlog.init(backends=["memory", "plain", "rich"], settings=QUIET)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for step in range(3):
                run.log({"img": runlog.Image(_pixels(step)), "x": step})
            run.flush(30)
        run.finish()

    plain = run.backends["plain"].rows
    rich = run.backends["rich"].rows
    memory = run.backends["memory"].rows
    for step in range(3):
        as_file = plain[step].values[("img",)]
        assert as_file.kind == "file" and as_file.name == "image.png"
        with PILImage.open(io.BytesIO(as_file.payload().data)) as im:
            assert np.array_equal(np.asarray(im), _pixels(step))
        assert rich[step].values[("img",)].kind == "image"
        assert memory[step].values[("img",)].kind == "image"
        assert plain[step].values[("x",)] == step
    said = [str(w.message) for w in caught if "does not render image" in str(w.message)]
    assert said == ["runlog: backend 'plain' does not render image values; they are sent to it "
                    "as file values instead"]


def test_scalar_rows_reach_a_fallback_backend_unchanged():
    with plugin("t", plain=lambda: Collector("plain", kinds=frozenset())):
        run = runlog.init(backends=["memory", "plain"], settings=QUIET)
        run.log({"a": 1.5, "b": "text"})
        run.finish()
    (mem,) = run.backends["memory"].rows
    (row,) = run.backends["plain"].rows
    assert type(row) is Row and row is mem  # the very same record: nothing to replace
