"""Media values as TensorBoard summary values (``Summary.Value`` protos from tensorboardX).

Encoded payloads are passed through as they are (PNG/JPEG images, GIF video, WAV audio), so
TensorBoard shows exactly the bytes every other backend stores; nothing is re-encoded and no
moviepy or soundfile is needed.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

from tensorboardX.proto.plugin_mesh_pb2 import MeshPluginData
from tensorboardX.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboardX.proto.tensor_pb2 import TensorProto
from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboardX.summary import pr_curve, text

from .mesh import mesh_arrays
from .tags import encode, sub_tag

#: ``warn(tag, message)``: report a problem once per tag
Warn = Callable[[str, str], None]

#: most thresholds TensorBoard's PR-curve plugin keeps (tensorboardX caps larger values)
PR_THRESHOLDS = 127
_COLORSPACE = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}


def text_value(tag: str, body: str) -> Summary.Value:
    """A markdown text summary; TensorBoard stores it under ``<tag>/text_summary``."""
    return text(tag, body).value[0]


def json_text(obj: Any) -> str:
    """``obj`` as a fenced JSON block (markdown), the form of runlog's bookkeeping texts."""
    return "```json\n" + json.dumps(obj, indent=1, sort_keys=True, default=str) + "\n```"


def image_value(tag: str, data: bytes, width: int, height: int, channels: int) -> Summary.Value:
    """An encoded image (PNG, JPEG, BMP or GIF bytes) as a ``Summary.Image``."""
    image = Summary.Image(height=height, width=width, colorspace=channels,
                          encoded_image_string=data)
    return Summary.Value(tag=tag, image=image)


def image(tag: str, img: Any, warn: Warn) -> list[Summary.Value]:
    """A ``runlog.Image``: its encoded bytes (boxes and masks are not drawn)."""
    if img.boxes or img.masks:
        warn(tag, "TensorBoard images have no overlays; boxes and masks are not shown")
    channels = _COLORSPACE.get(img.mode, 3)
    return [image_value(tag, img.payload().data, img.width, img.height, channels)]


def histogram(tag: str, hist: Any, warn: Warn) -> list[Summary.Value]:
    """A ``runlog.Histogram``: its buckets and counts exactly (``add_histogram_raw``'s form).

    ``min``/``max`` are the outer edges of the first and last non-empty bucket, since
    TensorBoard draws those buckets from them; ``sum`` and ``sum_squares`` use bucket centres.
    """
    counts = [float(c) for c in hist.values]
    edges = [float(e) for e in hist.bins]
    nonzero = [i for i, c in enumerate(counts) if c]
    lo, hi = (edges[nonzero[0]], edges[nonzero[-1] + 1]) if nonzero else (edges[0], edges[-1])
    centres = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
    proto = HistogramProto(
        min=lo, max=hi, num=sum(counts),
        sum=sum(c * x for c, x in zip(counts, centres)),
        sum_squares=sum(c * x * x for c, x in zip(counts, centres)),
        bucket_limit=edges[1:], bucket=counts,
    )
    return [Summary.Value(tag=tag, histo=proto)]


def video(tag: str, clip: Any, warn: Warn) -> list[Summary.Value]:
    """A ``runlog.Video``: a GIF as an animated image (what ``add_video`` writes, without
    moviepy); TensorBoard cannot play mp4 / webm / ogg, so those become a note."""
    if clip.format != "gif":
        return note(tag, clip, warn)
    return [image_value(tag, clip.payload().data, clip.width or 0, clip.height or 0, 3)]


def audio(tag: str, clip: Any, warn: Warn) -> list[Summary.Value]:
    """A ``runlog.Audio``: its WAV bytes (TensorBoard plays WAV only; other formats: a note)."""
    if clip.file_type != "wav":
        return note(tag, clip, warn)
    proto = Summary.Audio(sample_rate=clip.sample_rate or 0, num_channels=clip.channels or 0,
                          length_frames=clip.frames or 0,
                          encoded_audio_string=clip.payload().data, content_type="audio/wav")
    return [Summary.Value(tag=tag, audio=proto)]


def object3d(tag: str, obj: Any, warn: Warn) -> list[Summary.Value]:
    """A ``runlog.Object3D`` for TensorBoard's mesh plugin: tensors ``<tag>_/VERTEX``,
    ``<tag>_/FACE`` and ``<tag>_/COLOR`` (those present) named ``<tag>`` in their metadata,
    with the ``components`` mask the plugin's viewer needs (tensorboardX's ``add_mesh`` leaves
    it out, and its mesh card stays blank); glTF / glb become a note."""
    arrays = mesh_arrays(obj)
    if arrays is None:
        return note(tag, obj, warn)
    vertices, colors, faces = arrays
    parts = [(part, dtype, array) for part, dtype, array in (
        ("VERTEX", "DT_FLOAT", vertices), ("FACE", "DT_INT32", faces),
        ("COLOR", "DT_UINT8", colors)) if array is not None]
    types = MeshPluginData.ContentType
    components = sum(1 << types.Value(part) for part, _, _ in parts)
    out = []
    for part, dtype, array in parts:
        shape = (1, *array.shape)
        content = MeshPluginData(version=0, name=tag, content_type=types.Value(part),
                                 json_config="{}", shape=shape).SerializeToString()
        # field 7 (components, a varint) is missing from tensorboardX's copy of the proto
        content += bytes([7 << 3, components])
        meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="mesh",
                                                                      content=content))
        flat = array.reshape(-1).tolist()
        values = {"float_val" if dtype == "DT_FLOAT" else "int_val": flat}
        proto = TensorProto(dtype=dtype, tensor_shape=TensorShapeProto(
            dim=[TensorShapeProto.Dim(size=n) for n in shape]), **values)
        out.append(Summary.Value(tag=sub_tag(tag, part), tensor=proto, metadata=meta))
    return out


def table(tag: str, tab: Any, warn: Warn) -> list[Summary.Value]:
    """A ``runlog.Table`` as a markdown table (TensorBoard's text plugin renders it)."""
    return [text_value(tag, markdown_table(tab.columns, tab.data))]


def plot(tag: str, chart: Any, warn: Warn) -> list[Summary.Value]:
    """A ``runlog.plot`` chart: a PR curve natively, one per class under ``<tag>_/<class>``
    (``add_pr_curve`` from the raw inputs); any other chart as its table, titled."""
    if chart.chart != "pr_curve":
        title = f"**{_cell(chart.title)}**\n\n" if chart.title else ""
        return [text_value(tag, title + markdown_table(chart.table.columns, chart.table.data))]
    import numpy as np

    out = []
    for label, is_positive, scores in chart.binary_inputs():
        scores = np.asarray(scores, dtype=float)
        if scores.min() < 0 or scores.max() > 1:
            warn(tag, "PR-curve scores outside [0, 1] were clipped (TensorBoard bins [0, 1])")
            scores = scores.clip(0, 1)
        summary = pr_curve(sub_tag(tag, encode(str(label))), np.asarray(is_positive),
                           scores, num_thresholds=PR_THRESHOLDS)
        out.append(summary.value[0])
    return out


def html(tag: str, page: Any, warn: Warn) -> list[Summary.Value]:
    """A ``runlog.Html`` as text: TensorBoard sanitizes it and keeps the safe tags."""
    return [text_value(tag, page.html)]


def note(tag: str, media: Any, warn: Warn) -> list[Summary.Value]:
    """A value TensorBoard cannot show (a ``runlog.File``, an mp4, a glb, ...): a text line
    naming it, its MIME type, size and sha256."""
    p = media.payload()
    name = getattr(media, "name", None) or p.filename
    if media.kind != "file":
        warn(tag, f"TensorBoard cannot show {media.kind} {p.ext} values; a note is written")
    return [text_value(tag, f"{media.kind} `{_cell(name)}` ({p.mime}, {p.size} bytes, "
                            f"sha256 `{p.sha256}`)")]


def markdown_table(columns: list[str], rows: list[list[Any]]) -> str:
    """A markdown table; media cells show as their type and size."""
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |",
             "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        s = value
    elif isinstance(value, (bool, int, float)):
        s = repr(value)
    elif isinstance(value, (list, dict)):
        s = json.dumps(value, default=str)
    else:  # media: "<runlog.Image 32x32 RGB png>" without the angle brackets markdown drops
        s = repr(value).strip("<>")
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


#: media kind -> renderer
RENDERERS: dict[str, Callable[[str, Any, Warn], list[Summary.Value]]] = {
    "image": image,
    "video": video,
    "audio": audio,
    "histogram": histogram,
    "table": table,
    "plot": plot,
    "object3d": object3d,
    "html": html,
    "file": note,
}
