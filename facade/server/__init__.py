"""``runlog.server``: the collector behind ``runlog serve`` (needs the ``server`` extra).

It stores every run it receives in the files layout under one directory and forwards each run
to any number of other backends. :func:`serve` runs it; :func:`create_app` gives the ASGI app.
"""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path
from typing import Any

from runlog.typespec.errors import UsageError

from .._registry import installed_backends
from .._selection import select_backends
from .app import create_app
from .forward import Forwarder
from .store import Store

logger = logging.getLogger("runlog.server")

__all__ = ["create_app", "serve"]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def forwarders(root: Path, targets: list[str]) -> list[Forwarder]:
    """One :class:`Forwarder` per ``--to`` entry (``name`` or ``name:opt=v,...``)."""
    out = []
    installed = installed_backends() if targets else {}
    for entry, spec in zip(targets, select_backends(list(targets)) if targets else []):
        if spec.name not in installed:
            raise UsageError(f"--to {entry}: unknown backend {spec.name!r}; installed backends: "
                             f"{', '.join(sorted(installed))}")
        out.append(Forwarder(root, entry, installed[spec.name][0], spec.options))
    return out


def serve(root: str | Path, host: str = "127.0.0.1", port: int = 8080,
          token: str | None = None, to: tuple[str, ...] | list[str] = (),
          **limits: Any) -> None:
    """Run the collector until interrupted (``limits``: ``max_body``, ``max_media``)."""
    import uvicorn

    if not token and not is_loopback(host):
        raise UsageError(f"refusing to listen on {host} without a token: anyone who can reach "
                         "it could write runs; pass --token (or bind 127.0.0.1)")
    root = Path(root)
    targets = forwarders(root, list(to))
    wake = [f.wake for f in targets]
    store = Store(root, on_ingest=lambda: [w.set() for w in wake])
    app = create_app(store, token, **limits)
    for target in targets:
        target.start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        for target in targets:
            target.stop()
        store.close()
