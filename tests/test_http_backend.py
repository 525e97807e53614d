"""The http backend's options, its report of an existing run, and its retry policy."""

from __future__ import annotations

import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import runlog
from _http_collector import NO_SIGNALS, Collector, free_port
from runlog.backends.http import factory
from runlog.backends.http.transport import AuthError, TransientError
from runlog.backends.http.transport import Collector as Client


@pytest.mark.parametrize(("options", "words"), [
    ({"url": "http://127.0.0.1:1", "bogus": 1}, ["unknown option", "bogus", "accepted"]),
    ({}, ["url", "RUNLOG_HTTP__URL", "NoneType"]),
    ({"url": "ftp://x"}, ["url", "http://host:port"]),
    ({"url": "http://127.0.0.1:1", "timeout": "soon"}, ["timeout", "'soon'", "str", "> 0"]),
    ({"url": "http://127.0.0.1:1", "retry_for": -1}, ["retry_for", "-1", "int"]),
    ({"url": "http://127.0.0.1:1", "token": True}, ["token", "bool"]),
])
def test_bad_options_are_usage_errors(tmp_path: Path, options: dict, words: list) -> None:
    with pytest.raises(runlog.UsageError) as caught:
        factory(options, tmp_path / "p" / "r")
    for word in words:
        assert word in str(caught.value)


def test_unknown_option_through_init(tmp_path: Path) -> None:
    with pytest.raises(runlog.UsageError, match="unknown option"):
        runlog.init(backends=["http:url=http://127.0.0.1:1,colour=red"], settings=NO_SIGNALS)


def test_url_and_token_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    with Collector(tmp_path / "D", token="12345") as collector:
        monkeypatch.setenv("RUNLOG_HTTP__URL", collector.url)
        monkeypatch.setenv("RUNLOG_HTTP__TOKEN", "12345")
        run = runlog.init(project="p", id="env", backends=["http"], settings=NO_SIGNALS)
        run.log({"x": 1})
        run.finish()
        assert runlog.read(f"{collector.url}/p/env").history[0]["x"] == 1  # token from env too


@pytest.mark.slow
def test_existing_run_reports_the_collectors_state(tmp_path: Path) -> None:
    with Collector(tmp_path / "D") as collector:
        fresh = factory({"url": collector.url}, tmp_path / "runlog-runs" / "p" / "r")
        assert fresh.existing_run() is None
        run = runlog.init(project="p", id="r", config={"lr": 0.5}, settings=NO_SIGNALS,
                          backends=[{"http": {"url": collector.url}}])
        for step in range(7):
            run.log({"x": step, "n": {"y": -step}})
        run.summary["best"] = 3
        run.finish()
        state = factory({"url": collector.url}, tmp_path / "runlog-runs" / "p" / "r").existing_run()
    assert state is not None
    assert state.next_step == 7
    assert state.config == {"lr": 0.5}
    leaves = state.summary.leaves()
    assert (leaves[("x",)], leaves[("n", "y")], leaves[("best",)]) == (6, -6, 3)


class _Throttling(BaseHTTPRequestHandler):
    """A stand-in for a proxy in front of a collector: 429, then 503, then an answer."""

    answers = [(429, {"Retry-After": "1"}), (503, {}), (200, {})]
    seen: list[float] = []

    def do_GET(self) -> None:
        self.seen.append(time.monotonic())
        status, headers = self.answers[min(len(self.seen), 3) - 1]
        body = b'{"ok": true}' if status == 200 else b'{"error": {"code": "busy", "message": ""}}'
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_429_waits_retry_after_and_5xx_is_retried() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Throttling)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = Client(f"http://127.0.0.1:{server.server_port}", retry_for=10)
        assert client.call("GET", "/v1/health") == {"ok": True}
    finally:
        server.shutdown()
        server.server_close()
    seen = _Throttling.seen
    assert len(seen) == 3
    assert seen[1] - seen[0] >= 0.95  # Retry-After: 1


def test_resuming_without_a_collector_is_a_clear_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    backend = factory({"url": url, "retry_for": 0.3}, tmp_path / "p" / "r")
    with pytest.raises(runlog.Error, match=f"cannot resume run p/r: the collector at {url}"):
        backend.existing_run()


def test_no_collector_is_a_transient_error_after_retry_for() -> None:
    client = Client(f"http://127.0.0.1:{free_port()}", retry_for=0.3, timeout=1)
    start = time.monotonic()
    with pytest.raises(TransientError):
        client.call("GET", "/v1/health")
    assert 0.3 <= time.monotonic() - start < 5


def test_a_wrong_token_is_not_retried(tmp_path: Path) -> None:
    with Collector(tmp_path / "D", token="right") as collector:
        client = Client(collector.url, "wrong", retry_for=30)
        start = time.monotonic()
        with pytest.raises(AuthError, match="401"):
            client.call("GET", "/v1/runs")
        assert time.monotonic() - start < 2


def test_a_new_run_does_not_wait_for_a_collector_that_does_not_answer(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """With nothing listening, init asks /health once and goes on with a warning, flush()
    answers False at once and finish() waits close_timeout — none of them waits out
    retry_for=30 s; the rows are spooled."""
    url = f"http://127.0.0.1:{free_port()}"
    start = time.monotonic()
    with caplog.at_level(logging.WARNING, "runlog"):
        run = runlog.init(project="p", id="gone", dir=str(tmp_path), backends=[
            {"http": {"url": url, "close_timeout": 0.2}}], settings={"handle_signals": False})
    told = [r.getMessage() for r in caplog.records if "cannot tell whether run" in r.getMessage()]
    assert len(told) == 1 and f"{url}/v1/health" in told[0]
    run.log({"x": 1.0})
    assert run.flush() is False
    run.finish()
    assert time.monotonic() - start < 15  # retry_for is 30 s: nothing waited it out
    assert list((tmp_path / ".http-spool" / "p" / "gone").rglob("0*.json"))
