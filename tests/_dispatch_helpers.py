"""Real backends for dispatcher tests, registered as plugins the way third parties do it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import runlog
from runlog.backends import Capabilities
from runlog.typespec.media import KINDS
from runlog.typespec.records import Row


class Collector:
    """Keeps every batch it is given; can be slow, gated, or broken on purpose."""

    def __init__(
        self,
        name: str,
        *,
        kinds: frozenset[str] = KINDS,
        stale_rows: bool = False,
        delay: float = 0.0,
        gate: threading.Event | None = None,
        fail_start: bool = False,
        fail_write: int = 0,
        batch_size: int | None = None,
    ) -> None:
        self.name = name
        self.capabilities = Capabilities(kinds=kinds, stale_rows=stale_rows,
                                         batch_size=batch_size)
        self.delay = delay
        self.gate = gate
        self.fail_start = fail_start
        self.fail_write = fail_write  # how many write calls raise (-1: every one)
        self.batches: list[list[Any]] = []
        self.threads: set[str] = set()
        self.started = None
        self.finished = None
        self.flushes = 0

    def start(self, run: Any) -> None:
        self.threads.add(threading.current_thread().name)
        if self.fail_start:
            raise ConnectionError(f"{self.name}: cannot reach the tracking server")
        self.started = run

    def write(self, records: Sequence[Any]) -> None:
        self.threads.add(threading.current_thread().name)
        if self.fail_write:
            self.fail_write -= 1 if self.fail_write > 0 else 0
            raise OSError(f"{self.name}: disk quota exceeded")
        if self.gate is not None:
            self.gate.wait(60)
        if self.delay:
            time.sleep(self.delay)
        self.batches.append(list(records))

    def flush(self, timeout: float | None) -> bool:
        self.flushes += 1
        return True

    def close(self, finished: Any) -> None:
        self.finished = finished

    @property
    def records(self) -> list[Any]:
        return [r for batch in self.batches for r in batch]

    @property
    def rows(self) -> list[Row]:
        return [r for r in self.records if type(r) is Row]


class _Plugin:
    def __init__(self, factories: dict[str, Callable[[dict, Any], Any]]) -> None:
        self.factories = factories

    @runlog.hookimpl
    def runlog_backends(self) -> dict[str, Callable[[dict, Any], Any]]:
        return self.factories


@contextmanager
def plugin(name: str, **backends: Callable[[], Any]) -> Iterator[None]:
    """Register a plugin providing ``backends`` (name -> zero-argument constructor)."""
    factories = {n: (lambda options, run_dir, make=make: make()) for n, make in backends.items()}
    pm = runlog.plugin_manager()
    pm.register(_Plugin(factories), name=name)
    try:
        yield
    finally:
        pm.unregister(name=name)


def steps(rows: Sequence[Row]) -> list[int]:
    return [r.step for r in rows]
