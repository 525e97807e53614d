"""Object3D: the shipped sample files (read by trimesh), text/binary files, point clouds, JSON."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import runlog
from runlog.typespec import DataError, MediaSequence
from runlog.typespec.jsonform import dumps, loads, value_from_json, value_to_json
from runlog.typespec.media.object3d import Object3D

ASSETS = Path(__file__).resolve().parents[1] / "examples" / "assets"
SAMPLES = ("sample.obj", "sample.gltf", "sample.glb")


def roundtrip(value):
    return value_from_json(loads(dumps(value_to_json(value))))


@pytest.mark.parametrize("name", SAMPLES)
def test_shipped_samples_are_valid_unit_cubes(name):
    trimesh = pytest.importorskip("trimesh")
    mesh = trimesh.load(ASSETS / name, force="mesh")
    assert (len(mesh.vertices), len(mesh.faces)) == (8, 12)
    assert mesh.is_watertight and mesh.volume == pytest.approx(1.0)  # outward-facing


def test_shipped_samples_match_the_generator(tmp_path):
    from importlib.util import module_from_spec, spec_from_file_location

    spec = spec_from_file_location("make_assets", ASSETS / "make_assets.py")
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in SAMPLES:
        assert (tmp_path / name).read_bytes() == (ASSETS / name).read_bytes(), name


def test_reference_page_example_text_mode_files(mem_run, tmp_path, monkeypatch):
    for name in SAMPLES:
        shutil.copy(ASSETS / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    with open("sample.obj") as obj, open("sample.gltf") as gltf, open("sample.glb") as glb:
        # text mode, as on the reference page
        mem_run.log({"generated_samples": [runlog.Object3D(obj), runlog.Object3D(gltf),
                                           runlog.Object3D(glb)]})
    seq = mem_run.backends["memory"].history[0]["generated_samples"]
    assert isinstance(seq, MediaSequence) and len(seq) == 3
    for obj, name in zip(seq, SAMPLES):
        assert obj.payload().data == (ASSETS / name).read_bytes()  # byte-exact, even the glb
        assert obj.file_type == name.split(".", 1)[1]


def test_glb_round_trips_byte_exact_through_the_json_form():
    data = (ASSETS / "sample.glb").read_bytes()
    with open(ASSETS / "sample.glb", "rb") as f:
        obj = Object3D(f, caption="cube")
    back = roundtrip(obj)
    assert back.payload().data == data and back.payload().sha256 == obj.payload().sha256
    assert back._json_fields() == obj._json_fields() == {"caption": "cube"}
    assert back == obj and back.file_type == "glb"
    assert back.payload().mime == "model/gltf-binary"


@pytest.mark.parametrize("make, file_type", [
    (lambda: Object3D(str(ASSETS / "sample.obj")), "obj"),
    (lambda: Object3D(ASSETS / "sample.gltf"), "gltf"),
    (lambda: Object3D((ASSETS / "sample.glb").read_bytes(), file_type="glb"), "glb"),
    (lambda: Object3D(io.BytesIO((ASSETS / "sample.obj").read_bytes()), file_type=".OBJ"), "obj"),
    (lambda: Object3D(io.StringIO("solid x\nendsolid x\n"), file_type="stl"), "stl"),
])
def test_paths_bytes_and_file_objects(make, file_type):
    obj = make()
    assert obj.file_type == file_type and obj.payload().ext == file_type
    assert roundtrip(obj) == obj


def test_pts_json_file_and_name_suffix(tmp_path):
    path = tmp_path / "cloud.pts.json"
    path.write_text(json.dumps([[0, 0, 0], [1, 2, 3]]))
    obj = Object3D(path)
    assert obj.file_type == "pts.json" and obj.count == 2
    assert obj.points().tolist() == [[0, 0, 0], [1, 2, 3]]


@pytest.mark.parametrize("cols, fmt", [(3, "xyz"), (4, "xyzc"), (6, "xyzrgb")])
def test_point_clouds_become_pts_json(cols, fmt):
    rng = np.random.default_rng(cols)
    points = rng.random((20, cols))
    obj = Object3D(points)
    expected = points.copy()
    points[:] = 0  # snapshotted
    payload = obj.payload()
    assert payload.ext == "pts.json" and payload.mime == "application/json"
    assert json.loads(payload.data) == expected.tolist()
    assert payload.meta == {"file_type": "pts.json", "count": 20, "point_format": fmt}
    back = roundtrip(obj)
    assert back == obj and np.array_equal(back.points(), expected) and back.count == 20


def test_integer_point_cloud_keeps_ints():
    obj = Object3D(np.array([[1, 2, 3, 4]]))
    assert json.loads(obj.payload().data) == [[1, 2, 3, 4]]


@pytest.mark.parametrize("args, kwargs, match", [
    (({"type": "mesh"},), {}, r"Object3D: a scene's type \(point_cloud_type\) must be one of"),
    ((np.zeros((5, 5)),), {}, r"shape \(5, 5\)"),
    ((np.zeros(3),), {}, r"shape \(3,\)"),
    ((np.array([[0, 0, np.nan]]),), {}, "NaN or infinite"),
    ((np.array([["a", "b", "c"]]),), {}, "dtype <U1"),
    ((b"glTF....",), {}, "file_type= is required for bytes"),
    ((b"abc",), {"file_type": "fbx"}, "file_type must be one of obj, gltf, glb, stl, pts.json"),
    ((b"PK\x03\x04",), {"file_type": "glb"}, "not a glb file"),
    ((b"{}",), {"file_type": "gltf"}, 'no "asset" object'),
    ((b"not json",), {"file_type": "gltf"}, "not valid JSON"),
    ((b"[[1, 2]]",), {"file_type": "pts.json"}, "list of points of 3, 4 or 6"),
    ((b"",), {"file_type": "obj"}, "the obj file is empty"),
    ((np.zeros((2, 3)),), {"caption": 1.5}, "caption must be a str or None; got float"),
    (("missing.obj",), {}, "does not exist"),
])
def test_bad_input(args, kwargs, match):
    with pytest.raises(DataError, match=match):
        Object3D(*args, **kwargs)


def test_unknown_extension_needs_file_type(tmp_path):
    (tmp_path / "mesh.ply").write_bytes(b"ply\n")
    with pytest.raises(DataError, match=r"file_type= is required for the file 'mesh\.ply'"):
        Object3D(tmp_path / "mesh.ply")
