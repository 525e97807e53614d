"""The documented files format: the JSON Schema holds for real output and for the samples in
docs/samples, and the cache JSON of values reads back exactly."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import runlog
from hypothesis import given
from hypothesis import strategies as st
from runlog.backends.files.format import decode_tree, encode_tree
from runlog.typespec.jsonform import dumps, loads

jsonschema = pytest.importorskip("jsonschema")

DOCS = Path(__file__).resolve().parents[1] / "docs"
SCHEMA = json.loads((DOCS / "files-format.schema.json").read_text())
SAMPLE = DOCS / "samples" / "demo" / "sample01"


def validator(name: str):
    schema = {"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{name}"}
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def check_run_dir(run_dir: Path) -> None:
    """Every file of the run directory validates against its part of the schema."""
    validator("run_json").validate(json.loads((run_dir / "run.json").read_text()))
    validator("summary_json").validate(json.loads((run_dir / "summary.json").read_text()))
    for name, part in (("records.jsonl", "record"), ("history.jsonl", "history_line"),
                       ("stale.jsonl", "stale_line")):
        check = validator(part)
        for line in (run_dir / name).read_text().splitlines():
            check.validate(json.loads(line))
    for manifest in run_dir.glob("artifacts/*/v*/manifest.json"):
        validator("artifact_manifest").validate(json.loads(manifest.read_text()))


def test_the_schema_rejects_what_it_should():
    with pytest.raises(jsonschema.ValidationError):
        validator("record").validate({"v": 1, "type": "row", "step": -1, "timestamp": 0,
                                      "runtime": 0, "values": []})
    with pytest.raises(jsonschema.ValidationError):
        validator("history_line").validate({"_step": 0, "_runtime": 0.0})
    with pytest.raises(jsonschema.ValidationError):
        validator("history_line").validate({"_step": 0, "_runtime": 0.0, "_timestamp": 1.0,
                                            "img": {"_type": "image", "path": "../x.png"}})
    with pytest.raises(jsonschema.ValidationError):
        validator("run_json").validate({**json.loads((SAMPLE / "run.json").read_text()),
                                        "format_version": 2})


def test_a_run_with_every_record_type_matches_the_schema(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    run = runlog.init(project="p", id="all", dir=tmp_path, config={"a": 1}, tags=["t"],
                      backends=["files"], settings={"handle_signals": False})
    run.define_metric("loss", summary="min,max", goal="minimize")
    pixels = np.full((3, 3, 3), 9, dtype=np.uint8)
    run.log({"loss": 1.0, "nan": math.nan, "deep": {"x": {"_type": "mine"}},
             "imgs": [runlog.Image(pixels), runlog.Image(pixels + 1)],
             "table": runlog.Table(columns=["a"], data=[[1]]), "h": runlog.Histogram([1, 2]),
             "list": [1, 2, 3]})
    run.log({"loss": 0.5})
    with pytest.warns(runlog.StaleStepWarning):
        run.log({"late": 2}, step=0)
    run.config["b"] = [1, 2]
    run.summary["manual"] = {"x": 1}
    del run.summary["nan"]
    run.save(str(tmp_path / "notes.txt"), base_path=str(tmp_path))
    art = runlog.Artifact("notes", type="text")
    art.add_file(str(tmp_path / "notes.txt"))
    art.add_reference("s3://bucket/notes-archive.tar")
    run.log_artifact(art, aliases=["best"])
    run.alert("Check", "the notes changed", runlog.AlertLevel.WARN)
    run.finish()
    run_dir = tmp_path / "p" / "all"
    assert (run_dir / "artifacts" / "notes" / "v0" / "manifest.json").is_file()
    types = {json.loads(x)["type"] for x in (run_dir / "records.jsonl").read_text().splitlines()}
    assert types == {"run_started", "metric_defined", "row", "stale_row", "config_changed",
                     "summary_changed", "file_saved", "artifact_logged", "alert", "finished"}
    check_run_dir(run_dir)
    assert (run_dir / "files" / "notes.txt").read_text() == "hello"
    fresh, sample = (json.loads((d / "run.json").read_text()) for d in (run_dir, SAMPLE))
    assert list(fresh) == list(sample), "the sample is stale: python docs/samples/make_sample.py"


def test_the_samples_match_the_schema_and_read_back():
    check_run_dir(SAMPLE)
    view = runlog.read(SAMPLE)
    assert (view.id, view.status, view.rows) == ("sample01", "finished", 5)
    history = view.history
    assert [h["train"]["loss"] for h in history[:4]] == [1.0, 0.5, 0.3333, 0.25]
    assert math.isnan(history[1]["grad_norm"]) and history[1]["ratio"] == math.inf
    assert isinstance(history[2]["sample"], runlog.Image)
    assert history[2]["sample"].caption == "half white"
    assert history[2]["weights"].values == [1, 3, 2]
    assert view.summary["val/acc"] == {"max": 0.8} and view.summary["best_epoch"] == 1
    assert view.stale[0]["values"] == {"late": 1}
    assert view.files["model.yaml"].read_text() == "lr: 0.01\nlayers: 2\n"
    assert view.config == {"lr": 0.01, "epochs": 2, "batch_size": 32}


def test_the_format_doc_names_the_version_and_every_file():
    text = (DOCS / "files-format.md").read_text()
    assert "format version 1" in text.lower()
    for name in ("run.json", "records.jsonl", "history.jsonl", "summary.json", "stale.jsonl",
                 "media/", "files/", "run.lock", "files-format.schema.json"):
        assert name in text, name


plain = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1),
                  st.floats(allow_nan=True), st.text(max_size=5))
keys = st.one_of(st.sampled_from(["_type", "items", "path", "a", "_step"]), st.text(max_size=3))
trees = st.recursive(
    plain | st.lists(plain, max_size=3),
    lambda inner: st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(keys, trees, max_size=5))
def test_cache_json_of_nested_values_reads_back_exactly(tree):
    back = decode_tree(loads(dumps(encode_tree(tree, store=lambda p: ""))), load=None)
    assert dumps(back) == dumps(tree)  # NaN-aware equality
