"""runlog.typespec: value conversion, media types, IR records and their JSON form.

Knows nothing of the facade or of backends.
"""

from .errors import (
    BackendError,
    DataError,
    Error,
    FinishedRunError,
    StaleStepError,
    StaleStepWarning,
    UsageError,
)
from .histogram import Histogram
from .media import KINDS, Media, MediaSequence
from .payload import Payload
from .records import (
    ConfigChanged,
    FileSaved,
    Finished,
    MetricDefined,
    Record,
    Row,
    RunStarted,
    StaleRow,
    SummaryChanged,
)
from .summary import Summary
from .values import convert, flatten

__all__ = [
    "KINDS",
    "BackendError",
    "ConfigChanged",
    "DataError",
    "Error",
    "FileSaved",
    "Finished",
    "FinishedRunError",
    "Histogram",
    "Media",
    "MediaSequence",
    "MetricDefined",
    "Payload",
    "Record",
    "Row",
    "RunStarted",
    "StaleRow",
    "StaleStepError",
    "StaleStepWarning",
    "Summary",
    "SummaryChanged",
    "UsageError",
    "convert",
    "flatten",
]
