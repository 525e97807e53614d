"""The collector refuses bad requests with a 4xx JSON error and stores nothing outside its dir."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest
import requests
import runlog
from _http_collector import Collector, free_port, run_cli
from runlog.typespec.jsonform import record_to_json
from runlog.typespec.records import FileSaved, Row, RunStarted

pytestmark = pytest.mark.slow

TOKEN = "s3cret"
SESSION = "0123456789abcdef0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Runlog-Protocol": "1"}


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("validation")
    with Collector(root / "D", token=TOKEN, args=("--max-body", "65536", "--max-media",
                                                  "65536")) as running:
        yield running


def call(collector: Collector, method: str, path: str, body: object = None,
         data: bytes | None = None, headers: dict | None = None) -> requests.Response:
    if body is not None:
        data = json.dumps(body).encode()
    return requests.request(method, f"{collector.url}{path}", data=data,
                            headers={**AUTH, **(headers or {})}, timeout=10)


def error(response: requests.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body["error"]) == {"code", "message"} and body["error"]["message"]
    return body["error"]["code"]


def open_run(collector: Collector, run_id: str) -> None:
    assert call(collector, "PUT", f"/v1/runs/p/{run_id}", {"session": SESSION}).status_code in (
        200, 201)


def batch(*records: object, seq: int = 1) -> dict:
    return {"session": SESSION, "batches": [{"seq": seq, "records": [
        record_to_json(r) for r in records]}]}


def test_create_or_resume_is_idempotent(collector: Collector) -> None:
    first = call(collector, "PUT", "/v1/runs/p/idem", {"session": SESSION})
    again = call(collector, "PUT", "/v1/runs/p/idem", {"session": SESSION})
    assert (first.status_code, first.json()["created"]) == (201, True)
    assert (again.status_code, again.json()["created"], again.json()["acked"]) == (200, False, 0)
    assert again.headers["Runlog-Protocol"] == "1"


def test_resent_batches_are_stored_once(collector: Collector) -> None:
    open_run(collector, "dedup")
    started = RunStarted(id="dedup", project="p", name="dedup", start_time=1.0)
    one = batch(started, Row(0, 1.0, 0.0, {("x",): 0}))
    two = batch(Row(1, 1.0, 0.0, {("x",): 1}), seq=2)
    gap = batch(Row(9, 1.0, 0.0, {("x",): 9}), seq=4)
    path = "/v1/runs/p/dedup/batches"
    assert call(collector, "POST", path, one).json() == {"acked": 1}
    assert call(collector, "POST", path, one).json() == {"acked": 1}
    assert call(collector, "POST", path, gap).json() == {"acked": 1}  # not stored: a gap
    assert call(collector, "POST", path, two).json() == {"acked": 2}
    history = collector.get("/v1/runs/p/dedup/history").json()["rows"]
    assert [row["_step"] for row in history] == [0, 1]


def test_malformed_requests_are_400(collector: Collector) -> None:
    open_run(collector, "bad")
    path = "/v1/runs/p/bad/batches"
    assert error(call(collector, "POST", path, data=b"{not json"), 400) == "bad_json"
    assert error(call(collector, "POST", path, {"session": "x", "batches": []}),
                 400) == "bad_session"
    assert error(call(collector, "POST", path, {"session": SESSION, "batches": [{"seq": 0}]}),
                 400) == "bad_batches"
    broken = {"session": SESSION, "batches": [{"seq": 1, "records": [{"v": 1, "type": "row"}]}]}
    assert error(call(collector, "POST", path, broken), 400) == "bad_record"
    wrong_step = batch(Row("7", 1.0, 0.0, {("x",): 0}))  # type: ignore[arg-type]
    assert error(call(collector, "POST", path, wrong_step), 400) == "bad_record"
    other_run = batch(RunStarted(id="other", project="p", name="o", start_time=1.0))
    assert error(call(collector, "POST", path, other_run), 400) == "bad_record"
    assert error(call(collector, "PUT", "/v1/runs/p/bad", {"session": SESSION},
                      headers={"Runlog-Protocol": "2"}), 400) == "unsupported_protocol"
    assert error(call(collector, "GET", "/v1/nothing"), 404) == "not_found"
    assert error(call(collector, "POST", "/v1/runs/p/never/batches", batch()),
                 404) == "run_not_found"
    assert collector.get("/v1/runs/p/bad/history").json()["rows"] == []


def test_bodies_over_the_limits_are_413(collector: Collector) -> None:
    open_run(collector, "big")
    path = "/v1/runs/p/big/batches"
    assert error(call(collector, "POST", path, data=b"x" * 100_000), 413) == "body_too_large"
    bomb = gzip.compress(b"0" * 2_000_000)
    assert len(bomb) < 65536
    assert error(call(collector, "POST", path, data=bomb, headers={"Content-Encoding": "gzip"}),
                 413) == "body_too_large"
    data = b"y" * 70_000
    name = f"{hashlib.sha256(data).hexdigest()}.bin"
    assert error(call(collector, "PUT", f"/v1/runs/p/big/media/{name}", data=data),
                 413) == "body_too_large"


def test_bad_names_are_refused_and_nothing_leaves_the_directory(collector: Collector) -> None:
    for run_id in ("..", ".hidden", "a b", "x" * 200, "%2e%2e", "..%2F..%2Fescape"):
        response = call(collector, "PUT", f"/v1/runs/p/{run_id}", {"session": SESSION})
        assert 400 <= response.status_code < 500, (run_id, response.status_code)
    assert 400 <= call(collector, "PUT", "/v1/runs/../escape", {"session": SESSION}
                       ).status_code < 500
    open_run(collector, "names")
    data = b"payload"
    good = f"{hashlib.sha256(data).hexdigest()}.bin"
    for name in ("..%2F..%2Fescape.bin", "escape.bin", f"{'0' * 64}.bin"):
        response = call(collector, "PUT", f"/v1/runs/p/names/media/{name}", data=data)
        assert 400 <= response.status_code < 500, (name, response.status_code)
    assert call(collector, "PUT", f"/v1/runs/p/names/media/{good}", data=data).status_code == 201
    assert call(collector, "PUT", f"/v1/runs/p/names/media/{good}", data=data).status_code == 200
    assert call(collector, "GET", f"/v1/runs/p/names/media/{good}").content == data

    started = RunStarted(id="names", project="p", name="n", start_time=1.0)
    escape = FileSaved("../../escape.txt", runlog.File(b"x", name="escape.txt"))
    response = call(collector, "POST", "/v1/runs/p/names/batches", batch(started, escape))
    assert error(response, 400) == "bad_record"

    root = collector.root.parent
    outside = [p for p in root.rglob("*") if "escape" in p.name]
    assert outside == []
    assert sorted(p.name for p in root.iterdir()) == ["D", f"collector-{collector.port}.log"]


def test_a_public_address_without_a_token_is_refused(tmp_path: Path) -> None:
    result = run_cli("serve", "--dir", str(tmp_path / "D"), "--host", "0.0.0.0", "--port",
                     str(free_port()), timeout=30)
    assert result.returncode != 0
    assert "without a token" in result.stderr


def test_openapi_document_is_served(collector: Collector) -> None:
    doc = requests.get(f"{collector.url}/v1/openapi.json", timeout=10).json()
    assert doc["openapi"].startswith("3.")
    assert "/v1/runs/{project}/{run_id}/batches" in doc["paths"]
