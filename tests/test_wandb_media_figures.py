"""Logging ``matplotlib.pyplot`` itself (its current figure) and plotly figures, as wandb code
does: what the files backend stores and TensorBoard shows."""

from __future__ import annotations

import io
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
    return go.Figure(go.Scatter(x=[1, 2, 3], y=[4, 1, 9], name="trace-a"),
                     layout={"title": {"text": "my plotly chart"}})


def test_plotly_figure_is_interactive_html_without_an_exporter():
    assert not figures.exporter_installed()  # kaleido is not a dependency
    fig = scatter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no exporter: HTML alone, silently
        row, acc = log_and_read({"plotly": fig, "express": px.line(x=[0, 1], y=[2, 3])})
    page = row["plotly"]
    assert isinstance(page, runlog.Html) and page.payload().mime == "text/html"
    assert page.html.lower().startswith(("<!doctype html>", "<html>"))
    assert "cdn.plot.ly/plotly-" in page.html
    assert "Plotly.newPlot" in page.html and "my plotly chart" in page.html
    assert '"y":[4,1,9]' in page.html.replace(" ", "")
    assert "trace-a" in page.html and isinstance(row["express"], runlog.Html)
    assert not any(key.endswith("_image") for key in row)
    [(step, text)] = texts(acc, "plotly")  # TensorBoard keeps HTML as (sanitized) text
    assert step == 0 and "my plotly chart" in text


def test_plotly_figure_gets_a_png_beside_it_when_the_exporter_works(monkeypatch):
    # kaleido cannot be installed here (it drives a Chrome): plotly's exporter is replaced by
    # a real PNG renderer; what is under test is what runlog stores from the exporter's bytes
    plt.figure(figsize=(3, 2), dpi=20)
    plt.plot([1, 2, 3], [4, 1, 9])
    png = io.BytesIO()
    plt.gcf().savefig(png, format="png")
    calls = []

    def to_image(self, format=None, **kw):
        calls.append(format)
        return png.getvalue()

    monkeypatch.setattr(figures, "exporter_installed", lambda: True)
    monkeypatch.setattr(go.Figure, "to_image", to_image)
    row, acc = log_and_read({"chart": scatter()})
    assert calls == ["png"]
    assert isinstance(row["chart"], runlog.Html)
    image = row["chart_image"]
    assert isinstance(image, runlog.Image) and (image.width, image.height) == (60, 40)
    assert np.array_equal(image.to_numpy()[..., :3], pixels(png.getvalue()))
    [event] = acc.Images("chart_image")
    assert np.array_equal(pixels(event.encoded_image_string), pixels(png.getvalue()))


def test_a_failing_exporter_warns_once_and_keeps_the_html(monkeypatch):
    def to_image(self, format=None, **kw):
        raise RuntimeError("Kaleido requires Google Chrome to be installed")

    monkeypatch.setattr(figures, "exporter_installed", lambda: True)
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
