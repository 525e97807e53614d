"""Figures of plotting libraries logged as they are: ``matplotlib.pyplot`` (its current figure)
and plotly figures (interactive HTML, plus a static PNG when plotly has an image exporter).

Nothing here imports matplotlib or plotly: a value is recognised by its type's module, and
converted with its own methods.
"""

from __future__ import annotations

import importlib.util
import types
from typing import Any

from ..errors import DataError, warn
from .html import Html
from .image import Image

#: the suffix of the key that holds a plotly figure's static PNG (``"chart"`` -> ``"chart_image"``)
IMAGE_SUFFIX = "_image"
#: how the HTML of a plotly figure loads plotly.js (a <script> from plotly's CDN: a few KB per
#: figure instead of about 4.5 MB; viewing it needs a network connection)
PLOTLYJS = "cdn"
_exporter_failed = False


def is_pyplot(value: Any) -> bool:
    """True for the ``matplotlib.pyplot`` module itself (``run.log({"chart": plt})``)."""
    return isinstance(value, types.ModuleType) and value.__name__ == "matplotlib.pyplot"


def is_plotly(value: Any) -> bool:
    """True for a plotly figure (``plotly.graph_objects.Figure`` and its widget)."""
    module = type(value).__module__ or ""
    return module.startswith("plotly.") and hasattr(value, "to_html") and hasattr(
        value, "to_plotly_json")


def pyplot_image(plt: Any) -> Image:
    """pyplot's current figure as an Image, as wandb logs ``plt``; the figure stays open.

    No open figure, or one without axes, is a DataError (wandb: "an empty plot").
    """
    if not plt.get_fignums():
        raise DataError("cannot log matplotlib.pyplot: no figure is open (plot something "
                        "first, or log a Figure object)")
    figure = plt.gcf()
    if not figure.axes:
        raise DataError("cannot log matplotlib.pyplot: its current figure is empty (no axes); "
                        "plot something first, or log a Figure object")
    return Image(figure)


def plotly_html(fig: Any) -> Html:
    """A plotly figure as an interactive HTML page (plotly.js loaded from its CDN)."""
    try:
        page = fig.to_html(include_plotlyjs=PLOTLYJS, full_html=True)
    except Exception as exc:  # noqa: BLE001 - plotly's failure is bad input here
        raise DataError(f"cannot render the plotly {type(fig).__name__} to HTML: {exc}") from None
    return Html(page, data_is_not_path=True)


def exporter_installed() -> bool:
    """True when plotly's static image exporter (the ``kaleido`` package) is installed."""
    return importlib.util.find_spec("kaleido") is not None


def plotly_image(fig: Any) -> Image | None:
    """A plotly figure as a static PNG Image, or None when plotly has no image exporter
    (kaleido not installed, or it fails: warned once per process)."""
    global _exporter_failed
    if _exporter_failed or not exporter_installed():
        return None
    try:
        png = fig.to_image(format="png")
    except Exception as exc:  # noqa: BLE001 - any exporter failure: keep the HTML alone
        _exporter_failed = True
        warn(f"runlog: plotly figures are logged as HTML only: the static image export failed "
             f"({type(exc).__name__}: {exc})")
        return None
    return _png_image(png)


def _png_image(png: bytes) -> Image:
    """The exporter's PNG bytes as an Image (decoded by PIL, pixels kept exactly)."""
    import io

    from PIL import Image as PILImage

    try:
        picture = PILImage.open(io.BytesIO(png))
        picture.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"plotly's image exporter returned no readable PNG: {exc}") from None
    return Image(picture)
