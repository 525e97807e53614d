"""runlog backends: the contract (:class:`Backend`, :class:`Capabilities`) and the built-ins.

A backend never imports the facade (``runlog``); it sees only IR records from
``runlog.typespec``. Built-in backends are registered through the same pluggy hook as
third-party ones (see ``runlog.backends._plugin`` and ``docs/plugins.md``).
"""

from ._contract import (
    Backend,
    BackendFactory,
    Capabilities,
    ExistingRun,
    ResumableBackend,
    bytes_written_of,
    capabilities_of,
)
from .memory import MemoryBackend

__all__ = [
    "Backend",
    "BackendFactory",
    "Capabilities",
    "ExistingRun",
    "MemoryBackend",
    "ResumableBackend",
    "bytes_written_of",
    "capabilities_of",
]
