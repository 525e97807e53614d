"""runlog media values as MLflow artifacts (and a few metrics), in the layouts MLflow's UI reads.

- Images: MLflow's step-image layout, what ``MlflowClient.log_image(run_id, img, key=, step=)``
  writes: ``images/<key, / as ~>+step+<step>+timestamp+<ms>+<uuid>.png`` plus a
  ``…+compressed.webp`` thumbnail (longest side 256), and the tag ``mlflow.loggedImages``; the
  run page's image grid shows them with a step slider. Matplotlib figures are images already.
- Tables: MLflow's table JSON (pandas "split": ``{"columns": [...], "data": [[...]]}``) at
  ``tables/<key>/<step>.json``, listed in the ``mlflow.loggedArtifacts`` tag as MLflow's own
  ``log_table`` does; media cells are files beside it, referenced as ``{"type", "filepath"}``.
- Histograms: ``histograms/<key>/<step>.json`` (``{"values": counts, "bins": edges}``) and the
  metrics ``<key>/min``, ``<key>/max``, ``<key>/mean`` at that step.
- Video, audio, 3D objects, HTML, files: their bytes at ``<kind>/<key>/<step>.<ext>``.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import uuid
from collections.abc import Callable
from typing import Any

from runlog.typespec.media import Media, MediaSequence

#: ``warn(key, message)``: report a problem once per key
Warn = Callable[[str, str], None]
THUMBNAIL = 256  # MLflow's COMPRESSED_IMAGE_SIZE
DIRS = {"video": "videos", "audio": "audio", "object3d": "object3d", "html": "html",
        "file": "files"}


class Rendered:
    """What media values of one batch become: artifact files, metrics, table paths."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.metrics: list[tuple[str, float]] = []  # (key suffix, value) at the row's step
        self.tables: list[str] = []
        self.images = False


def render(out: Rendered, key: str, step: int, ts_ms: int, value: Any, warn: Warn) -> None:
    """Add the artifacts of one media value (or media sequence) logged under ``key``."""
    items = value.items if isinstance(value, MediaSequence) else (value,)
    many = len(items) > 1
    for i, item in enumerate(items):
        name = f"{step}_{i}" if many else f"{step}"
        kind = item.kind
        if kind == "image":
            _image(out, key, step, ts_ms, item, warn)
        elif kind == "table":
            _table(out, f"tables/{key}/{name}", item)
        elif kind == "histogram":
            _histogram(out, f"histograms/{key}/{name}.json", item, suffix=f"/{i}" if many else "")
        else:
            payload = item.payload()
            out.files[f"{DIRS.get(kind, 'files')}/{key}/{name}.{payload.ext}"] = payload.data


def image_files(key: str, step: int, ts_ms: int, png: bytes) -> dict[str, bytes]:
    """MLflow's step-image files for one PNG: the image and its webp thumbnail."""
    base = f"images/{key.replace('/', '~')}+step+{step}+timestamp+{ts_ms}+{uuid.uuid4()}"
    return {f"{base}.png": png, f"{base}+compressed.webp": thumbnail(png)}


def thumbnail(png: bytes) -> bytes:
    """The image scaled so that its longest side is 256 pixels, as webp (MLflow's preview)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        w, h = im.size
        scale = THUMBNAIL / max(w, h)
        small = im.resize((max(1, int(w * scale)), max(1, int(h * scale))))
        buf = io.BytesIO()
        small.save(buf, format="WEBP")
    return buf.getvalue()


def _image(out: Rendered, key: str, step: int, ts_ms: int, img: Any, warn: Warn) -> None:
    if getattr(img, "boxes", None) or getattr(img, "masks", None):
        warn(key, "MLflow images have no overlays; boxes and masks are not drawn")
    out.files.update(image_files(key, step, ts_ms, _png(img.payload())))
    out.images = True


def _png(payload: Any) -> bytes:
    if payload.ext == "png":
        return payload.data
    from PIL import Image

    with Image.open(io.BytesIO(payload.data)) as im:
        buf = io.BytesIO()
        im.save(buf, format="PNG")
    return buf.getvalue()


def _table(out: Rendered, stem: str, table: Any) -> None:
    columns = [str(c) for c in table.columns]
    rows = [[_cell(out, f"{stem}_media", v) for v in row] for row in table.data]
    path = f"{stem}.json"
    out.files[path] = json.dumps({"columns": columns, "data": rows}, ensure_ascii=False,
                                 allow_nan=False).encode("utf-8")
    out.tables.append(path)


def _cell(out: Rendered, folder: str, value: Any) -> Any:
    """A table cell as MLflow's table JSON holds it; NaN and ±inf become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, MediaSequence):
        return [_cell(out, folder, v) for v in value.items]
    if isinstance(value, Media):
        payload = value.payload()
        if value.kind == "image":
            data = _png(payload)
            path = f"{folder}/{payload.sha256}.png"
            out.files[path] = data
            small = f"{folder}/{payload.sha256}+compressed.webp"
            out.files[small] = thumbnail(data)
            return {"type": "image", "filepath": path, "compressed_filepath": small}
        path = f"{folder}/{payload.sha256}.{payload.ext}"
        out.files[path] = payload.data
        return {"type": value.kind, "filepath": path}
    if isinstance(value, list):
        return [_cell(out, folder, v) for v in value]
    if isinstance(value, dict):
        return {k: _cell(out, folder, v) for k, v in value.items()}
    return value


def _histogram(out: Rendered, path: str, hist: Any, suffix: str) -> None:
    counts = [float(c) for c in hist.values]
    edges = [float(e) for e in hist.bins]
    out.files[path] = json.dumps({"values": hist.values, "bins": hist.bins}).encode("utf-8")
    nonzero = [i for i, c in enumerate(counts) if c]
    if not nonzero:
        return
    total = sum(counts)
    centres = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
    out.metrics += [
        (f"{suffix}/min", edges[nonzero[0]]),
        (f"{suffix}/max", edges[nonzero[-1] + 1]),
        (f"{suffix}/mean", sum(c * x for c, x in zip(counts, centres)) / total),
    ]
