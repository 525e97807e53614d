"""Object3D: 3-D files (obj, gltf, glb, stl, pts.json) kept byte-exact, point-cloud arrays, or
point-cloud scenes with 3-D boxes and vectors (wandb's ``lidar/beta``)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
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
             "a point cloud array N×3 (xyz), N×4 (xyz, category) or N×6 (xyz, rgb), "
             "or a scene dict {'type': 'lidar/beta', 'points', 'boxes', 'vectors'}")
#: the point-cloud scene types a dict (``from_point_cloud``) may name
SCENE_TYPES = ("lidar/beta",)


class Object3D(Media):
    """A 3-D object: ``Object3D(data, file_type=None, caption=None)``.

    ``data`` is a path or an open file, in text or binary mode (its bytes are kept exactly;
    the type comes from the file name or ``file_type``), bytes with ``file_type``, or a numpy
    point cloud N×3 (xyz), N×4 (xyz and a category) or N×6 (xyz and rgb 0-255), which becomes a
    ``pts.json`` payload (a JSON list of points, as wandb writes it), or a scene dict
    ``{"type": "lidar/beta", "points", "boxes", "vectors"}`` (see :meth:`from_point_cloud`).

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
        elif isinstance(data, Mapping):
            self._from_scene(data)
        else:
            self._from_points(data)

    @classmethod
    def from_file(cls, data_or_path: Any, file_type: str | None = None) -> Object3D:
        """An Object3D from a path or an open file (``file_type`` names the format of a
        nameless file object), as wandb's ``Object3D.from_file``."""
        if not is_source(data_or_path):
            raise bad_input("Object3D.from_file", "data_or_path", data_or_path,
                            "a path or an open file (obj, gltf, glb, stl, pts.json)")
        return cls(data_or_path, file_type=file_type)

    @classmethod
    def from_numpy(cls, data: Any) -> Object3D:
        """An Object3D from a point-cloud array N×3 (xyz), N×4 (xyz, category) or N×6
        (xyz, rgb 0-255), as wandb's ``Object3D.from_numpy``."""
        if is_source(data) or isinstance(data, Mapping):
            raise bad_input("Object3D.from_numpy", "data", data,
                            "a numpy array (or tensor) of shape N×3, N×4 or N×6")
        return cls(data)

    @classmethod
    def from_point_cloud(
        cls,
        points: Sequence[Any],
        boxes: Sequence[Mapping[str, Any]],
        vectors: Sequence[Mapping[str, Any]] | None = None,
        point_cloud_type: str = "lidar/beta",
    ) -> Object3D:
        """A point-cloud scene, as wandb's ``Object3D.from_point_cloud``.

        ``points``: N×3, N×4 or N×6 numbers (as :meth:`from_numpy`); ``boxes``: dicts with
        ``corners`` (8 xyz points), ``color`` (3 numbers), optional ``label`` (str) and
        ``score`` (number); ``vectors``: dicts with ``start`` and ``end`` (xyz). The payload is
        one ``pts.json`` object ``{"type", "points", "boxes", "vectors"}``.
        """
        return cls({"type": point_cloud_type, "points": points, "boxes": boxes,
                    "vectors": [] if vectors is None else vectors})

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
            doc = json.loads(content)
            meta["count"] = len(doc["points"] if isinstance(doc, dict) else doc)
        self.file_type, self.count = ft, meta.get("count")
        self._set_payload(Payload(content, ft, _MIME[ft], meta))

    def _from_points(self, data: Any) -> None:
        points = _point_array(data, "data")
        self.file_type, self.count = "pts.json", len(points)
        meta = {"file_type": "pts.json", "count": len(points),
                "point_format": POINT_FORMATS[points.shape[1]]}

        def encode() -> Payload:
            body = json.dumps(points.tolist(), separators=(",", ":")).encode()
            return Payload(body, "pts.json", _MIME["pts.json"], meta)

        self._set_encoder(encode)

    def _from_scene(self, scene: Mapping[str, Any]) -> None:
        kind = scene.get("type")
        if kind not in SCENE_TYPES:
            raise bad_input("Object3D", "a scene's type (point_cloud_type)", kind,
                            f"one of {SCENE_TYPES}")
        unknown = sorted(set(scene) - {"type", "points", "boxes", "vectors"}, key=str)
        if unknown:
            raise DataError(f"Object3D: a scene dict has keys type, points, boxes, vectors; "
                            f"got also {unknown}")
        points = _point_array(scene.get("points", []), "points", allow_empty=True)
        boxes = [_box(b, i) for i, b in enumerate(_items(scene.get("boxes", []), "boxes"))]
        vectors = [_vector(v, i) for i, v in enumerate(_items(scene.get("vectors", []),
                                                              "vectors"))]
        self.file_type, self.count = "pts.json", len(points)
        meta: dict[str, Any] = {"file_type": "pts.json", "count": len(points), "scene": kind,
                                "boxes": len(boxes), "vectors": len(vectors)}
        if len(points):
            meta["point_format"] = POINT_FORMATS[points.shape[1]]

        def encode() -> Payload:
            doc = {"type": kind, "points": points.tolist(), "boxes": boxes, "vectors": vectors}
            body = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
            return Payload(body, "pts.json", _MIME["pts.json"], meta)

        self._set_encoder(encode)

    def points(self) -> Any:
        """A point cloud as a float64 (N, 3 | 4 | 6) numpy array (pts.json payloads only; the
        points of a scene)."""
        import numpy as np

        doc = self._pts()
        points = doc["points"] if isinstance(doc, dict) else doc
        return np.asarray(points, dtype=np.float64) if points else np.zeros((0, 3))

    def scene(self) -> dict[str, Any]:
        """A pts.json payload as a scene dict ``{"type", "points", "boxes", "vectors"}`` (a
        plain point cloud has type None and no boxes or vectors)."""
        doc = self._pts()
        if isinstance(doc, dict):
            return doc
        return {"type": None, "points": doc, "boxes": [], "vectors": []}

    def _pts(self) -> Any:
        if self.file_type != "pts.json":
            raise DataError(f"Object3D: points() reads pts.json point clouds; this is "
                            f"{self.file_type}")
        return json.loads(self.payload().data)

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
        if isinstance(doc, dict) and doc.get("type") in SCENE_TYPES:
            doc = doc.get("points")
        if ft == "pts.json" and not (isinstance(doc, list) and all(
                isinstance(p, list) and len(p) in POINT_FORMATS for p in doc)):
            raise DataError("Object3D: a pts.json file must be a list of points of 3, 4 or 6 "
                            "numbers, or a scene {\"type\": \"lidar/beta\", \"points\": ...}")


def box3d(
    *,
    center: Any,
    size: Any,
    orientation: Any,
    color: Sequence[float],
    label: str | None = None,
    score: float | None = None,
) -> dict[str, Any]:
    """A 3-D box for :meth:`Object3D.from_point_cloud`, as wandb's ``box3d``.

    ``center`` and ``size`` are xyz; ``orientation`` is a non-zero quaternion ``[r, x, y, z]``
    (r + xi + yj + zk) rotating the box about its center; ``color`` is (r, g, b). Returns
    ``{"corners", "color", "label", "score"}`` with the 8 corners as xyz lists.
    """
    import itertools

    import numpy as np

    middle = np.asarray(_numbers(center, (3,), "box3d center"))
    half = 0.5 * np.asarray(_numbers(size, (3,), "box3d size"))
    quaternion = np.asarray(_numbers(orientation, (4,), "box3d orientation"))
    norm = np.linalg.norm(quaternion)
    if norm == 0:
        raise DataError("Object3D: box3d orientation must be a non-zero quaternion [r, x, y, z]")
    r, x, y, z = quaternion / norm
    rotation = np.array([  # rotates column vectors: v' = rotation @ v
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * r), 2 * (x * z + y * r)],
        [2 * (x * y + z * r), 1 - 2 * (x * x + z * z), 2 * (y * z - x * r)],
        [2 * (x * z - y * r), 2 * (y * z + x * r), 1 - 2 * (x * x + y * y)],
    ])
    signs = np.array(list(itertools.product((-1, 1), repeat=3)), dtype=np.float64)
    corners = middle + (signs * half) @ rotation.T
    return _box({"corners": corners, "color": color, "label": label, "score": score}, 0)


def _point_array(data: Any, arg: str, allow_empty: bool = False) -> Any:
    """``data`` as a copied N×3, N×4 or N×6 numeric numpy array of finite values."""
    import numpy as np

    from ..tensors import to_numpy

    if isinstance(data, (list, tuple)):
        try:
            arr = np.asarray(data)
        except ValueError:  # ragged rows
            arr = np.asarray(data, dtype=object)
    else:
        arr = to_numpy(data)
    if arr is None:
        raise bad_input("Object3D", arg, data, _ACCEPTED)
    if allow_empty and arr.size == 0:
        return np.zeros((0, 3))
    if arr.ndim != 2 or arr.shape[1] not in POINT_FORMATS or arr.dtype.kind not in "iuf":
        raise bad_input("Object3D", arg, data, "an array of shape N×3 (xyz), N×4 (xyz, "
                        "category) or N×6 (xyz, rgb 0-255) of numbers",
                        f"shape {arr.shape}, dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise DataError(f"Object3D: the point cloud ({arg}) holds NaN or infinite coordinates")
    return arr.copy()


def _items(value: Any, arg: str) -> list[Any]:
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
        item = {"boxes": "box", "vectors": "vector"}[arg]
        raise bad_input("Object3D", arg, value, f"a list of {item} dicts")
    return list(value)


def _numbers(value: Any, shape: tuple[int, ...], what: str) -> list[Any]:
    """``value`` as nested lists of finite floats of ``shape``, else DataError."""
    import numpy as np

    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.shape != shape or not np.isfinite(arr).all():
        got = f"shape {arr.shape}" if arr is not None else type(value).__name__
        raise DataError(f"Object3D: {what} must be finite numbers of shape {shape}, got {got}")
    return arr.tolist()


def _box(box: Any, i: int) -> dict[str, Any]:
    """One 3-D box as wandb's ``box3d`` gives it: corners, color, label, score."""
    if not isinstance(box, Mapping):
        raise bad_input("Object3D", f"boxes[{i}]", box,
                        "a dict with corners (8 xyz points), color (r, g, b), label, score")
    unknown = sorted(set(box) - {"corners", "color", "label", "score"}, key=str)
    if unknown or "corners" not in box or "color" not in box:
        raise DataError(f"Object3D: boxes[{i}] needs keys corners and color (label and score "
                        f"optional), got {sorted(box, key=str)}")
    label, score = box.get("label"), box.get("score")
    if label is not None and not isinstance(label, str):
        raise bad_input("Object3D", f"boxes[{i}].label", label, "a str or None")
    if score is not None:
        score = _numbers(score, (), f"boxes[{i}].score")
    return {"corners": _numbers(box["corners"], (8, 3), f"boxes[{i}].corners"),
            "color": _numbers(box["color"], (3,), f"boxes[{i}].color"),
            "label": label, "score": score}


def _vector(vector: Any, i: int) -> dict[str, Any]:
    """One 3-D vector: start and end points."""
    if not isinstance(vector, Mapping) or set(vector) != {"start", "end"}:
        raise bad_input("Object3D", f"vectors[{i}]", vector,
                        "a dict with start and end (xyz points)")
    return {"start": _numbers(vector["start"], (3,), f"vectors[{i}].start"),
            "end": _numbers(vector["end"], (3,), f"vectors[{i}].end")}
