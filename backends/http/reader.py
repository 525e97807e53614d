"""``runlog.read("http://host:port/<project>/<run id>")``: a read-only view of a collector's run.

The token comes from ``RUNLOG_HTTP__TOKEN``. Media values are fetched from the collector when
the history or summary is read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from runlog.backends.files.format import decode_tree
from runlog.backends.files.reader import flatten_row
from runlog.typespec.errors import UsageError

from .protocol import MEDIA_NAME, NAME, run_path
from .transport import Collector

PAGE = 1000


def split_run_url(url: str) -> tuple[str, str, str]:
    """``http://host:port/<project>/<id>`` -> (base URL, project, run id)."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) != 2 or not all(NAME.match(s) for s in segments):
        raise UsageError(f"cannot read {url!r}: a collector's run URL is "
                         "http://host:port/<project>/<run id>")
    return f"{parts.scheme}://{parts.netloc}", segments[0], segments[1]


class HttpRun:
    """A collector's run: ``metadata``, ``config``, ``summary``, ``status``, ``history``,
    ``iter_history(keys=None)``, ``to_pandas()``, as ``runlog.read`` gives for a directory."""

    def __init__(self, url: str, token: str | None = None) -> None:
        base, self.project, self.id = split_run_url(url)
        self._collector = Collector(base, token or os.environ.get("RUNLOG_HTTP__TOKEN"),
                                    retry_for=10.0)
        self._path = run_path(self.project, self.id)
        meta = self._collector.get_run(self.project, self.id)
        if meta is None:
            raise UsageError(f"no run {self.project}/{self.id} on the collector at {base}")
        meta.pop("resume", None)
        self._meta = meta

    @property
    def metadata(self) -> dict[str, Any]:
        """The run's ``run.json`` as the collector has it."""
        return dict(self._meta)

    name = property(lambda self: self._meta.get("name"), doc="The run name.")
    status = property(lambda self: self._meta.get("status"), doc="The run status.")
    rows = property(lambda self: self._meta.get("rows", 0), doc="Committed history rows.")

    @property
    def config(self) -> dict[str, Any]:
        """The run config."""
        return dict(self._meta.get("config") or {})

    @property
    def summary(self) -> dict[str, Any]:
        """The (nested) summary; media leaves are media values."""
        return decode_tree(self._collector.call("GET", f"{self._path}/summary")["summary"],
                           self._load)

    @property
    def history(self) -> list[dict[str, Any]]:
        """Every committed row (nested, with ``_step``, ``_runtime``, ``_timestamp``)."""
        return list(self.iter_history())

    def iter_history(self, keys: list[str] | None = None) -> Iterator[dict[str, Any]]:
        """The rows page by page; ``keys`` (``/``-joined) keeps only those leaves."""
        offset: int | None = 0
        while offset is not None:
            params: dict[str, Any] = {"offset": offset, "limit": PAGE}
            if keys:
                params["keys"] = ",".join(keys)
            page = self._collector.call("GET", f"{self._path}/history", **params)
            for row in page["rows"]:
                yield decode_tree(row, self._load)
            offset = page["next_offset"]

    def to_pandas(self) -> Any:
        """The history as a ``pandas.DataFrame`` (nested keys joined with ``/``)."""
        try:
            import pandas as pd
        except ImportError:
            raise UsageError("to_pandas() needs pandas: pip install pandas") from None
        return pd.DataFrame([flatten_row(row) for row in self.iter_history()])

    def _load(self, ref: str, obj: dict[str, Any] | None = None) -> bytes:
        name = ref.rpartition("/")[2]
        if not MEDIA_NAME.match(name):
            raise UsageError(f"bad media reference {ref!r} from the collector")
        return self._collector.request("GET", f"{self._path}/media/{name}").content

    def __repr__(self) -> str:
        return f"<runlog.read {self._collector.url}/{self.project}/{self.id} {self.status}>"
