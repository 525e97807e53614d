"""runlog.typespec: value conversion, media types, IR records and their JSON form.

Knows nothing of the facade or of backends. The media classes load on first access.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import (
    BackendError,
    DataError,
    Error,
    FinishedRunError,
    StaleStepError,
    StaleStepWarning,
    UsageError,
)
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

#: media classes, loaded on first access: name -> module
_LAZY = {
    "Audio": "audio", "File": "file", "Histogram": "histogram", "Html": "html",
    "Image": "image", "Object3D": "object3d", "Plot": "plot", "Table": "table", "Video": "video",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.media.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
