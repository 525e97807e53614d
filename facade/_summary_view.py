"""``run.summary``: a mapping over the run's summary that emits SummaryChanged records."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from runlog.typespec.errors import DataError
from runlog.typespec.records import SummaryChanged
from runlog.typespec.values import convert

if TYPE_CHECKING:
    from ._run import Run


class SummaryView(MutableMapping):
    """The run summary: ``get``, ``[k] = v``, ``update``, ``del``, iteration.

    Reading returns nested dicts; it stays readable after ``finish()``. Setting a key stores
    the value whole (a dict replaces the subtree) until the key is next committed from history.
    """

    def __init__(self, run: Run) -> None:
        self._run = run

    def _nested(self) -> dict[str, Any]:
        return self._run._summary.nested()

    def __getitem__(self, key: str) -> Any:
        return self._nested()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._nested())

    def __len__(self) -> int:
        return len(self._nested())

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __delitem__(self, key: str) -> None:
        run = self._run
        with run._changing("del run.summary[...]"):
            if key not in self._nested():
                raise KeyError(key)
            run._record(SummaryChanged(removed=((key,),)))

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        items = dict(other.items() if isinstance(other, Mapping) else other, **kwargs)
        run = self._run
        leaves: dict[tuple[str, ...], Any] = {}
        for key, value in items.items():
            if not isinstance(key, str):
                raise DataError(
                    f"summary keys must be str, got {type(key).__name__} {key!r}; "
                    "accepted: str keys"
                )
            leaves[(key,)] = _summary_value(value, (key,), run)
        with run._changing("run.summary update"):
            run._record(SummaryChanged(set=leaves))

    def __repr__(self) -> str:
        return f"Summary({self._nested()!r})"

    def __eq__(self, other: object) -> bool:
        return self._nested() == other if isinstance(other, Mapping) else NotImplemented

    __hash__ = None  # type: ignore[assignment]


def _summary_value(value: Any, path: tuple[str, ...], run: Run) -> Any:
    """Convert a summary value; a dict stays one (nested) value."""
    if isinstance(value, Mapping):
        return {str(k): _summary_value(v, (*path, str(k)), run) for k, v in value.items()}
    return convert(value, path, run._hook)
