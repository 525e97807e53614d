"""Html and File: inputs, payloads, bad input and the JSON form."""

from __future__ import annotations

import io

import numpy as np
import pytest
import runlog
from runlog.typespec import DataError
from runlog.typespec.jsonform import dumps, loads, value_from_json, value_to_json
from runlog.typespec.media.file import File
from runlog.typespec.media.html import Html


def roundtrip(value):
    return value_from_json(loads(dumps(value_to_json(value))))


# -- Html ---------------------------------------------------------------------------------------
def test_html_string_is_the_document():
    doc = "<h1>résultats ✓</h1>\n<p>ok</p>"
    html = Html(doc)
    assert html.html == doc
    payload = html.payload()
    assert payload.data == doc.encode("utf-8")
    assert (payload.ext, payload.mime, payload.meta) == ("html", "text/html",
                                                         {"file_type": "html"})


def test_html_from_path_str_pathlike_and_file(tmp_path):
    path = tmp_path / "report.html"
    path.write_text("<table><tr><td>1</td></tr></table>", encoding="utf-8")
    with open(path) as f:
        from_file = Html(f)
    for html in (Html(str(path)), Html(path), from_file, Html(path.read_bytes())):
        assert html.html == "<table><tr><td>1</td></tr></table>"


def test_html_path_is_read_at_construction(tmp_path):
    path = tmp_path / "a.htm"
    path.write_text("<b>1</b>")
    html = Html(str(path))
    path.write_text("<b>2</b>")
    assert html.html == "<b>1</b>"


def test_html_json_round_trip():
    html = Html("<i>x</i>", caption="cap")
    back = roundtrip(html)
    assert back == html and back.html == "<i>x</i>" and back.caption == "cap"
    assert back._json_fields() == html._json_fields()


@pytest.mark.parametrize("args, match", [
    ((3,), "Html: data must be a str of HTML, a path .*; got int"),
    ((["<b>"],), "; got list"),
    (("missing.html",), "does not exist"),
    ((b"\xff\xfe<b>",), "not UTF-8 text"),
])
def test_html_bad_input(args, match):
    with pytest.raises(DataError, match=match):
        Html(*args)


def test_html_caption_must_be_str():
    with pytest.raises(DataError, match="Html: caption must be a str or None; got int"):
        Html("<b>", caption=1)


# -- File ---------------------------------------------------------------------------------------
def test_file_from_bytes_with_name_and_mime():
    data = bytes(range(256))
    f = File(data=bytearray(data), name="weights.bin", mime="application/x-weights")
    payload = f.payload()
    assert payload.data == data == f.data
    assert (payload.ext, payload.mime, f.mime, f.name) == (
        "bin", "application/x-weights", "application/x-weights", "weights.bin")
    assert payload.meta == {"name": "weights.bin", "file_type": "file"}


@pytest.mark.parametrize("name, ext, mime", [
    ("notes.txt", "txt", "text/plain"),
    ("table.json", "json", "application/json"),
    ("archive.tar.gz", "gz", "application/gzip"),
    ("README", "bin", "application/octet-stream"),
])
def test_file_mime_and_extension_from_the_name(name, ext, mime):
    f = File(b"x", name=name)
    assert (f.payload().ext, f.mime) == (ext, mime)


def test_file_from_path_and_open_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_bytes(b"a: 1\n")
    from_path = File(path)
    assert (from_path.name, from_path.data) == ("config.yaml", b"a: 1\n")
    with open(path, "rb") as fh:
        assert File(fh).name == "config.yaml"
    assert File(io.BytesIO(b"zz")).name == "file"
    path.write_bytes(b"changed")
    assert from_path.data == b"a: 1\n"  # read at construction


def test_file_json_round_trip():
    f = File(b"\x00\x01binary", name="x.npy", mime="application/octet-stream", caption="c")
    back = roundtrip(f)
    assert back == f and back.name == "x.npy" and back.data == f.data
    assert back._json_fields() == f._json_fields() == {"caption": "c", "name": "x.npy"}
    assert back.payload().sha256 == f.payload().sha256


def test_file_logged_end_to_end(mem_run):
    mem_run.log({"artifact": runlog.File(b"hello", name="hello.txt")})
    logged = mem_run.backends["memory"].history[0]["artifact"]
    assert logged.data == b"hello" and logged.mime == "text/plain"


@pytest.mark.parametrize("args, kwargs, match", [
    ((12,), {}, "File: data must be bytes, a path .*; got int"),
    ((np.zeros(3),), {}, "; got numpy.ndarray"),
    ((b"x",), {"name": ""}, "name must be a non-empty str or None; got str"),
    ((b"x",), {"name": 5}, "name must be a non-empty str or None; got int"),
    ((b"x",), {"mime": "text"}, 'mime must be a MIME type such as "text/plain".*; got str'),
    ((b"x",), {"caption": ["c"]}, "caption must be a str or None; got list"),
    (("missing.bin",), {}, "names a file that does not exist: 'missing.bin'"),
    ((".",), {}, "names a directory, not a file"),
])
def test_file_bad_input(args, kwargs, match):
    with pytest.raises(DataError, match=match):
        File(*args, **kwargs)
