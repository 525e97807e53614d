"""The ``http`` backend: sends a run to a runlog collector (``runlog serve``).

``write`` never touches the network: each batch of records is encoded (the JSON form of
``runlog.typespec.jsonform``, media by reference) into a file of the local spool, and a sender
thread delivers the spool in order — media first, then batches, each acknowledged by the
collector before it is forgotten. A collector that is down, slow or restarting costs nothing but
a longer spool; whatever is still spooled when the run ends is delivered by the next run of the
same id or by ``runlog sync``. See ``docs/backends/http.md``.

Options (``"http:url=http://host:8080"``, ``{"http": {...}}`` or ``RUNLOG_HTTP__URL`` ...):
``url`` (required), ``token``, ``spool`` (directory, default ``<run root>/.http-spool``),
``timeout`` (seconds per request, 10), ``retry_for`` (seconds a request is retried, 30),
``close_timeout`` (seconds ``finish()`` waits for delivery, 30), ``offline`` (set by
``init(mode="offline")``: spool only, contact nothing; ``runlog sync`` delivers later).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from runlog.typespec.errors import BackendError, UsageError
from runlog.typespec.jsonform import dumps, leaves_from_json, record_to_json
from runlog.typespec.media import KINDS
from runlog.typespec.payload import Payload
from runlog.typespec.records import Finished, Record, RunStarted
from runlog.typespec.summary import Summary

from .._contract import Capabilities, ExistingRun
from ..options import Option, parse_options
from .delivery import deliver
from .protocol import NAME, media_ref
from .spool import RunSpool
from .transport import AuthError, Collector, CollectorError, TransientError

logger = logging.getLogger("runlog")

#: option -> (default, text for errors); numbers must be finite and > 0
OPTIONS: dict[str, Option] = {
    "url": Option(None, str, "the collector's base URL, http://host:port"),
    "token": Option(None, str, "a bearer token"),
    "spool": Option(None, Path, "a directory for undelivered batches"),
    "timeout": Option(10.0, float, "seconds per request, > 0", minimum=1e-6),
    "retry_for": Option(30.0, float, "seconds a request is retried, > 0", minimum=1e-6),
    "close_timeout": Option(30.0, float, "seconds finish() waits for delivery, >= 0",
                            minimum=0.0),
    "offline": Option(False, bool, "true to spool only and send nothing (mode='offline')"),
}
_SYSTEM = {("_step",), ("_runtime",), ("_timestamp",)}
_IDLE_WAIT = 1.0  # the sender looks at the spool at least this often
_BACKOFF = (0.5, 10.0)  # sender's wait after a failed delivery: first, longest


class HttpBackend:
    """Spools batches of records on disk and delivers them to a collector."""

    name = "http"
    capabilities = Capabilities(kinds=KINDS, stale_rows=True, resume=True, batch_size=1000,
                                batch_delay=0.2)

    def __init__(self, run_dir: Path, url: str, token: str | None = None,
                 spool: str | Path | None = None, timeout: float = 10.0, retry_for: float = 30.0,
                 close_timeout: float = 30.0, offline: bool = False) -> None:
        run_dir = Path(run_dir)
        self.offline = offline
        self.url = url
        self.close_timeout = close_timeout
        root = Path(spool).expanduser() if spool is not None else run_dir.parents[1] / ".http-spool"
        self.spool = RunSpool(root, run_dir.parent.name, run_dir.name)
        self.session = uuid.uuid4().hex
        self._stop = threading.Event()
        self._collector = Collector(url, token, timeout, retry_for, self._stop,
                                    on_retry=self._note_unreachable)
        self._folder: Path | None = None
        self._seq = 0  # last sequence number spooled
        self._delivered = 0  # last sequence number of this session the collector acknowledged
        self._opened: set[str] = set()
        self._cond = threading.Condition()
        self._wake = threading.Event()
        self._failed: str | None = None  # why delivery gave up (auth, refused)
        self._unreachable = False  # the last delivery attempt could not reach the collector
        self._sender: threading.Thread | None = None
        #: bytes of batch files spooled (``run.stats``)
        self.bytes_written = 0

    # -- resume --------------------------------------------------------------------------------
    def existing_run(self) -> ExistingRun | None:
        """The collector's state of this run (after delivering what an earlier session of it
        left in the spool), or None if the collector has no such run (or, offline, always:
        the collector is not asked)."""
        if self.offline:
            return None
        try:
            self._collector.ping()  # no answer at all: say so now, do not wait out retry_for
            deliver(self.spool, self._collector, self._opened)
            found = self._collector.get_run(self.spool.project, self.spool.run_id)
        except TransientError as exc:
            raise BackendError(
                f"http backend: cannot resume run {self.spool.project}/{self.spool.run_id}: the "
                f"collector at {self.url} did not answer ({exc})"
            ) from None
        if found is None:
            return None
        state = found["resume"]
        summary = Summary()
        for path, value in leaves_from_json(state["summary"]).items():
            if path not in _SYSTEM:
                summary.set(path, value)
        return ExistingRun(next_step=int(state["next_step"]), summary=summary,
                           config=dict(state["config"]))

    def release(self) -> None:
        """Nothing is held before :meth:`start`."""

    # -- Backend -------------------------------------------------------------------------------
    def start(self, run: RunStarted) -> None:
        """Open this session's spool folder and start the sender thread."""
        self._folder = self.spool.open_session(self.url, self.session)
        if self.offline:
            return
        self._sender = threading.Thread(target=self._send_loop, daemon=True,
                                        name=f"runlog-http-{self.spool.run_id}")
        self._sender.start()

    def write(self, records: Sequence[Record]) -> None:
        """Spool the batch (no network I/O here)."""
        names: list[str] = []

        def store(payload: Payload) -> str:
            names.append(self.spool.store_media(payload))
            return media_ref(names[-1])

        encoded = [record_to_json(r, store) for r in records]
        batch = {"session": self.session, "seq": self._seq + 1, "records": encoded,
                 "media": sorted(set(names))}
        body = dumps(batch).encode("utf-8")
        assert self._folder is not None, "start() comes first"
        self.spool.add_batch(self._folder, batch, body)
        self._seq += 1
        self.bytes_written += len(body)
        self._wake.set()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until the collector acknowledged everything written so far; True if it did.

        Returns False at once while the collector is unreachable or refuses the data: the
        batches are safe in the spool, and waiting would only stall the run. Offline, the
        spool is the destination: True.
        """
        if self.offline:
            return True
        target = self._seq
        self._wake.set()
        with self._cond:
            self._cond.wait_for(lambda: self._delivered >= target or self._failed is not None
                                or self._unreachable, timeout)
            return self._delivered >= target

    def _wait_delivered(self, timeout: float) -> bool:
        """Wait up to ``timeout`` for delivery, even while the collector is unreachable."""
        target = self._seq
        self._wake.set()
        with self._cond:
            return self._cond.wait_for(
                lambda: self._delivered >= target or self._failed is not None, timeout
            ) and self._delivered >= target

    def close(self, finished: Finished) -> None:
        """Deliver what is left (up to ``close_timeout``), tell the collector the session
        ended, and stop the sender. Undelivered batches stay spooled, with a warning."""
        if self.offline:
            logger.warning("runlog http: offline: run %s/%s is spooled in %s; send it to %s "
                           "with `runlog sync %s`", self.spool.project, self.spool.run_id,
                           self.spool.dir, self.url, self.spool.dir.parents[1])
            self._collector.close()
            return
        delivered = self._wait_delivered(self.close_timeout)
        self._stop.set()
        self._wake.set()
        if self._sender is not None:
            self._sender.join()
        if self._folder is not None and delivered:
            try:
                self._collector.finish(self.spool.project, self.spool.run_id, self.session)
            except (TransientError, CollectorError) as exc:
                logger.warning("runlog http: could not close the session on %s: %s",
                               self.url, exc)
            self.spool.prune()
        elif self._folder is not None:
            left = len(self.spool.batches())
            logger.warning(
                "runlog http: %d batch(es) of run %s/%s are not delivered to %s; they are kept "
                "in %s and will be sent by the next run with this id or by `runlog sync %s`",
                left, self.spool.project, self.spool.run_id, self.url, self.spool.dir,
                self.spool.dir.parents[1])
        self._collector.close()

    # -- sender thread -------------------------------------------------------------------------
    def _send_loop(self) -> None:
        backoff = _BACKOFF[0]
        warned = False
        while not self._stop.is_set():
            self._wake.wait(_IDLE_WAIT)
            self._wake.clear()
            try:
                deliver(self.spool, self._collector, self._opened, self._stop)
            except AuthError as exc:
                self._give_up(f"the collector refused the token: {exc}")
                return
            except CollectorError as exc:
                self._give_up(f"the collector refused the data: {exc}")
                return
            except (TransientError, OSError) as exc:
                self._note_unreachable()
                if not warned:
                    logger.warning("runlog http: collector %s unreachable (%s); batches are "
                                   "spooled in %s and sent when it answers", self.url, exc,
                                   self.spool.dir)
                    warned = True
                self._stop.wait(backoff)
                backoff = min(_BACKOFF[1], backoff * 2)
                continue
            except Exception as exc:  # noqa: BLE001 - the sender must end with a message
                self._give_up(f"delivery failed ({type(exc).__name__}: {exc})")
                return
            backoff = _BACKOFF[0]
            self._note_delivered()

    def _note_unreachable(self) -> None:
        """A request failed and is retried: flush() stops waiting for delivery now."""
        with self._cond:
            self._unreachable = True
            self._cond.notify_all()

    def _note_delivered(self) -> None:
        mine = [b.seq for b in self.spool.batches() if b.session == self.session]
        with self._cond:
            self._delivered = min(mine) - 1 if mine else self._seq
            self._unreachable = False
            self._cond.notify_all()

    def _give_up(self, why: str) -> None:
        logger.error("runlog http: %s. Training continues; the run's data stays spooled in %s "
                     "(send it later with `runlog sync %s --token ...`)", why, self.spool.dir,
                     self.spool.dir.parents[1])
        with self._cond:
            self._failed = why
            self._cond.notify_all()

    def __repr__(self) -> str:
        return f"<HttpBackend {self.url} {self.spool.project}/{self.spool.run_id}>"


def http_options(options: dict[str, Any]) -> dict[str, Any]:
    """Validated keyword arguments for :class:`HttpBackend`; a bad option is a UsageError."""
    token = options.get("token")
    if isinstance(token, int) and not isinstance(token, bool):
        options = {**options, "token": str(token)}  # digits arrive from the environment as int
    out = parse_options("http", options, OPTIONS)
    url = out["url"]
    if url is None or not url.startswith(("http://", "https://")):
        raise UsageError(f"http backend: option url must be {OPTIONS['url'].text} (set it as "
                         f"'http:url=...' or RUNLOG_HTTP__URL), got {url!r} "
                         f"({type(url).__name__})")
    if out["spool"] is not None:
        out["spool"] = str(out["spool"])
    return out


def factory(options: dict[str, Any], run_dir: Path) -> HttpBackend:
    """Build the http backend for the run at ``run_dir`` (``<root>/<project>/<run id>``)."""
    run_dir = Path(run_dir)
    for what, value in (("project", run_dir.parent.name), ("run id", run_dir.name)):
        if not NAME.match(value):
            raise UsageError(f"http backend: {what} {value!r} cannot be sent to a collector; "
                             "use letters, digits, '_', '-' and '.'")
    return HttpBackend(run_dir, **http_options(options))
