"""The runlog exception hierarchy.

::

    Error                      base of everything runlog raises on purpose
    ├── DataError              invalid data passed to log(), a media type or the summary
    │                          (also a ValueError and a TypeError, so code written for the
    │                          reference page's ValueError or wandb's TypeError keeps working)
    ├── UsageError             bad arguments, settings or configuration; an unknown backend
    │   └── FinishedRunError   a call on a run that has finished
    ├── StaleStepError         a step lower than the current one, under on_stale_step="raise"
    │                          (also a ValueError)
    └── BackendError           a backend failed, raised only under settings.strict

    StaleStepWarning           (a UserWarning) a stale step was rejected, under "warn"
"""

from __future__ import annotations

import sys
import warnings


class Error(Exception):
    """Base class of every error runlog raises on purpose."""


class DataError(Error, ValueError, TypeError):
    """Invalid data: the message names the key path, the value's type and what is accepted."""


class UsageError(Error):
    """Bad arguments, settings or configuration, such as an unknown backend name."""


class FinishedRunError(UsageError):
    """A call that needs an active run was made on a finished run."""


class StaleStepError(Error, ValueError):
    """A log() call used a step lower than the current step (policy ``"raise"``)."""


class BackendError(Error):
    """A backend failed; raised by flush()/finish() only when ``settings.strict`` is set."""

    def __init__(self, message: str, backend: str | None = None) -> None:
        super().__init__(message)
        self.backend = backend


class StaleStepWarning(UserWarning):
    """A log() call used a step lower than the current step and its data was not committed."""


_PATH_SHOWN = 8  # segments of a key path shown in messages (first ones and the last two)


def describe_path(path: tuple[str, ...] | list[str]) -> str:
    """Render a key path for error messages: ``'a' -> 'b'``."""
    if not path:
        return "<data>"
    parts = [safe_repr(p) for p in path]
    if len(parts) > _PATH_SHOWN:
        parts[_PATH_SHOWN // 2:-2] = [f"... ({len(parts) - _PATH_SHOWN // 2 - 2} more)"]
    return " -> ".join(parts)


def safe_repr(value: object, limit: int = 80) -> str:
    """``repr(value)`` for an error message: cut to ``limit`` characters, and never raising
    (a ``__repr__`` that fails gives ``<T object>``)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - the user's __repr__ failed; the message must not
        return f"<{type(value).__qualname__} object>"
    return text if len(text) <= limit else f"{text[:limit - 5]}...{text[-2:]}"


def warn(message: str | Warning, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` pointing at the first frame outside runlog (the user's call)."""
    frame = sys._getframe(1)
    level = 2  # 1 would be this function
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("runlog"):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
