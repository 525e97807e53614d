"""Object3D: 3-D files (obj, gltf, glb, stl, pts.json) kept byte-exact, or point-cloud arrays."""

from __future__ import annotations

import json
import os
from typing import Any

from ..errors import DataError
from ..payload import Payload
from ._source import bad_input, check_caption, is_source, read_source, suffix_type
from .base import Media

FILE_TYPES = ("obj", "gltf", "glb", "stl", "pts.json")
_MIME = {"obj": "model/obj", "gltf": "model/gltf+json", "glb": "model/gltf-binary",
         "stl": "model/stl", "pts.json": "application/json"}
#: columns of a point cloud -> what they hold
POINT_FORMATS = {3: "xyz", 4: "xyzc", 6: "xyzrgb"}
_ACCEPTED = ("a path or an open file (obj, gltf, glb, stl, pts.json), bytes (with file_type=), "
             "or a point cloud array N×3 (xyz), N×4 (xyz, category) or N×6 (xyz, rgb)")


class Object3D(Media):
    """A 3-D object: ``Object3D(data, file_type=None, caption=None)``.

    ``data`` is a path or an open file, in text or binary mode (its bytes are kept exactly;
    the type comes from the file name or ``file_type``), bytes with ``file_type``, or a numpy
    point cloud N×3 (xyz), N×4 (xyz and a category) or N×6 (xyz and rgb 0-255), which becomes a
    ``pts.json`` payload (a JSON list of points, as wandb writes it).

    Read accessors: :attr:`file_type`, :attr:`count` (points of a point cloud, else None),
    :meth:`points`.
    """

    kind = "object3d"
    file_type: str
    count: int | None

    def __init__(self, data: Any, file_type: str | None = None,
                 caption: str | None = None) -> None:
        self.caption = check_caption("Object3D", caption)
        if file_type is not None:
            if not isinstance(file_type, str) or file_type.lower().lstrip(".") not in FILE_TYPES:
                raise bad_input("Object3D", "file_type", file_type,
                                f"one of {', '.join(FILE_TYPES)} or None")
            file_type = file_type.lower().lstrip(".")
        if is_source(data):
            self._from_file(data, file_type)
        else:
            self._from_points(data)

    def _from_file(self, data: Any, file_type: str | None) -> None:
        content, name = read_source(data, "Object3D")
        ft = file_type or suffix_type(name, FILE_TYPES)
        if ft is None:
            where = f"the file {os.path.basename(name)!r}" if name else "bytes"
            raise DataError(f"Object3D: file_type= is required for {where}; one of "
                            f"{', '.join(FILE_TYPES)}")
        meta: dict[str, Any] = {"file_type": ft}
        _check_content(content, ft)
        if ft == "pts.json":
            meta["count"] = len(json.loads(content))
        self.file_type, self.count = ft, meta.get("count")
        self._set_payload(Payload(content, ft, _MIME[ft], meta))

    def _from_points(self, data: Any) -> None:
        import numpy as np

        from ..tensors import to_numpy

        arr = to_numpy(data)
        if arr is None:
            raise bad_input("Object3D", "data", data, _ACCEPTED)
        if arr.ndim != 2 or arr.shape[1] not in POINT_FORMATS or arr.dtype.kind not in "iuf":
            raise bad_input("Object3D", "data", data, _ACCEPTED,
                            f"shape {arr.shape}, dtype {arr.dtype}")
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise DataError("Object3D: the point cloud holds NaN or infinite coordinates")
        points = arr.copy()
        self.file_type, self.count = "pts.json", len(points)
        meta = {"file_type": "pts.json", "count": len(points),
                "point_format": POINT_FORMATS[points.shape[1]]}

        def encode() -> Payload:
            body = json.dumps(points.tolist(), separators=(",", ":")).encode()
            return Payload(body, "pts.json", _MIME["pts.json"], meta)

        self._set_encoder(encode)

    def points(self) -> Any:
        """A point cloud as a float64 (N, 3 | 4 | 6) numpy array (pts.json payloads only)."""
        import numpy as np

        if self.file_type != "pts.json":
            raise DataError(f"Object3D: points() reads pts.json point clouds; this is "
                            f"{self.file_type}")
        return np.asarray(json.loads(self.payload().data), dtype=np.float64)

    @classmethod
    def _from_json_fields(cls, fields: dict[str, Any], payload: Payload) -> Object3D:
        obj = super()._from_json_fields(fields, payload)
        assert isinstance(obj, Object3D)
        obj.file_type = payload.meta.get("file_type", payload.ext)
        obj.count = payload.meta.get("count")
        return obj

    def __repr__(self) -> str:
        count = f" {self.count} points" if self.count is not None else ""
        return f"<runlog.Object3D {self.file_type}{count}>"


def _check_content(content: bytes, ft: str) -> None:
    """A cheap sanity check that ``content`` is a ``ft`` file."""
    if not content:
        raise DataError(f"Object3D: the {ft} file is empty")
    if ft == "glb":
        if content[:4] != b"glTF":
            raise DataError(f"Object3D: not a glb file (it starts with {content[:4]!r}, "
                            "not b'glTF')")
        return
    if ft in ("gltf", "pts.json"):
        try:
            doc = json.loads(content)
        except (UnicodeDecodeError, ValueError) as exc:
            raise DataError(f"Object3D: the {ft} file is not valid JSON: {exc}") from None
        if ft == "gltf" and not (isinstance(doc, dict) and "asset" in doc):
            raise DataError("Object3D: the gltf file has no \"asset\" object (not glTF 2.0)")
        if ft == "pts.json" and not (isinstance(doc, list) and all(
                isinstance(p, list) and len(p) in POINT_FORMATS for p in doc)):
            raise DataError("Object3D: a pts.json file must be a list of points of 3, 4 or 6 "
                            "numbers")
