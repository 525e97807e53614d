"""The run config as MLflow params: flattened, encoded, write-once handled.

Nested dicts flatten to dotted names (``{"opt": {"lr": 0.1}}`` → ``opt.lr``); strings are kept
as they are and every other value is JSON (``true``, ``null``, ``[1, 2]``, ``0.1``). A value
longer than MLflow's 6000-character limit is stored whole as the artifact
``runlog/params/<name>.json`` and the param says so. MLflow params are write-once: a value that
changes later goes to the tag ``runlog.config/<name>`` (one warning per name) instead of
failing the batch.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from .keys import KeyRegistry

logger = logging.getLogger("runlog.backends.mlflow")

MAX_PARAM_VALUE = 6000
MAX_TAG_VALUE = 8000
CHANGED_TAG = "runlog.config/"
LONG_DIR = "runlog/params"


def flatten(config: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...],
                                                                                  Any]]:
    """``(path, value)`` for every leaf of a nested config (non-empty dicts are interior)."""
    for key, value in config.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and value:
            yield from flatten(value, path)
        else:
            yield path, value


def encode(value: Any) -> str:
    """A config value as a param value: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


class ParamTracker:
    """Turns config changes into params, tags and artifacts; remembers what MLflow holds."""

    def __init__(self) -> None:
        self.names = KeyRegistry()
        self.logged: dict[str, str] = {}  # param name -> the value MLflow holds
        self._warned: set[str] = set()

    def load(self, params: dict[str, str]) -> None:
        """The params a resumed run already has."""
        self.logged.update(params)
        self.names.load({}, params)

    def update(self, config: dict[str, Any]) -> tuple[dict[str, str], dict[str, str],
                                                       dict[str, bytes]]:
        """``(params, tags, files)`` to send for these top-level config values."""
        params: dict[str, str] = {}
        tags: dict[str, str] = {}
        files: dict[str, bytes] = {}
        for path, value in flatten(config):
            name = self.names.key((".".join(path),))
            text = encode(value)
            if len(text) > MAX_PARAM_VALUE:
                files[f"{LONG_DIR}/{name}.json"] = json.dumps(
                    value, ensure_ascii=False, default=str).encode("utf-8")
                text = f"(value of {len(text)} characters: see artifact {LONG_DIR}/{name}.json)"
            held = self.logged.get(name)
            if held is None:
                self.logged[name] = params[name] = text
            elif held != text or name in self._warned:
                tags[CHANGED_TAG + name] = text[:MAX_TAG_VALUE]
                if name not in self._warned:
                    self._warned.add(name)
                    logger.warning(
                        "runlog mlflow backend: config %r changed from %r to %r; MLflow params "
                        "cannot change, so the new value is in the tag %r",
                        name, held, text[:80], CHANGED_TAG + name)
        return params, tags, files
