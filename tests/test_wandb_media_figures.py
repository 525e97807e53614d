"""Logging ``matplotlib.pyplot`` itself (its current figure) and plotly figures, as wandb code
does: what the files backend stores and TensorBoard shows."""

from __future__ import annotations

import io
import sys
import warnings

import matplotlib
import numpy as np
import plotly.express as px
import plotly.graph_objects as go
import pytest
import runlog
from PIL import Image as PILImage
from runlog.typespec import DataError, MediaSequence
from runlog.typespec.media import figures
from test_tb_support import texts
from test_wandb_media_support import log_and_read

matplotlib.use("Agg")
from matplotlib import pyplot as plt


@pytest.fixture(autouse=True)
def _no_open_figures():
    plt.close("all")
    yield
    plt.close("all")


def pixels(data: bytes) -> np.ndarray:
    with PILImage.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"))


def test_pyplot_module_logs_the_current_figure():
    plt.figure(figsize=(2, 1), dpi=50)
    plt.plot([0, 1], [1, 0], color="red")
    expected = io.BytesIO()
    plt.gcf().savefig(expected, format="png")
    row, acc = log_and_read({"chart": plt})
    image = row["chart"]
    assert isinstance(image, runlog.Image) and (image.width, image.height) == (100, 50)
    assert np.array_equal(image.to_numpy()[..., :3], pixels(expected.getvalue()))
    assert plt.get_fignums() == [1]  # the figure stays open, as wandb leaves it
    [event] = acc.Images("chart")
    assert (event.width, event.height) == (100, 50)
    assert np.array_equal(pixels(event.encoded_image_string), pixels(expected.getvalue()))


def test_pyplot_inside_a_list_is_a_media_sequence():
    plt.plot([1, 2, 3])
    row, _ = log_and_read({"charts": [plt, plt]})
    assert isinstance(row["charts"], MediaSequence) and row["charts"].kind == "image"
    assert len(row["charts"]) == 2


@pytest.mark.parametrize("prepare, match", [
    (lambda: None, "no figure is open"),
    (lambda: plt.figure(), "its current figure is empty"),
])
def test_pyplot_without_a_plot_is_a_clear_error(prepare, match):
    prepare()
    error = rf"at key 'chart': cannot log matplotlib.pyplot: {match}"
    with (runlog.init(backends=["memory"], settings={"handle_signals": False}) as run,
          pytest.raises(DataError, match=error)):
        run.log({"chart": plt})
    assert plt.get_fignums() == ([] if match.startswith("no") else [1])  # none made by runlog


def scatter() -> go.Figure:
    return go.Figure(go.Scatter(x=[1, 2, 3], y=[4, 1, 9], name="trace-a",
                                line={"color": "#ff0000"}),
                     layout={"title": {"text": "my plotly chart"}})


def test_plotly_figure_is_interactive_html_and_a_png_from_the_exporter():
    # the exporter is the real kaleido (the test extra pins one that ships its own Chromium)
    assert figures.exporter_installed()
    expected = scatter().to_image(format="png")
    row, acc = log_and_read({"plotly": scatter(), "express": px.line(x=[0, 1], y=[2, 3])})
    page = row["plotly"]
    assert isinstance(page, runlog.Html) and page.payload().mime == "text/html"
    assert page.html.lower().startswith(("<!doctype html>", "<html>"))
    assert "cdn.plot.ly/plotly-" in page.html
    assert "Plotly.newPlot" in page.html and "my plotly chart" in page.html
    assert '"y":[4,1,9]' in page.html.replace(" ", "")
    assert "trace-a" in page.html and isinstance(row["express"], runlog.Html)
    [(step, text)] = texts(acc, "plotly")  # TensorBoard keeps HTML as (sanitized) text
    assert step == 0 and "my plotly chart" in text

    image = row["plotly_image"]
    assert isinstance(image, runlog.Image) and (image.width, image.height) == (700, 500)
    stored = image.to_numpy()[..., :3]
    assert np.array_equal(stored, pixels(expected))  # the figure's own rendering, kept exactly
    red = np.argwhere(np.all(stored == (255, 0, 0), axis=-1))  # the trace's line
    assert len(red) > 100 and np.ptp(red[:, 1]) > 300  # drawn across the plot, left to right
    assert len(np.unique(stored.reshape(-1, 3), axis=0)) > 50  # not a blank canvas
    assert isinstance(row["express_image"], runlog.Image)
    [event] = acc.Images("plotly_image")
    assert (event.width, event.height) == (700, 500)
    assert np.array_equal(pixels(event.encoded_image_string), stored)


def test_without_the_exporter_the_html_alone_is_logged_silently(monkeypatch):
    monkeypatch.setitem(sys.modules, "kaleido", None)  # kaleido not installed
    assert not figures.exporter_installed()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        row, _ = log_and_read({"plotly": scatter()})
    assert isinstance(row["plotly"], runlog.Html) and "Plotly.newPlot" in row["plotly"].html
    assert [key for key in row if key.endswith("_image")] == []


def test_a_failing_exporter_warns_once_and_keeps_the_html(monkeypatch):
    # a fault the installed exporter does not make: plotly's to_image raises, as plotly 7 does
    # with kaleido 0.2.1 or kaleido 1.x does without a Chrome
    def to_image(self, format=None, **kw):
        raise RuntimeError("Kaleido requires Google Chrome to be installed")

    monkeypatch.setattr(figures, "_exporter_failed", False)
    monkeypatch.setattr(go.Figure, "to_image", to_image)
    with runlog.init(backends=["memory"], settings={"handle_signals": False}) as run:
        with pytest.warns(UserWarning, match="HTML only: the static image export failed "
                                             r"\(RuntimeError: Kaleido requires Google Chrome"):
            run.log({"a": scatter()})
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            run.log({"a": scatter()})
    history = run.backends["memory"].history
    assert len(history) == 2
    assert all(isinstance(r["a"], runlog.Html) and "a_image" not in r for r in history)


def test_plotly_figures_in_a_list_are_html_media():
    row, _ = log_and_read({"figs": [scatter(), scatter()]})
    assert isinstance(row["figs"], MediaSequence) and row["figs"].kind == "html"
    assert all("Plotly.newPlot" in page.html for page in row["figs"])
