"""Talking to a collector: requests with gzip bodies, timeouts and tenacity retries.

Connection errors, timeouts, 5xx and 429 are retried with exponential backoff and jitter
(``Retry-After`` is honoured) for up to ``retry_for`` seconds; 401/403 raise
:class:`AuthError` at once; any other 4xx raises :class:`CollectorError` with the collector's
``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Callable
from typing import Any

import requests
from runlog.typespec.errors import BackendError, UsageError

from .protocol import PREFIX, VERSION, VERSION_HEADER, run_path

try:
    import tenacity
except ImportError:  # pragma: no cover - depends on the installed extras
    raise UsageError("the http backend needs the 'http' extra: pip install 'runlog[http]'"
                     ) from None

#: bodies larger than this are gzipped
GZIP_ABOVE = 1024
_MAX_RETRY_AFTER = 60.0


class CollectorError(BackendError):
    """The collector refused a request (a 4xx other than 401/403); retrying will not help."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"collector answered {status} {code}: {message}")
        self.status = status
        self.code = code


class AuthError(CollectorError):
    """401/403: the token is missing or wrong."""


class TransientError(BackendError):
    """A failure worth retrying: no connection, a timeout, a 5xx or a 429."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(response: requests.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    try:
        return min(_MAX_RETRY_AFTER, max(0.0, float(raw))) if raw is not None else None
    except ValueError:
        return None


class _Wait(tenacity.wait.wait_base):
    """Exponential backoff with jitter, or the collector's ``Retry-After`` when it sent one."""

    def __init__(self) -> None:
        self._backoff = tenacity.wait_exponential_jitter(multiplier=0.1, max=5.0, jitter=0.2)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, TransientError) and error.retry_after is not None:
            return error.retry_after
        return self._backoff(retry_state)


class Collector:
    """A client of one collector (``url`` is its base URL, e.g. ``http://127.0.0.1:8080``)."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 10.0,
                 retry_for: float = 30.0, stop: threading.Event | None = None,
                 on_retry: Callable[[], None] | None = None) -> None:
        """``stop`` ends retries early; ``on_retry`` is told of each failed attempt that will
        be retried (the collector is not answering now)."""
        self.url = url.rstrip("/")
        #: tenacity's before_sleep: runs after each failed attempt that will be retried
        self._before_sleep = None if on_retry is None else (lambda _state: on_retry())
        self.timeout = timeout
        self.retry_for = retry_for
        self._stop = stop or threading.Event()
        self._session = requests.Session()
        self._session.headers[VERSION_HEADER] = str(VERSION)
        self._session.headers["Accept-Encoding"] = "gzip"
        if token:
            self._session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    # -- protocol ------------------------------------------------------------------------------
    def ping(self) -> None:
        """Ask ``/health`` once, without retries: TransientError if the collector does not
        answer."""
        self._once("GET", f"{PREFIX}/health", None, {}, None, (200,))

    def open_run(self, project: str, run_id: str, session: str) -> dict[str, Any]:
        """Create or resume the run; returns ``{"created", "acked", ...}``."""
        return self.call("PUT", run_path(project, run_id), {"session": session})

    def get_run(self, project: str, run_id: str) -> dict[str, Any] | None:
        """The run's metadata and resume state, or None if the collector has no such run."""
        try:
            return self.call("GET", run_path(project, run_id))
        except CollectorError as exc:
            if exc.status == 404:
                return None
            raise

    def has_media(self, project: str, run_id: str, name: str) -> bool:
        """True if the collector already stores this media file for the run."""
        response = self.request("HEAD", f"{run_path(project, run_id)}/media/{name}",
                                ok=(200, 404))
        return response.status_code == 200

    def put_media(self, project: str, run_id: str, name: str, data: bytes) -> None:
        """Upload one media file (idempotent)."""
        self.request("PUT", f"{run_path(project, run_id)}/media/{name}", data=data,
                     headers={"Content-Type": "application/octet-stream"}, compress=False)

    def post_batches(self, project: str, run_id: str, session: str,
                     batches: list[dict[str, Any]]) -> int:
        """Send batches of one session in order; returns the highest acknowledged sequence."""
        body = {"session": session, "batches": batches}
        return int(self.call("POST", f"{run_path(project, run_id)}/batches", body)["acked"])

    def finish(self, project: str, run_id: str, session: str) -> dict[str, Any]:
        """Tell the collector this session is over."""
        return self.call("POST", f"{run_path(project, run_id)}/finish", {"session": session})

    # -- plumbing ------------------------------------------------------------------------------
    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """A JSON request; returns the decoded JSON answer."""
        data = None
        headers = {}
        if body is not None:
            data = json.dumps(body, allow_nan=True, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        return self.request(method, path, data=data, headers=headers, params=params).json()

    def request(self, method: str, path: str, data: bytes | None = None,
                headers: dict[str, str] | None = None, params: dict[str, Any] | None = None,
                ok: tuple[int, ...] = (200, 201), compress: bool = True) -> requests.Response:
        """Send with retries (see the module docstring); raises on a final failure.

        JSON bodies over ``GZIP_ABOVE`` bytes are gzipped; media (already compressed) is not.
        """
        headers = dict(headers or {})
        if compress and data is not None and len(data) > GZIP_ABOVE:
            data = gzip.compress(data, compresslevel=1)
            headers["Content-Encoding"] = "gzip"
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(TransientError),
            wait=_Wait(),
            stop=tenacity.stop_after_delay(self.retry_for) | tenacity.stop_when_event_set(
                self._stop),
            sleep=self._stop.wait,  # a run that ends cuts a backoff short
            before_sleep=self._before_sleep,
            reraise=True,
        )
        return retrying(self._once, method, path, data, headers, params, ok)

    def _once(self, method: str, path: str, data: bytes | None, headers: dict[str, str],
              params: dict[str, Any] | None, ok: tuple[int, ...]) -> requests.Response:
        url = f"{self.url}{path}"
        try:
            response = self._session.request(method, url, data=data, headers=headers,
                                             params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise TransientError(f"{method} {url}: {exc}") from exc
        status = response.status_code
        if status in ok:
            return response
        if status == 429 or status >= 500:
            raise TransientError(f"{method} {url}: {status}", _retry_after(response))
        code, message = _error_of(response)
        cls = AuthError if status in (401, 403) else CollectorError
        raise cls(status, code, f"{message} ({method} {url})")


def _error_of(response: requests.Response) -> tuple[str, str]:
    try:
        error = response.json()["error"]
        return str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        return "http_error", response.text[:200] or response.reason or ""


__all__ = ["AuthError", "Collector", "CollectorError", "TransientError"]
