"""Runlog HTTP protocol v1: the names and limits client and collector share.

The protocol itself is specified in ``docs/http-protocol.md``; the collector serves its
OpenAPI document at ``/v1/openapi.json``.
"""

from __future__ import annotations

import re

VERSION = 1
#: request and response header carrying the protocol version
VERSION_HEADER = "Runlog-Protocol"
PREFIX = f"/v{VERSION}"

#: project names and run ids: a safe single directory name (never ``.``/``..``)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
#: media names: content-addressed ``<sha256>.<ext>``
MEDIA_NAME = re.compile(r"^([0-9a-f]{64})\.([A-Za-z0-9][A-Za-z0-9._+-]{0,31})$")
#: client session ids (the scope of batch sequence numbers)
SESSION = re.compile(r"^[0-9a-f]{32}$")

#: default limits of the collector (``runlog serve --max-body / --max-media``)
MAX_BODY = 32 * 1024 * 1024
MAX_MEDIA = 64 * 1024 * 1024


def run_path(project: str, run_id: str) -> str:
    """The URL path of one run."""
    return f"{PREFIX}/runs/{project}/{run_id}"


def media_ref(name: str) -> str:
    """The reference a record's media payload carries: ``media/<sha256>.<ext>``."""
    return f"media/{name}"
