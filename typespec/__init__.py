"""runlog.typespec: value conversion, media types, IR records and their JSON form.

Knows nothing of the facade or of backends.
"""

from .audio import Audio
from .errors import (
    BackendError,
    DataError,
    Error,
    FinishedRunError,
    StaleStepError,
    StaleStepWarning,
    UsageError,
)
from .file import File
from .histogram import Histogram
from .html import Html
from .image import Image
from .media import KINDS, Media, MediaSequence
from .object3d import Object3D
from .payload import Payload
from .plot import Plot
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
from .table import Table
from .values import convert, flatten
from .video import Video

__all__ = [
    "KINDS",
    "Audio",
    "BackendError",
    "ConfigChanged",
    "DataError",
    "Error",
    "File",
    "FileSaved",
    "Finished",
    "FinishedRunError",
    "Histogram",
    "Html",
    "Image",
    "Media",
    "MediaSequence",
    "MetricDefined",
    "Object3D",
    "Payload",
    "Plot",
    "Record",
    "Row",
    "RunStarted",
    "StaleRow",
    "StaleStepError",
    "StaleStepWarning",
    "Summary",
    "SummaryChanged",
    "Table",
    "UsageError",
    "Video",
    "convert",
    "flatten",
]
