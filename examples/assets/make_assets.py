"""Write the tiny sample 3-D files used by the examples: a unit cube as obj, gltf and glb.

Run ``python examples/assets/make_assets.py`` to regenerate sample.obj, sample.gltf and
sample.glb next to this script (the output is deterministic). Standard library only.
"""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent

VERTICES = [(x, y, z) for x in (0.0, 1.0) for y in (0.0, 1.0) for z in (0.0, 1.0)]
# two counter-clockwise triangles per face, seen from outside; vertex i has bits x y z
FACES = [
    (0, 1, 3), (0, 3, 2),  # x = 0
    (4, 6, 7), (4, 7, 5),  # x = 1
    (0, 4, 5), (0, 5, 1),  # y = 0
    (2, 3, 7), (2, 7, 6),  # y = 1
    (0, 2, 6), (0, 6, 4),  # z = 0
    (1, 5, 7), (1, 7, 3),  # z = 1
]


def obj_text() -> str:
    """The cube as Wavefront OBJ (1-based face indices)."""
    lines = ["# runlog sample: unit cube", "o cube"]
    lines += [f"v {x:g} {y:g} {z:g}" for x, y, z in VERTICES]
    lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in FACES]
    return "\n".join(lines) + "\n"


def _buffer() -> bytes:
    positions = b"".join(struct.pack("<3f", *v) for v in VERTICES)
    indices = b"".join(struct.pack("<3H", *f) for f in FACES)
    return positions + indices  # 96 + 72 bytes, both 4-byte aligned


def gltf_document(uri: str | None) -> dict:
    """The cube as a glTF 2.0 document; ``uri`` None means the GLB binary chunk."""
    data = _buffer()
    buffer: dict = {"byteLength": len(data)}
    if uri is not None:
        buffer["uri"] = uri
    return {
        "asset": {"version": "2.0", "generator": "runlog examples/assets/make_assets.py"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": "cube"}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1}]}],
        "buffers": [buffer],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": 96, "target": 34962},
            {"buffer": 0, "byteOffset": 96, "byteLength": 72, "target": 34963},
        ],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": 8, "type": "VEC3",
             "min": [0.0, 0.0, 0.0], "max": [1.0, 1.0, 1.0]},
            {"bufferView": 1, "componentType": 5123, "count": 36, "type": "SCALAR"},
        ],
    }


def gltf_text() -> str:
    """The cube as .gltf JSON with the buffer embedded as a base64 data URI."""
    uri = "data:application/octet-stream;base64," + base64.b64encode(_buffer()).decode()
    return json.dumps(gltf_document(uri), indent=1) + "\n"


def glb_bytes() -> bytes:
    """The cube as binary glTF: header, JSON chunk (space-padded), BIN chunk (zero-padded)."""
    doc = json.dumps(gltf_document(None), separators=(",", ":")).encode()
    doc += b" " * (-len(doc) % 4)
    binary = _buffer()
    binary += b"\0" * (-len(binary) % 4)
    chunks = struct.pack("<II", len(doc), 0x4E4F534A) + doc
    chunks += struct.pack("<II", len(binary), 0x004E4942) + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def main(out: Path = HERE) -> None:
    """Write the three files into ``out``."""
    (out / "sample.obj").write_text(obj_text(), encoding="utf-8", newline="\n")
    (out / "sample.gltf").write_text(gltf_text(), encoding="utf-8", newline="\n")
    (out / "sample.glb").write_bytes(glb_bytes())


if __name__ == "__main__":
    main()
