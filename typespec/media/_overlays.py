"""Bounding boxes and segmentation masks of an Image, in the wandb dict format.

Boxes: ``{name: {"box_data": [box, ...], "class_labels": {int: str}}}`` where a box is
``{"position": {"minX", "maxX", "minY", "maxY"} | {"middle": [x, y], "width", "height"},
"class_id": int, "box_caption": str?, "scores": {str: number}?, "domain": "pixel"?}``.

Masks: ``{name: {"mask_data": 2-D int array | "path": str, "class_labels": {int: str}}}``.
A mask is kept as a lossless 8-bit PNG payload (class ids 0-255); in the JSON form it is that
PNG, base64-encoded, under ``"png"``.
"""

from __future__ import annotations

import base64
import io
import numbers
from collections.abc import Mapping
from typing import Any

from ..errors import DataError, safe_repr
from ..payload import LazyPayload, Payload
from ..text import check_text
from ._source import bad_input, read_path, type_name

_CORNERS = ("minX", "maxX", "minY", "maxY")
_BOX_KEYS = {"position", "class_id", "box_caption", "scores", "domain"}


def _number(value: Any, where: str) -> int | float:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        item = value.item() if hasattr(value, "item") else value
        return item if isinstance(item, int) else float(item)
    raise bad_input("Image", where, value, "a number")


def _integer(value: Any, where: str) -> int:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    raise bad_input("Image", where, value, "an int")


def class_labels(labels: Any, where: str) -> dict[int, str]:
    """Validated ``{int class id: str label}``; other keys are a ``DataError``."""
    if not isinstance(labels, Mapping):
        raise bad_input("Image", where, labels, "a dict of int class ids to str labels")
    out: dict[int, str] = {}
    for key, label in labels.items():
        if not isinstance(key, numbers.Integral) or isinstance(key, bool):
            raise DataError(
                f"Image: {where} keys must be int class ids, got {type_name(key)} key "
                f"{safe_repr(key)} (Class labels must be a dictionary of numbers to string)"
            )
        if not isinstance(label, str):
            raise bad_input("Image", f"{where}[{key!r}]", label, "a str label")
        out[int(key)] = check_text(label, f"Image: {where}[{key!r}]")
    return out


def _position(pos: Any, where: str) -> dict[str, Any]:
    if not isinstance(pos, Mapping):
        raise bad_input("Image", where, pos, "a dict {minX, maxX, minY, maxY} or "
                        "{middle: [x, y], width, height}")
    if set(pos) == set(_CORNERS):
        out = {k: _number(pos[k], f"{where}[{k!r}]") for k in _CORNERS}
        if out["minX"] > out["maxX"] or out["minY"] > out["maxY"]:
            raise DataError(f"Image: {where} has minX > maxX or minY > maxY: {out}")
        return out
    if set(pos) == {"middle", "width", "height"}:
        middle = pos["middle"]
        if not isinstance(middle, (list, tuple)) or len(middle) != 2:
            raise bad_input("Image", f"{where}['middle']", middle, "a pair [x, y]")
        return {
            "middle": [_number(m, f"{where}['middle']") for m in middle],
            "width": _number(pos["width"], f"{where}['width']"),
            "height": _number(pos["height"], f"{where}['height']"),
        }
    raise DataError(
        f"Image: {where} must have the keys minX, maxX, minY, maxY or middle, width, height; "
        f"got {sorted(map(str, pos))}"
    )


def _box(box: Any, where: str) -> dict[str, Any]:
    if not isinstance(box, Mapping):
        raise bad_input("Image", where, box, "a dict with position and class_id")
    unknown = set(box) - _BOX_KEYS
    if unknown or "position" not in box or "class_id" not in box:
        raise DataError(
            f"Image: {where} needs position and class_id and may have box_caption, scores, "
            f"domain; got keys {sorted(map(str, box))}"
        )
    out: dict[str, Any] = {
        "position": _position(box["position"], f"{where}['position']"),
        "class_id": _integer(box["class_id"], f"{where}['class_id']"),
    }
    if box.get("box_caption") is not None:
        if not isinstance(box["box_caption"], str):
            raise bad_input("Image", f"{where}['box_caption']", box["box_caption"], "a str")
        out["box_caption"] = check_text(box["box_caption"], f"Image: {where}['box_caption']")
    if box.get("scores") is not None:
        scores = box["scores"]
        if not isinstance(scores, Mapping) or not all(isinstance(k, str) for k in scores):
            raise bad_input("Image", f"{where}['scores']", scores, "a dict of str to numbers")
        out["scores"] = {check_text(k, f"Image: {where}['scores'] key"):
                         _number(v, f"{where}['scores'][{k!r}]") for k, v in scores.items()}
    if box.get("domain") is not None:
        if box["domain"] != "pixel":
            raise DataError(f"Image: {where}['domain'] must be \"pixel\" or left out "
                            f"(relative coordinates), got {box['domain']!r}")
        out["domain"] = "pixel"
    return out


def validate_boxes(boxes: Any) -> dict[str, dict[str, Any]]:
    """The boxes argument, validated and normalized (python numbers, int class ids)."""
    if not isinstance(boxes, Mapping):
        raise bad_input("Image", "boxes", boxes, 'a dict {name: {"box_data": [...], '
                        '"class_labels": {...}}}')
    out: dict[str, dict[str, Any]] = {}
    for name, group in boxes.items():
        where = f"boxes[{safe_repr(name)}]"
        if not isinstance(name, str):
            raise bad_input("Image", "boxes keys", name, "str names")
        check_text(name, "Image: boxes key")
        if not isinstance(group, Mapping) or not isinstance(group.get("box_data"), (list, tuple)):
            raise bad_input("Image", where, group, 'a dict with a "box_data" list')
        entry: dict[str, Any] = {
            "box_data": [_box(b, f"{where}['box_data'][{i}]")
                         for i, b in enumerate(group["box_data"])]
        }
        if group.get("class_labels") is not None:
            entry["class_labels"] = class_labels(group["class_labels"], f"{where}['class_labels']")
        out[name] = entry
    return out


class Mask:
    """One segmentation mask: class ids (uint8, H×W), their labels and a lazy PNG payload."""

    __slots__ = ("_array", "_lazy", "class_labels")

    def __init__(self, array: Any, labels: dict[int, str] | None) -> None:
        self._array = array
        self.class_labels = labels
        self._lazy = LazyPayload(self._encode)

    def _encode(self) -> Payload:
        from PIL import Image as PILImage

        buf = io.BytesIO()
        PILImage.fromarray(self._array).save(buf, format="PNG")
        h, w = self._array.shape
        return Payload(buf.getvalue(), "png", "image/png", {"width": w, "height": h})

    def payload(self) -> Payload:
        """The mask as an 8-bit grayscale PNG."""
        return self._lazy.get()

    @property
    def mask_data(self) -> Any:
        """The class ids, a uint8 H×W numpy array (decoded from the PNG when read from JSON)."""
        if self._array is None:
            self._array = decode_mask(self.payload().data, "mask")
        return self._array

    def to_json(self) -> dict[str, Any]:
        """``{"png": base64 PNG, "class_labels": {"<id>": label}?}``."""
        out: dict[str, Any] = {"png": base64.b64encode(self.payload().data).decode("ascii")}
        if self.class_labels is not None:
            out["class_labels"] = {str(k): v for k, v in self.class_labels.items()}
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Mask:
        """Read back what :meth:`to_json` wrote."""
        mask = cls.__new__(cls)
        mask._array = None
        labels = obj.get("class_labels")
        mask.class_labels = None if labels is None else {int(k): v for k, v in labels.items()}
        data = base64.b64decode(obj["png"])
        from PIL import Image as PILImage

        with PILImage.open(io.BytesIO(data)) as im:
            w, h = im.size
        mask._lazy = LazyPayload.ready(Payload(data, "png", "image/png",
                                               {"width": w, "height": h}))
        return mask


def decode_mask(data: bytes, where: str) -> Any:
    """Class ids from an image file's bytes (a grayscale or palette image)."""
    import numpy as np
    from PIL import Image as PILImage

    try:
        with PILImage.open(io.BytesIO(data)) as im:
            if im.mode not in ("1", "L", "P", "I", "I;16"):
                raise DataError(f"Image: {where} must be a grayscale or palette image of class "
                                f"ids, got mode {im.mode}")
            return np.asarray(im)
    except OSError as exc:
        raise DataError(f"Image: {where} is not an image file PIL can read: {exc}") from None


def _mask_array(value: Any, where: str, size: tuple[int, int]) -> Any:
    import numpy as np

    from ..tensors import to_numpy

    arr = to_numpy(value) if not isinstance(value, (list, tuple)) else np.asarray(value)
    if arr is None or arr.ndim != 2:
        detail = "" if arr is None else f"shape {arr.shape}"
        raise bad_input("Image", where, value, "a 2-D array of int class ids (H×W)", detail)
    if arr.dtype.kind == "f" and np.array_equal(arr, np.round(arr)):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "biu":
        raise bad_input("Image", where, value, "a 2-D array of int class ids", f"dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() > 255):
        raise DataError(f"Image: {where} class ids must be in [0, 255], got "
                        f"[{arr.min()}, {arr.max()}]")
    if arr.shape != (size[1], size[0]):
        raise DataError(f"Image: {where} has shape {arr.shape}, the image is "
                        f"{size[1]}×{size[0]} (height×width)")
    return arr.astype(np.uint8)  # always a copy


def validate_masks(masks: Any, size: tuple[int, int]) -> dict[str, Mask]:
    """The masks argument as :class:`Mask` values; ``size`` is the image's (width, height)."""
    if not isinstance(masks, Mapping):
        raise bad_input("Image", "masks", masks, 'a dict {name: {"mask_data": array | "path": '
                        'str, "class_labels": {...}}}')
    out: dict[str, Mask] = {}
    for name, spec in masks.items():
        where = f"masks[{safe_repr(name)}]"
        if not isinstance(name, str):
            raise bad_input("Image", "masks keys", name, "str names")
        check_text(name, "Image: masks key")
        if not isinstance(spec, Mapping) or ("mask_data" in spec) == ("path" in spec):
            raise bad_input("Image", where, spec, 'a dict with either "mask_data" or "path"')
        if "path" in spec:
            data = decode_mask(read_path(spec["path"], "Image", f"{where}['path']"), where)
            array = _mask_array(data, f"{where}['path']", size)
        else:
            array = _mask_array(spec["mask_data"], f"{where}['mask_data']", size)
        labels = spec.get("class_labels")
        out[name] = Mask(array, None if labels is None else
                         class_labels(labels, f"{where}['class_labels']"))
    return out
