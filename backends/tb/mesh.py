"""``runlog.Object3D`` values as vertex / colour / face arrays for TensorBoard's mesh plugin.

Point clouds (``pts.json``: xyz, xyz + category, xyz + rgb), Wavefront OBJ (``v`` and ``f``
lines; polygons are fanned into triangles) and STL (binary or ASCII) are read; glTF / glb are
not (``None``).
"""

from __future__ import annotations

import re
import struct
from typing import Any

#: colours given to the categories of an xyz + category point cloud, in turn
PALETTE = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))

#: float vertices (N, 3), uint8 colours (N, 3) or None, int vertex indices (F, 3) or None
Arrays = tuple[Any, Any, Any]


def mesh_arrays(obj: Any) -> Arrays | None:
    """``(vertices, colors, faces)`` of an ``Object3D``, or None for a format not read here."""
    arrays = _read(obj)
    if arrays is None:
        return None
    import numpy as np

    vertices, colors, faces = arrays
    if colors is not None:
        colors = np.clip(np.rint(colors), 0, 255).astype(np.uint8)
    if faces is not None:
        faces = np.asarray(faces, dtype=np.int64)
    return vertices, colors, faces


def _read(obj: Any) -> Arrays | None:
    import numpy as np

    if obj.file_type == "pts.json":
        pts = obj.points()
        if len(pts) == 0:
            return None
        if pts.shape[1] == 6:
            colors = pts[:, 3:6]
        elif pts.shape[1] == 4:
            colors = np.asarray(PALETTE, dtype=float)[pts[:, 3].astype(int) % len(PALETTE)]
        else:
            colors = None
        return pts[:, :3], colors, None
    data = obj.payload().data
    if obj.file_type == "obj":
        return _obj(data.decode("utf-8", "replace"))
    if obj.file_type == "stl":
        return _stl(data)
    return None


def _obj(text: str) -> Arrays | None:
    import numpy as np

    vertices: list[list[float]] = []
    colors: list[list[float]] = []
    faces: list[list[int]] = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "v" and len(parts) >= 4:
            vertices.append([float(x) for x in parts[1:4]])
            if len(parts) >= 7:
                colors.append([float(x) for x in parts[4:7]])
        elif parts[0] == "f" and len(parts) >= 4:
            idx = [int(p.split("/")[0]) for p in parts[1:]]
            idx = [i - 1 if i > 0 else len(vertices) + i for i in idx]  # 1-based or relative
            faces += [[idx[0], idx[k], idx[k + 1]] for k in range(1, len(idx) - 1)]
    if not vertices:
        return None
    rgb = None
    if colors and len(colors) == len(vertices):
        rgb = np.asarray(colors, dtype=float)
        if rgb.max() <= 1:  # OBJ vertex colours are usually 0-1
            rgb = rgb * 255
    return np.asarray(vertices, dtype=float), rgb, faces or None


_ASCII_VERTEX = re.compile(rb"vertex\s+(\S+)\s+(\S+)\s+(\S+)")


def _stl(data: bytes) -> Arrays | None:
    import numpy as np

    if len(data) >= 84:
        (count,) = struct.unpack_from("<I", data, 80)
        if len(data) == 84 + 50 * count:  # binary
            records = np.frombuffer(data, dtype=np.dtype([("normal", "<f4", 3),
                                                          ("v", "<f4", (3, 3)),
                                                          ("attr", "<u2")]),
                                    count=count, offset=84)
            vertices = records["v"].reshape(-1, 3).astype(float)
            return _triangles(vertices) if len(vertices) else None
    vertices = np.asarray(_ASCII_VERTEX.findall(data), dtype=float)
    return _triangles(vertices) if len(vertices) >= 3 else None


def _triangles(vertices: Any) -> Arrays:
    """Vertices listed three per triangle, with the faces that index them."""
    import numpy as np

    n = len(vertices) // 3 * 3
    return vertices[:n], None, np.arange(n).reshape(-1, 3)
