"""``wandb.errors``: the names map onto runlog's own errors, so ``except`` clauses still work.

``Error`` is :class:`runlog.Error` and ``UsageError`` :class:`runlog.UsageError`;
``CommError`` is :class:`runlog.BackendError` (a backend, not a network, failed).
"""

from __future__ import annotations

from runlog.typespec.errors import BackendError as CommError
from runlog.typespec.errors import Error, UsageError


class UnsupportedError(UsageError):
    """A wandb feature that runlog leaves out on purpose; the message says why."""


class AuthenticationError(CommError):
    """wandb's login failure; runlog never logs in, so it never raises this."""


__all__ = ["AuthenticationError", "CommError", "Error", "UnsupportedError", "UsageError"]
