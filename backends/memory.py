"""The in-memory backend: every record kept, with history / summary / config views.

It is a product feature for tests and notebooks: ``runlog.init(backends=["memory"])`` then
``run.backends["memory"].history``. The dispatcher renders it inline on the caller's thread,
so every call that returned is visible at once (no sleeping in tests), and it stays readable
after ``finish()``.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from runlog.typespec.media import KINDS
from runlog.typespec.records import (
    Alert,
    ArtifactLogged,
    ConfigChanged,
    Finished,
    Record,
    Row,
    RunStarted,
    StaleRow,
    SystemSample,
    row_dict,
    sample_dict,
)
from runlog.typespec.summary import Summary

from ._contract import Capabilities
from .options import Option, parse_options

#: the memory backend takes no options (an unknown one is a UsageError)
OPTIONS: dict[str, Option] = {}

_TIMING = ("_timestamp", "_runtime")


class MemoryBackend:
    """Keeps every IR record in memory.

    Views: :attr:`records` (the IR, in log order), :attr:`history` (rows as nested dicts with
    ``_step``, ``_timestamp``, ``_runtime``), :attr:`summary`, :attr:`config`, :attr:`stale`
    (rejected stale-step data), :attr:`system` (system-metrics samples), :attr:`artifacts`,
    :attr:`alerts`, :attr:`run` (the ``RunStarted`` record, with the run's provenance),
    :attr:`finished`.
    """

    name = "memory"
    #: every kind; inline: rendered on the caller's thread, never queued, dropped or disabled;
    #: every StaleRow is kept (see :attr:`stale`)
    capabilities = Capabilities(kinds=KINDS, stale_rows=True, inline=True)

    def __init__(self, options: dict[str, Any] | None = None, run_dir: Path | None = None) -> None:
        self.options = parse_options("memory", options or {}, OPTIONS)
        self._lock = threading.Lock()
        self.clear()

    # -- Backend ---------------------------------------------------------------------------
    def start(self, run: RunStarted) -> None:
        """Nothing to open."""

    def write(self, records: Sequence[Record]) -> None:
        """Keep the records."""
        with self._lock:
            self._records.extend(records)

    def flush(self, timeout: float | None = None) -> bool:
        """Memory is as durable as it gets here."""
        return True

    def close(self, finished: Finished) -> None:
        """Nothing to close; the views stay readable."""

    # -- views -----------------------------------------------------------------------------
    @property
    def records(self) -> list[Record]:
        """Every record received, in log order (a copy)."""
        with self._lock:
            return list(self._records)

    @property
    def rows(self) -> list[Row]:
        """The committed ``Row`` records."""
        return [r for r in self.records if type(r) is Row]

    @property
    def history(self) -> list[dict[str, Any]]:
        """Committed rows as nested dicts with ``_step``, ``_timestamp`` and ``_runtime``."""
        return [row_dict(r) for r in self.rows]

    @property
    def stale(self) -> list[StaleRow]:
        """Data rejected by the stale-step rule (``StaleRow`` records)."""
        return [r for r in self.records if type(r) is StaleRow]

    @property
    def system(self) -> list[dict[str, Any]]:
        """System-metrics samples: ``{"_timestamp", "_runtime", <name>: number, ...}``."""
        return [sample_dict(r) for r in self.records if type(r) is SystemSample]

    @property
    def artifacts(self) -> list[ArtifactLogged]:
        """The logged artifacts (``ArtifactLogged`` records), in order."""
        return [r for r in self.records if type(r) is ArtifactLogged]

    @property
    def alerts(self) -> list[Alert]:
        """The run's alerts (``Alert`` records), in order."""
        return [r for r in self.records if type(r) is Alert]

    @property
    def run(self) -> RunStarted | None:
        """The latest ``RunStarted`` record."""
        started = [r for r in self.records if type(r) is RunStarted]
        return started[-1] if started else None

    @property
    def finished(self) -> Finished | None:
        """The ``Finished`` record, once the run has ended."""
        done = [r for r in self.records if type(r) is Finished]
        return done[-1] if done else None

    @property
    def summary(self) -> dict[str, Any]:
        """The summary (nested), live while the run goes on and final after it."""
        with self._lock:
            records = self._records[self._folded:]
            self._folded = len(self._records)
            for record in records:
                self._summary.apply(record)
            return self._summary.nested()

    @property
    def config(self) -> dict[str, Any]:
        """The run config: ``RunStarted.config`` updated by every ``ConfigChanged``."""
        config: dict[str, Any] = {}
        for record in self.records:
            if type(record) is RunStarted:
                config = dict(record.config)
            elif type(record) is ConfigChanged:
                config.update(record.values)
        return config

    def clear(self) -> None:
        """Forget every record received so far."""
        with getattr(self, "_lock", threading.Lock()):
            self._records: list[Record] = []
            self._summary = Summary()
            self._folded = 0

    # -- helpers for tests -----------------------------------------------------------------
    def keys(self) -> list[str]:
        """Every leaf logged to history, as ``/``-joined names, in first-seen order."""
        seen: dict[str, None] = {}
        for r in self.rows:
            for path in r.values:
                seen.setdefault("/".join(path), None)
        return list(seen)

    def values(self, key: str | tuple[str, ...]) -> list[tuple[int, Any]]:
        """``[(step, value), ...]`` of one leaf, named as :meth:`keys` names it
        (``"train/loss"`` finds ``{"train": {"loss": ...}}`` and ``{"train/loss": ...}``) or by
        its exact path tuple ``("train", "loss")``. A key never logged is a ``KeyError``."""
        if isinstance(key, str):
            found = [(r.step, v) for r in self.rows for p, v in r.values.items()
                     if "/".join(p) == key]
        else:
            path = tuple(key)
            found = [(r.step, r.values[path]) for r in self.rows if path in r.values]
        if not found:
            close = difflib.get_close_matches("/".join(key) if not isinstance(key, str) else key,
                                              self.keys(), n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise KeyError(f"no history key {key!r} in this run{hint} (logged keys: "
                           f"{', '.join(self.keys()) or 'none'})")
        return found

    def history_without_timing(self) -> list[dict[str, Any]]:
        """:attr:`history` without ``_timestamp`` and ``_runtime``, to compare with ``==``."""
        return [{k: v for k, v in row.items() if k not in _TIMING} for row in self.history]

    def __repr__(self) -> str:
        return f"<MemoryBackend {len(self._records)} records>"


def factory(options: dict[str, Any], run_dir: Path) -> MemoryBackend:
    """Build the memory backend (it takes no options: any option is a UsageError)."""
    return MemoryBackend(options, run_dir)
