"""Html with wandb's signature: ``Html(data, inject=…, data_is_not_path=…)``."""

from __future__ import annotations

import pytest
import runlog
from runlog.typespec import DataError
from runlog.typespec.media.html import INJECTED
from test_tb_support import texts
from test_wandb_media_support import log_and_read


@pytest.mark.parametrize("doc, expected", [
    ("<html><head><title>t</title></head><body>é</body></html>",
     f"<html><head>{INJECTED}<title>t</title></head><body>é</body></html>"),
    ('<HTML lang="en"><body>x</body></HTML>',
     f'<HTML lang="en"><head>{INJECTED}</head><body>x</body></HTML>'),
    ("<!DOCTYPE html><p>x</p>", f"<!DOCTYPE html><head>{INJECTED}</head><p>x</p>"),
    ("<p>x</p>", f"<head>{INJECTED}</head><p>x</p>"),
])
def test_inject_adds_charset_and_base_target_to_the_head(doc, expected):
    row, _ = log_and_read({"page": runlog.Html(doc, inject=True)})
    assert row["page"].html == expected
    assert row["page"].payload().data == expected.encode("utf-8")


def test_default_and_inject_false_keep_the_document_as_given(tmp_path):
    doc = "<h1>résultats</h1>"
    path = tmp_path / "report.html"
    path.write_text(doc, encoding="utf-8")
    row, acc = log_and_read({"a": runlog.Html(doc), "b": runlog.Html(doc, False),
                             "c": runlog.Html(str(path), inject=False)})
    assert row["a"].html == row["b"].html == row["c"].html == doc
    assert texts(acc, "a") == [(0, doc)]


def test_inject_applies_to_a_file_read_from_a_path(tmp_path):
    path = tmp_path / "r.html"
    path.write_text("<html><head></head><body>1</body></html>", encoding="utf-8")
    assert runlog.Html(path, inject=True).html == (
        f"<html><head>{INJECTED}</head><body>1</body></html>")


def test_data_is_not_path_takes_a_file_name_as_html(tmp_path):
    (tmp_path / "page.html").write_text("<p>from the file</p>", encoding="utf-8")
    assert runlog.Html("page.html", data_is_not_path=True).html == "page.html"
    assert runlog.Html("page.html").html == "<p>from the file</p>"


@pytest.mark.parametrize("kwargs, match", [
    ({"inject": "yes"}, "Html: inject must be True or False; got str"),
    ({"data_is_not_path": 1}, "Html: data_is_not_path must be True or False; got int"),
])
def test_flags_must_be_bools(kwargs, match):
    with pytest.raises(DataError, match=match):
        runlog.Html("<p>x</p>", **kwargs)
