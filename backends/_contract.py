"""The backend contract: what every backend (built-in or plugin) implements."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from runlog.typespec.records import Finished, Record, RunStarted


@runtime_checkable
class Backend(Protocol):
    """A destination for IR records. runlog calls it from one worker thread at a time.

    ``start`` runs first, then ``write`` with batches of records in log order (``RunStarted``
    and ``Finished`` included), ``flush`` whenever the run needs a durability barrier, and
    ``close`` last. Any method may raise: the dispatcher isolates, reports and retries.

    Optional attributes the dispatcher reads when present (see ``docs/dispatch.md``):
    ``stores_stale = True`` to receive ``StaleRow`` records under every ``on_stale_step``
    policy (the files and memory backends keep rejected data); ``batch_size`` /
    ``batch_delay`` to override the run's settings for this backend; ``bytes_written`` (an
    int kept up to date) for ``run.stats``; ``inline = True`` (the memory backend only) to be
    written on the caller's thread.
    """

    #: the name users select it by
    name: str
    #: media kinds rendered natively; other kinds arrive already replaced by their fallback
    kinds: frozenset[str]
    #: True if it renders ``StaleRow`` records under ``on_stale_step="keep"``
    accepts_out_of_order: bool

    def start(self, run: RunStarted) -> None:
        """Prepare for a run (open files, connect); called once, before any write."""

    def write(self, records: Sequence[Record]) -> None:
        """Render a batch of records, in log order. May raise."""

    def flush(self, timeout: float | None) -> bool:
        """Make everything written so far durable; True if it is."""
        ...

    def close(self, finished: Finished) -> None:
        """Release resources at the end of the run; ``finished`` was also written."""


#: ``factory(options, run_dir) -> Backend``: how a backend is built from its user options.
BackendFactory = Callable[[dict[str, Any], Path], Backend]
