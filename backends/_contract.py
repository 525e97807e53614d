"""The backend contract: what every backend (built-in or plugin) implements and may declare.

Everything optional lives in one place: a backend declares a :class:`Capabilities` record as
its ``capabilities`` attribute (a backend without one gets ``Capabilities()``); one declaring
``resume`` implements :class:`ResumableBackend` (``existing_run``, ``release``) to let runs
resume through it. ``docs/plugins.md`` documents every field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs
from runlog.typespec.records import Finished, Record, RunStarted
from runlog.typespec.summary import Summary


@attrs.frozen
class Capabilities:
    """What a backend can do; every field has the default a plain backend gets.

    - ``kinds``: media kinds rendered natively; others arrive already replaced by their
      fallback (``plot`` → ``table``, ``video`` → ``image``, the rest → ``file``).
    - ``stale_rows``: receive every ``StaleRow`` record; each carries the ``on_stale_step``
      policy it was produced under, so a backend that renders out-of-order rows checks
      ``policy == "keep"`` and one that archives rejected data keeps them all.
    - ``inline``: written on the caller's thread, never queued (the memory backend).
    - ``batch_size`` / ``batch_delay``: override the run's settings for this backend's worker.
    - ``resume``: the backend implements :class:`ResumableBackend` (``existing_run`` and
      ``release``).
    """

    kinds: frozenset[str] = frozenset()
    stale_rows: bool = False
    inline: bool = False
    batch_size: int | None = None
    batch_delay: float | None = None
    resume: bool = False


@attrs.frozen
class ExistingRun:
    """The state of a recorded run, as a backend that keeps it reports it for resuming.

    ``next_step`` is the last committed step + 1 (0 for a run with no rows); ``summary`` is a
    :class:`~runlog.typespec.Summary` holding every leaf so far; ``config`` the latest config.
    """

    next_step: int
    summary: Summary = attrs.field(factory=Summary)
    config: dict[str, Any] = attrs.field(factory=dict)


@runtime_checkable
class Backend(Protocol):
    """A destination for IR records. runlog calls it from one worker thread at a time.

    ``start`` runs first, then ``write`` with batches of records in log order (``RunStarted``
    and ``Finished`` included), ``flush`` whenever the run needs a durability barrier, and
    ``close`` last. Any method may raise: the dispatcher isolates, reports and retries.
    """

    #: the name users select it by
    name: str

    def start(self, run: RunStarted) -> None:
        """Prepare for a run (open files, connect); called once, before any write."""

    def write(self, records: Sequence[Record]) -> None:
        """Render a batch of records, in log order. May raise."""

    def flush(self, timeout: float | None) -> bool:
        """Make everything written so far durable; True if it is."""
        ...

    def close(self, finished: Finished) -> None:
        """Release resources at the end of the run; ``finished`` was also written."""


class ResumableBackend(Backend, Protocol):
    """A backend declaring ``Capabilities(resume=True)`` also implements this."""

    def existing_run(self) -> ExistingRun | None:
        """The recorded state of the run this backend was built for, or None if it has none.

        Called once, on the caller's thread, after every selected backend was built and before
        ``start``. It may take what keeps the state true until the run ends (the files backend
        takes its run lock here, then reads), so that two processes never resume from the same
        state.
        """
        ...

    def release(self) -> None:
        """The run will not start after all (``init`` refused it): let go of what
        ``existing_run`` took. ``start`` is never called afterwards."""


#: ``factory(options, run_dir) -> Backend``: how a backend is built from its user options.
#: ``run_dir`` is ``<root>/<project>/<run id>``, so ``run_dir.parents[1]`` is the run root.
BackendFactory = Callable[[dict[str, Any], Path], Backend]

_DEFAULT = Capabilities()


def capabilities_of(backend: Any) -> Capabilities:
    """The backend's declared :class:`Capabilities`, or the defaults."""
    caps = getattr(backend, "capabilities", None)
    return caps if isinstance(caps, Capabilities) else _DEFAULT


def bytes_written_of(backend: Any) -> int | None:
    """The backend's optional ``bytes_written`` counter (for ``run.stats``), or None."""
    value = getattr(backend, "bytes_written", None)
    return value if isinstance(value, int) else None
