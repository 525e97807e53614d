"""``wandb.sdk.data_types``: the media types, loaded from runlog on first use."""

from __future__ import annotations

from typing import Any

import runlog

_MEDIA = ("Image", "Video", "Audio", "Histogram", "Table", "Object3D", "Html", "File")


def __getattr__(name: str) -> Any:
    if name in _MEDIA:
        return getattr(runlog, name)
    raise AttributeError(f"module 'wandb.sdk.data_types' has no attribute {name!r}")
