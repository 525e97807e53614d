"""The step/commit engine: wandb.log's step and commit rules as a pure state machine (no I/O).

State: ``cur`` (the step the next implicit commit uses) and ``pending`` (the open row, a dict of
leaf path -> value, with ``("_timestamp",)`` stamped by every accepted call). ``log`` returns
what happened; the caller turns it into IR records.
"""

from __future__ import annotations

from typing import Any

from runlog.typespec.pathtree import index, set_leaf

Path = tuple[str, ...]
TIMESTAMP: Path = ("_timestamp",)
#: One committed row: (step, leaves) where leaves include ("_timestamp",).
Commit = tuple[int, dict[Path, Any]]


class StepEngine:
    """Applies wandb's step/commit rules to leaf dicts, and decides which calls are stale.

    Not thread-safe on its own: the run serializes calls.
    """

    __slots__ = ("_interior", "cur", "pending")

    def __init__(self, start_step: int = 0) -> None:
        self.cur: int = start_step
        self.pending: dict[Path, Any] = {}
        self._interior: set[Path] | None = None  # prefixes of pending paths, built on demand

    def log(
        self, leaves: dict[Path, Any], step: int | None, commit: bool | None
    ) -> list[Commit] | None:
        """Apply one ``log`` call; returns the rows it commits, in order.

        A ``step`` below the current step makes the call stale: it changes nothing and returns
        None (the caller applies the ``on_stale_step`` policy).
        """
        commits: list[Commit] = []
        if step is not None and step != self.cur:
            if step < self.cur:
                return None
            if self.pending:
                commits.append(self._take())
            self.cur = step
        if self.pending:
            self.merge(leaves)
        else:
            self.pending = leaves
        if commit or (commit is None and step is None):
            commits.append(self._take())
        return commits

    def advance(self) -> int:
        """The step of a row committed at once with no row open (``log(leaves)`` when
        ``pending`` is empty, without building the list): the current step, then the next."""
        step = self.cur
        self.cur = step + 1
        return step

    def finish(self) -> list[Commit]:
        """Commit the open row, if any (pending data is never lost)."""
        return [self._take()] if self.pending else []

    def merge(self, leaves: dict[Path, Any]) -> None:
        """Merge leaves into the open row (later values win; see ``typespec.pathtree``)."""
        pending, interior = self.pending, self._interior
        if interior is None:
            interior = self._interior = index(pending)
        for path, value in leaves.items():
            set_leaf(pending, interior, path, value)

    def _take(self) -> Commit:
        row = (self.cur, self.pending)
        self.pending = {}
        self._interior = None
        self.cur += 1
        return row
