"""Delivery to the tracking store: an ordered outbox of idempotent requests, retried with tenacity.

Every request is built once and kept until the store accepted it, so a retry sends exactly the
same thing: metric points with the same key, value, step and timestamp (MLflow's SQL store
ignores a point it already holds), params with the same value, tags and artifact files that
overwrite themselves. A request lost on the way back is therefore harmless to repeat, and every
point ends up in the run exactly once.

While the store is unreachable, :meth:`Outbox.deliver` gives up quickly and the backend keeps
collecting requests; rounds are spaced by exponential backoff with jitter. A permanent error
(MLflow rejected the request itself) drops that request with an ERROR naming what was lost, so
one bad value never holds back the rest.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tenacity

logger = logging.getLogger("runlog.backends.mlflow")

#: MLflow error codes that mean "this request is wrong", not "try again later"
PERMANENT = frozenset({
    "INVALID_PARAMETER_VALUE", "RESOURCE_ALREADY_EXISTS", "RESOURCE_DOES_NOT_EXIST",
    "INVALID_STATE", "BAD_REQUEST", "PERMISSION_DENIED", "UNAUTHENTICATED",
    "ENDPOINT_NOT_FOUND", "MAX_BLOB_SIZE_EXCEEDED",
})


class ServerDown(ConnectionError):
    """The tracking server did not answer its health check."""


def is_transient(exc: BaseException) -> bool:
    """True for failures worth retrying: the store is down, busy or restarting."""
    code = getattr(exc, "error_code", None)
    if code is not None:
        return code not in PERMANENT
    return not isinstance(exc, (TypeError, ValueError, KeyError, AttributeError))


class Op:
    """One request to the store; ``send(client, run_id)`` must be safe to repeat."""

    metrics = 0
    files = 0
    entities = 0  # params and tags

    def send(self, client: Any, run_id: str) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class LogBatch(Op):
    """One ``log_batch`` request, within MLflow's per-request limits."""

    def __init__(self, metrics: list[Any] = (), params: list[Any] = (),
                 tags: list[Any] = ()) -> None:
        self._metrics, self._params, self._tags = list(metrics), list(params), list(tags)
        self.metrics = len(self._metrics)
        self.entities = len(self._params) + len(self._tags)
        self.steps = {m.step for m in self._metrics}

    def send(self, client: Any, run_id: str) -> None:
        client.log_batch(run_id, metrics=self._metrics, params=self._params, tags=self._tags,
                         synchronous=True)

    def describe(self) -> str:
        keys = sorted({m.key for m in self._metrics})[:5]
        parts = []
        if self.metrics:
            parts.append(f"{self.metrics} metric points (keys {keys}, steps "
                         f"{min(self.steps)}–{max(self.steps)})")
        if self.entities:
            names = [p.key for p in self._params] + [t.key for t in self._tags]
            parts.append(f"params/tags {names[:5]}")
        return ", ".join(parts)


class Files(Op):
    """Artifact files (run-relative path -> bytes), uploaded in one ``log_artifacts`` call."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self._files = dict(files)
        self.files = len(self._files)

    def send(self, client: Any, run_id: str) -> None:
        with tempfile.TemporaryDirectory(prefix="runlog-mlflow-") as tmp:
            for rel, data in self._files.items():
                path = Path(tmp, rel)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            client.log_artifacts(run_id, tmp)

    def describe(self) -> str:
        return f"{self.files} artifact files ({sorted(self._files)[:3]}…)"


class Call(Op):
    """Any other idempotent call: ``fn(client, run_id)``."""

    def __init__(self, fn: Callable[[Any, str], None], what: str) -> None:
        self._fn, self._what = fn, what

    def send(self, client: Any, run_id: str) -> None:
        self._fn(client, run_id)

    def describe(self) -> str:
        return self._what


class Outbox:
    """Requests waiting for the store, delivered in order.

    ``connect()`` returns ``(client, run_id)`` once the run exists (it may raise while the
    store is unreachable); ``probe`` (servers only) raises :class:`ServerDown` fast when the
    server does not answer, so no request waits out MLflow's own long HTTP retries.
    """

    def __init__(self, connect: Callable[[], tuple[Any, str]], probe: Callable[[], None] | None,
                 where: str) -> None:
        self._connect = connect
        self._probe = probe
        self.where = where
        self._ops: deque[Op] = deque()
        self._failures = 0  # rounds failed in a row
        self._retry_at = 0.0
        self.last_error: str | None = None
        self.dropped: list[str] = []  # what permanent errors cost

    def add(self, op: Op) -> None:
        """Queue a request."""
        self._ops.append(op)

    def __len__(self) -> int:
        return len(self._ops)

    def due(self) -> bool:
        """True when a delivery round may start (the backoff after a failed round is over)."""
        return bool(self._ops) and time.monotonic() >= self._retry_at

    def deliver(self, budget: float) -> bool:
        """Send queued requests, retrying failures for up to ``budget`` seconds (0: one try
        each). True when nothing is left."""
        deadline = time.monotonic() + max(0.0, budget)
        while self._ops:
            op = self._ops[0]
            try:
                self._send(op, deadline)
            except Exception as exc:  # noqa: BLE001 - classified, reported, never raised
                if is_transient(exc):
                    self._outage(exc)
                    return False
                self._drop(op, exc)
            self._ops.popleft()
            if self._failures:
                logger.warning("runlog mlflow backend: %s is reachable again; delivering the "
                               "%d requests that waited", self.where, len(self._ops) + 1)
                self._failures = 0
        return True

    def pending(self) -> str:
        """What is still waiting, in words (for the loss report)."""
        metrics = sum(op.metrics for op in self._ops)
        files = sum(op.files for op in self._ops)
        entities = sum(op.entities for op in self._ops)
        steps = [s for op in self._ops for s in getattr(op, "steps", ())]
        span = f" (steps {min(steps)}–{max(steps)})" if steps else ""
        return (f"{metrics} metric points{span}, {files} artifact files, {entities} "
                f"params/tags in {len(self._ops)} requests")

    def _send(self, op: Op, deadline: float) -> None:
        left = max(0.0, deadline - time.monotonic())
        for attempt in tenacity.Retrying(
            stop=tenacity.stop_after_delay(left),
            wait=tenacity.wait_exponential(multiplier=0.2, max=5.0) + tenacity.wait_random(0, 0.5),
            retry=tenacity.retry_if_exception(is_transient),
            reraise=True,
        ):
            with attempt:
                if self._probe is not None:
                    self._probe()
                client, run_id = self._connect()
                op.send(client, run_id)

    def _outage(self, exc: BaseException) -> None:
        self._failures += 1
        self.last_error = f"{type(exc).__name__}: {exc}"[:500]
        state = tenacity.RetryCallState(None, None, (), {})
        state.attempt_number = self._failures
        self._retry_at = time.monotonic() + _BACKOFF(state)
        if self._failures == 1:
            logger.warning("runlog mlflow backend: cannot reach %s (%s); %s wait and are "
                           "retried with backoff", self.where, self.last_error, self.pending())

    def _drop(self, op: Op, exc: BaseException) -> None:
        lost = op.describe()
        self.dropped.append(lost)
        logger.error("runlog mlflow backend: %s rejected a request, which is dropped: %s: %s. "
                     "Lost: %s", self.where, type(exc).__name__, str(exc)[:500], lost)


#: spacing of delivery rounds while the store stays unreachable
_BACKOFF = tenacity.wait_exponential(multiplier=0.5, max=10.0) + tenacity.wait_random(0, 1.0)
