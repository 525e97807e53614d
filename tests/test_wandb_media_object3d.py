"""wandb's Object3D constructors: from_point_cloud (lidar/beta scenes), from_numpy, from_file,
stored by the files backend and drawn by TensorBoard's mesh plugin."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import runlog
from runlog.typespec import DataError
from runlog.typespec.media.object3d import box3d
from test_tb_support import tensor, user_tags
from test_wandb_media_support import log_and_read

CORNERS = [[x, y, z] for x in (0, 1) for y in (0, 2) for z in (0, 3)]


def scene_inputs():
    rng = np.random.default_rng(7)
    points = np.hstack([rng.random((20, 3)), rng.integers(0, 256, (20, 3))])
    boxes = [{"corners": CORNERS, "label": "car", "color": (1, 0.5, 0), "score": 0.75},
             {"corners": np.array(CORNERS) + 5, "color": [0, 0, 1]}]
    vectors = [{"start": [0, 0, 0], "end": [1, 2, 3]}]
    return points, boxes, vectors


def test_from_point_cloud_scene_is_stored_and_read_back():
    points, boxes, vectors = scene_inputs()
    obj = runlog.Object3D.from_point_cloud(points=points, boxes=boxes, vectors=vectors,
                                           point_cloud_type="lidar/beta")
    row, acc = log_and_read({"scene": obj})
    back = row["scene"]
    assert isinstance(back, runlog.Object3D) and back.file_type == "pts.json"
    doc = json.loads(back.payload().data)
    assert doc["type"] == "lidar/beta" and sorted(doc) == ["boxes", "points", "type", "vectors"]
    assert np.allclose(doc["points"], points)
    assert doc["boxes"][0] == {"corners": CORNERS, "label": "car", "color": [1, 0.5, 0],
                               "score": 0.75}
    assert doc["boxes"][1]["corners"] == (np.array(CORNERS) + 5).tolist()
    assert doc["boxes"][1]["label"] is None and doc["vectors"] == [{"start": [0, 0, 0],
                                                                    "end": [1, 2, 3]}]
    assert back.payload().meta == {"file_type": "pts.json", "count": 20, "scene": "lidar/beta",
                                   "boxes": 2, "vectors": 1, "point_format": "xyzrgb"}
    assert np.allclose(back.points(), points) and back.scene()["boxes"] == doc["boxes"]
    # TensorBoard draws the scene's points (its mesh plugin has no boxes)
    assert user_tags(acc, "tensors") == ["scene_/COLOR", "scene_/VERTEX"]
    assert np.allclose(tensor(acc, "scene_/VERTEX")[0], points[:, :3], atol=1e-6)
    assert np.array_equal(tensor(acc, "scene_/COLOR")[0], points[:, 3:])


def test_scene_without_vectors_and_a_scene_file_reread(tmp_path):
    points, boxes, _ = scene_inputs()
    obj = runlog.Object3D.from_point_cloud(points[:, :3], boxes)
    assert obj.scene()["vectors"] == [] and obj.count == 20
    path = tmp_path / "scene.pts.json"
    path.write_bytes(obj.payload().data)
    again = runlog.Object3D.from_file(str(path))
    assert again.payload().data == obj.payload().data and again.count == 20
    assert np.allclose(again.points(), points[:, :3])


def test_from_numpy_is_a_point_cloud():
    pts = np.array([[0, 0, 0, 1], [1, 2, 3, 2]], dtype=float)
    row, acc = log_and_read({"cloud": runlog.Object3D.from_numpy(pts)})
    assert json.loads(row["cloud"].payload().data) == pts.tolist()
    assert row["cloud"].payload().meta["point_format"] == "xyzc"
    assert np.allclose(tensor(acc, "cloud_/VERTEX")[0], pts[:, :3])


def test_from_file_path_and_stream_keep_the_bytes(tmp_path):
    obj_text = "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"
    path = tmp_path / "tri.obj"
    path.write_text(obj_text)
    from_path = runlog.Object3D.from_file(str(path))
    from_stream = runlog.Object3D.from_file(io.StringIO(obj_text), file_type="obj")
    row, acc = log_and_read({"a": from_path, "b": from_stream})
    for key in ("a", "b"):
        assert row[key].payload().data == obj_text.encode() and row[key].file_type == "obj"
        assert tensor(acc, f"{key}_/FACE")[0].tolist() == [[0, 1, 2]]


@pytest.mark.parametrize("make, match", [
    (lambda: runlog.Object3D.from_numpy("cube.obj"), r"from_numpy: data must be a numpy array"),
    (lambda: runlog.Object3D.from_numpy(np.zeros((4, 5))), r"shape \(4, 5\)"),
    (lambda: runlog.Object3D.from_file(np.zeros((3, 3))), r"from_file: data_or_path must be"),
    (lambda: runlog.Object3D.from_file(io.StringIO("v 0 0 0")), r"file_type= is required"),
    (lambda: runlog.Object3D.from_point_cloud(np.zeros((2, 3)), [], point_cloud_type="x"),
     r"point_cloud_type\) must be one of \('lidar/beta',\); got str"),
    (lambda: runlog.Object3D.from_point_cloud(np.zeros((2, 2)), []), r"points must be .*N×3"),
    (lambda: runlog.Object3D.from_point_cloud([[0, 0, np.nan]], []), "NaN or infinite"),
    (lambda: runlog.Object3D.from_point_cloud(np.zeros((2, 3)), [{"corners": CORNERS}]),
     r"boxes\[0\] needs keys corners and color"),
    (lambda: runlog.Object3D.from_point_cloud(np.zeros((2, 3)),
                                              [{"corners": CORNERS[:4], "color": (1, 1, 1)}]),
     r"boxes\[0\].corners must be finite numbers of shape \(8, 3\), got shape \(4, 3\)"),
    (lambda: runlog.Object3D.from_point_cloud(np.zeros((2, 3)),
                                              [{"corners": CORNERS, "color": (1, 1, 1),
                                                "label": 3}]),
     r"boxes\[0\].label must be a str or None; got int"),
    (lambda: runlog.Object3D.from_point_cloud(np.zeros((2, 3)), [], vectors=[{"start": [0]}]),
     r"vectors\[0\] must be a dict with start and end"),
    (lambda: runlog.Object3D.from_point_cloud(np.zeros((2, 3)), "boxes"),
     r"boxes must be a list of box dicts; got str"),
])
def test_bad_input_names_the_argument(make, match):
    with pytest.raises(DataError, match=match):
        make()


def test_box3d_matches_wandb_and_rotates_about_the_center():
    import wandb

    rng = np.random.default_rng(3)
    for _ in range(5):  # wandb takes |q| per component: equal for non-negative quaternions
        args = {"center": rng.normal(size=3), "size": rng.random(3),
                "orientation": rng.random(4), "color": (0.5, 0.5, 0.5), "label": "b",
                "score": 0.9}
        ours, theirs = box3d(**args), wandb.box3d(**args)
        assert np.allclose(ours["corners"], theirs["corners"])
        assert (ours["label"], ours["score"]) == (theirs["label"], theirs["score"])
    half_turn_z = box3d(center=(10, 0, 0), size=(2, 4, 6), orientation=(np.sqrt(0.5), 0, 0,
                                                                        np.sqrt(0.5)),
                        color=(1, 0, 0))  # 90 degrees about z: (x, y) -> (-y, x)
    assert sorted(map(tuple, np.round(half_turn_z["corners"], 9).tolist())) == sorted(
        (10 + sx * 2, sy * 1, sz * 3) for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1))
    scene = runlog.Object3D.from_point_cloud(np.zeros((1, 3)), [half_turn_z])
    assert json.loads(scene.payload().data)["boxes"] == [half_turn_z]
    with pytest.raises(DataError, match="non-zero quaternion"):
        box3d(center=(0, 0, 0), size=(1, 1, 1), orientation=(0, 0, 0, 0), color=(1, 1, 1))
