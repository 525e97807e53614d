"""A real ``runlog serve`` in a subprocess on 127.0.0.1, for the http tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

NO_SIGNALS = {"handle_signals": False}
#: runs the CLI, first registering the plugin modules named in RUNLOG_TEST_PLUGINS (a test's
#: third-party backend) on runlog's plugin manager, as an installed plugin would be
_LAUNCH = (
    "import importlib, os, sys\n"
    "from runlog._registry import plugin_manager\n"
    "for name in filter(None, os.environ.get('RUNLOG_TEST_PLUGINS', '').split(',')):\n"
    "    plugin_manager().register(importlib.import_module(name))\n"
    "from runlog._cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args: str, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess:
    """``runlog ARGS`` in a subprocess."""
    return subprocess.run([sys.executable, "-c", _LAUNCH, *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


class Collector:
    """``runlog serve --dir root`` on 127.0.0.1; killed by its process group at the end."""

    def __init__(self, root: Path, token: str | None = None, to: tuple[str, ...] = (),
                 args: tuple[str, ...] = (), plugins: tuple[str, ...] = (),
                 pythonpath: Path | None = None, port: int | None = None) -> None:
        self.root = Path(root)
        self.port = port or free_port()
        self.token = token
        cmd = [sys.executable, "-c", _LAUNCH, "serve", "--dir", str(root), "--host",
               "127.0.0.1", "--port", str(self.port), *args]
        if token:
            cmd += ["--token", token]
        for target in to:
            cmd += ["--to", target]
        self.cmd = cmd
        self.env = {**os.environ, "RUNLOG_TEST_PLUGINS": ",".join(plugins)}
        if pythonpath is not None:
            self.env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(pythonpath), os.environ.get("PYTHONPATH")]))
        self.log = self.root.parent / f"collector-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20) -> Collector:
        """Start and wait until it answers."""
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.cmd, stdout=log, stderr=subprocess.STDOUT,
                                         env=self.env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"collector exited: {self.log.read_text()}")
            try:
                requests.get(f"{self.url}/v1/health", timeout=1).raise_for_status()
                return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"collector did not start: {self.log.read_text()}")

    def kill(self) -> None:
        """``kill -9`` the collector's process group."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM (then SIGKILL after 10 s)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()

    def get(self, path: str, **kw: Any) -> requests.Response:
        """GET with the token."""
        kw.setdefault("headers", {"Authorization": f"Bearer {self.token}"} if self.token else {})
        return requests.get(f"{self.url}{path}", timeout=10, **kw)

    def __enter__(self) -> Collector:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_for(predicate: Any, timeout: float = 30, what: str = "condition") -> None:
    """Poll ``predicate`` until true (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
