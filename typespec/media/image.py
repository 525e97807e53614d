"""Image: pixels from arrays, tensors, PIL images, image files or matplotlib figures."""

from __future__ import annotations

import io
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from ..errors import DataError
from ..payload import Payload
from ..tensors import to_numpy
from ._overlays import Mask, validate_boxes, validate_masks
from ._pixels import to_uint8
from ._source import bad_input, check_caption, is_path, read_path, type_name
from .base import Media

#: file_type -> (PIL format, MIME type)
FILE_TYPES = {
    "png": ("PNG", "image/png"),
    "jpg": ("JPEG", "image/jpeg"),
    "jpeg": ("JPEG", "image/jpeg"),
    "bmp": ("BMP", "image/bmp"),
}
_FORMAT_EXT = {"PNG": "png", "JPEG": "jpg", "BMP": "bmp"}
#: PIL save options per format: zlib level 3 encodes photos about twice as fast as PIL's
#: default 6 for files 3-7 % larger (benchmarks/bench_png.py, docs/performance.md)
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {"PNG": {"compress_level": 3}}
#: PIL modes an array may be read as -> number of channels
MODES = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4, "CMYK": 4, "YCbCr": 3, "LAB": 3, "HSV": 3}
_DEFAULT_MODE = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
_SAVE_MODES = {"PNG": {"L", "LA", "RGB", "RGBA"}, "JPEG": {"L", "RGB", "CMYK"},
               "BMP": {"L", "RGB"}}
_ALPHA_MODES = {"LA", "La", "PA", "RGBA", "RGBa"}
_NUMERIC_MODES = {"I", "I;16", "I;16B", "I;16L", "F"}  # converted by the pixel rule
_ACCEPTED = ("a path, a PIL image, a numpy array HW, HWC (C = 1, 2, 3, 4) or CHW, a tensor, "
             "a matplotlib figure or a runlog Image")


class Image(Media):
    """An image: ``Image(data, caption=None, mode=None, file_type=None, boxes=None, masks=None)``.

    ``data`` is a path, a PIL image, a numpy array HW / HWC (C = 1, 2, 3, 4) / CHW (detected when
    the first axis is 1, 3 or 4 and the last is not), a tensor (``detach().cpu().numpy()``), a
    matplotlib figure (rendered to PNG now) or another ``Image``. Pixels follow the pixel rule
    (uint8 as is, [0, 1] and [-1, 1] floats scaled, nothing wraps around). ``file_type`` is
    png (default), jpg, jpeg or bmp; a path keeps its own bytes when it is a png/jpg/bmp file and
    neither ``file_type`` nor ``mode`` asks for a conversion. ``mode`` is the PIL mode the pixels
    are read as (its channel count must match). ``boxes`` / ``masks`` use the wandb dict format.

    Read accessors: :attr:`width`, :attr:`height`, :attr:`mode` (PIL mode of the encoded file),
    :attr:`file_type`, :attr:`boxes`, :attr:`masks`, :meth:`to_numpy`.
    """

    kind = "image"
    width: int
    height: int
    mode: str
    file_type: str
    boxes: dict[str, dict[str, Any]] | None
    masks: dict[str, Mask] | None

    def __init__(
        self,
        data: Any,
        caption: str | None = None,
        mode: str | None = None,
        file_type: str | None = None,
        boxes: dict[str, Any] | None = None,
        masks: dict[str, Any] | None = None,
    ) -> None:
        self.caption = check_caption("Image", caption)
        if mode is not None and (not isinstance(mode, str) or mode not in MODES):
            raise bad_input("Image", "mode", mode, f"one of {sorted(MODES)} or None")
        if file_type is not None:
            if not isinstance(file_type, str) or file_type.lower().lstrip(".") not in FILE_TYPES:
                raise bad_input("Image", "file_type", file_type, "png, jpg, jpeg or bmp")
            file_type = file_type.lower().lstrip(".")
        self.boxes, self.masks = None, None
        np = sys.modules.get("numpy")
        if np is not None and type(data) is np.ndarray:  # the common case first
            self._from_array(data, mode, file_type or "png")
        elif isinstance(data, Image):
            self._from_image(data, mode, file_type)
        elif is_path(data):
            self._from_encoded(read_path(data, "Image"), f"data {os.fspath(data)!r}", mode,
                               file_type)
        elif _is_pil(data):
            self._from_pil(data, mode, file_type or "png")
        elif _is_figure(data):
            self._from_encoded(render_figure(data), "the figure", mode, file_type)
        else:
            arr = to_numpy(data)
            if arr is None:
                raise bad_input("Image", "data", data, _ACCEPTED)
            self._from_array(arr, mode, file_type or "png")
        if boxes is not None:
            self.boxes = validate_boxes(boxes)
        if masks is not None:
            self.masks = validate_masks(masks, (self.width, self.height))

    # -- inputs ----------------------------------------------------------------------------
    def _from_image(self, other: Image, mode: str | None, file_type: str | None) -> None:
        self.boxes, self.masks = other.boxes, other.masks
        if self.caption is None:
            self.caption = other.caption
        if mode is None and file_type in (None, other.file_type):
            self.width, self.height, self.mode = other.width, other.height, other.mode
            self.file_type = other.file_type
            self._lazy = other._lazy  # the same immutable pixels, encoded at most once
        else:
            self._from_encoded(other.payload().data, "the image", mode, file_type)

    def _from_encoded(self, data: bytes, where: str, mode: str | None,
                      file_type: str | None) -> None:
        from PIL import Image as PILImage

        try:
            im = PILImage.open(io.BytesIO(data))
            im.load()
        except (OSError, SyntaxError, ValueError) as exc:
            raise DataError(f"Image: {where} is not an image file PIL can read: {exc}") from None
        ext = _FORMAT_EXT.get(im.format or "")
        wanted = None if file_type is None else FILE_TYPES[file_type][0]
        if mode is not None or ext is None or wanted not in (None, im.format):
            self._from_pil(im, mode, file_type or "png")
            return
        self.width, self.height = im.size
        self.mode, self.file_type = im.mode, file_type or ext
        meta = self._meta()
        mime = FILE_TYPES[self.file_type][1]
        self._set_encoder(lambda: Payload(data, meta["file_type"], mime, meta))

    def _from_pil(self, im: Any, mode: str | None, file_type: str) -> None:
        import numpy as np

        try:
            im.load()
        except (OSError, ValueError) as exc:
            raise DataError(f"Image: the PIL image cannot be loaded: {exc}") from None
        if mode is not None:
            im = im.convert(mode)
        elif im.mode in _NUMERIC_MODES:
            self._from_array(np.asarray(im), None, file_type)  # numeric: the pixel rule
            return
        elif im.mode not in MODES:
            im = im.convert(_basic_mode(im))
        self._set_pixels(np.asarray(im), im.mode, file_type)  # asarray(PIL) is a new array

    def _from_array(self, arr: Any, mode: str | None, file_type: str) -> None:
        import numpy as np

        original = arr
        while arr.ndim > 3 and arr.shape[0] == 1:  # a batch of one
            arr = arr[0]
        if arr.ndim == 3 and arr.shape[-1] not in _DEFAULT_MODE and arr.shape[0] in (1, 3, 4):
            arr = arr.transpose(1, 2, 0)  # CHW -> HWC
        if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] not in _DEFAULT_MODE):
            raise bad_input("Image", "data", original, _ACCEPTED, f"shape {original.shape}")
        if arr.size == 0:
            raise bad_input("Image", "data", original, "a non-empty image",
                            f"shape {original.shape}")
        channels = 1 if arr.ndim == 2 else arr.shape[-1]
        if mode is not None and MODES[mode] != channels:
            raise DataError(f"Image: mode {mode!r} needs {MODES[mode]} channel(s), the array "
                            f"has {channels} (shape {original.shape})")
        pixels = to_uint8(arr, "Image")
        # the snapshot: a uint8 input is copied here, a converted one is already new
        pixels = pixels.copy(order="C") if pixels is arr else np.ascontiguousarray(pixels)
        if channels == 1 and pixels.ndim == 3:
            pixels = pixels[..., 0]
        self._set_pixels(pixels, mode or _DEFAULT_MODE[channels], file_type)

    def _set_pixels(self, pixels: Any, mode: str, file_type: str) -> None:
        fmt, mime = FILE_TYPES[file_type]
        save_mode = mode if mode in _SAVE_MODES[fmt] else (
            "RGBA" if mode in _ALPHA_MODES and fmt == "PNG" else "RGB")
        if mode in _ALPHA_MODES and save_mode not in _ALPHA_MODES:
            warnings.warn(f"runlog: Image: {file_type} has no transparency; the alpha channel "
                          "was dropped (use file_type='png' to keep it)", UserWarning,
                          stacklevel=4)
        self.height, self.width = pixels.shape[:2]
        self.mode, self.file_type = save_mode, file_type
        meta = self._meta()

        def encode() -> Payload:
            from PIL import Image as PILImage

            h, w = pixels.shape[:2]
            im = PILImage.frombuffer(mode, (w, h), pixels, "raw", mode, 0, 1)
            if save_mode != mode:
                im = im.convert(save_mode)
            buf = io.BytesIO()
            im.save(buf, format=fmt, **_SAVE_OPTIONS.get(fmt, {}))
            return Payload(buf.getvalue(), file_type, mime, meta)

        self._set_encoder(encode)

    def _meta(self) -> dict[str, Any]:
        return {"width": self.width, "height": self.height, "mode": self.mode,
                "file_type": self.file_type}

    # -- read accessors --------------------------------------------------------------------
    def to_numpy(self) -> Any:
        """The pixels decoded from the payload: a uint8 H×W×C array (C = 1, 3 or 4)."""
        import numpy as np
        from PIL import Image as PILImage

        with PILImage.open(io.BytesIO(self.payload().data)) as im:
            if im.mode in _NUMERIC_MODES:
                arr = to_uint8(np.asarray(im), "Image")
            else:
                if im.mode not in ("L", "RGB", "RGBA"):
                    im = im.convert(_basic_mode(im))
                arr = np.asarray(im)
        return arr[..., None] if arr.ndim == 2 else arr

    # -- JSON form -------------------------------------------------------------------------
    def _json_fields(self) -> dict[str, Any]:
        out = super()._json_fields()
        if self.boxes is not None:
            out["boxes"] = {
                name: {**g, "class_labels": {str(k): v for k, v in g["class_labels"].items()}}
                if "class_labels" in g else g
                for name, g in self.boxes.items()
            }
        if self.masks is not None:
            out["masks"] = {name: m.to_json() for name, m in self.masks.items()}
        return out

    @classmethod
    def _from_json_fields(cls, fields: dict[str, Any], payload: Payload) -> Image:
        obj = super()._from_json_fields(fields, payload)
        assert isinstance(obj, Image)
        meta = payload.meta
        obj.width, obj.height = meta["width"], meta["height"]
        obj.mode, obj.file_type = meta["mode"], meta["file_type"]
        obj.boxes = None if "boxes" not in fields else {
            name: {**g, "class_labels": {int(k): v for k, v in g["class_labels"].items()}}
            if "class_labels" in g else g
            for name, g in fields["boxes"].items()
        }
        obj.masks = None if "masks" not in fields else {
            name: Mask.from_json(m) for name, m in fields["masks"].items()
        }
        return obj

    @classmethod
    def _check_sequence(cls, items: Sequence[Media]) -> None:
        sizes = {(im.width, im.height) for im in items if isinstance(im, Image)}
        if len(sizes) > 1:
            warnings.warn(
                f"runlog: image sizes do not match ({len(sizes)} different sizes, "
                f"{sorted(sizes)[:3]}...); viewers that tile a list of images may show them "
                "incorrectly", UserWarning, stacklevel=5)

    def __repr__(self) -> str:
        cap = f" caption={self.caption!r}" if self.caption else ""
        return f"<runlog.Image {self.width}x{self.height} {self.mode} {self.file_type}{cap}>"


def image_sequence_meta(images: Sequence[Image]) -> dict[str, Any]:
    """What a list of images logged under one key reports: count, first width/height, captions.

    ``captions`` is None when no image has one.
    """
    captions = [im.caption for im in images]
    return {
        "count": len(images),
        "width": images[0].width,
        "height": images[0].height,
        "captions": captions if any(c is not None for c in captions) else None,
    }


def render_figure(fig: Any) -> bytes:
    """A matplotlib figure rendered to PNG bytes (Agg; the global pyplot backend is untouched)."""
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png")
    except Exception as exc:  # noqa: BLE001 - any matplotlib failure is bad input here
        raise DataError(f"Image: the {type_name(fig)} cannot be rendered to PNG: {exc}") from None
    return buf.getvalue()


def _basic_mode(im: Any) -> str:
    """L, RGB or RGBA: the plain mode a PIL image of another mode converts to."""
    if im.mode in _ALPHA_MODES or "transparency" in im.info:
        return "RGBA"
    return "L" if im.mode == "1" else "RGB"


def _is_pil(value: Any) -> bool:
    return type(value).__module__.startswith("PIL.") and hasattr(value, "getbands")


def _is_figure(value: Any) -> bool:
    return type(value).__module__.startswith("matplotlib") and hasattr(value, "savefig")
