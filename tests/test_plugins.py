"""The plugin registry: hooks documented, plugins registered in-process and via entry points."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import runlog
from runlog import hookspecs
from runlog.typespec import Row

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_hook_is_documented_with_its_signature():
    text = (DOCS / "plugins.md").read_text()
    hooks = [n for n in dir(hookspecs) if n.startswith("runlog_")]
    assert hooks, "no hooks found"
    for name in hooks:
        fn = getattr(hookspecs, name)
        sig = str(inspect.signature(fn)).replace("'", "")
        assert f"### `{name}{sig}`" in text, f"{name}{sig} is not documented in docs/plugins.md"
        assert fn.__doc__ and fn.__doc__.strip()


class ListBackend:
    """A backend that records rows into a list given by its options."""

    name = "listing"

    def __init__(self, options, run_dir):
        self.sink = options["sink"]
        self.run_dir = run_dir

    def start(self, run):
        self.sink.append(("start", run.id))

    def write(self, records):
        for r in records:
            if isinstance(r, Row):
                self.sink.append(("row", r.step, dict(r.values)))

    def flush(self, timeout):
        return True

    def close(self, finished):
        self.sink.append(("close", finished.status))


class ListPlugin:
    @runlog.hookimpl
    def runlog_backends(self):
        return {"listing": ListBackend}


@pytest.fixture
def listing_plugin():
    pm = runlog.plugin_manager()
    plugin = ListPlugin()
    pm.register(plugin, name="listing-plugin")
    yield plugin
    pm.unregister(plugin)


def test_registered_plugin_is_used_by_name(listing_plugin, tmp_path):
    sink: list = []
    run = runlog.init(backends=[{"listing": {"sink": sink}}, "memory"], id="r1", dir=tmp_path)
    run.log({"a": 1})
    run.log({"b": {"c": 2}})
    run.finish()
    assert sink == [
        ("start", "r1"),
        ("row", 0, {("a",): 1}),
        ("row", 1, {("b", "c"): 2}),
        ("close", "finished"),
    ]
    assert run.backends["listing"].run_dir == tmp_path / "default" / "r1"


def test_name_claimed_twice_names_both_plugins(listing_plugin):
    class Again:
        @runlog.hookimpl
        def runlog_backends(self):
            return {"listing": ListBackend}

    pm = runlog.plugin_manager()
    again = Again()
    pm.register(again, name="second-plugin")
    try:
        with pytest.raises(runlog.UsageError, match=r"'listing-plugin' and 'second-plugin'"):
            runlog.init(backends=["memory"])
    finally:
        pm.unregister(again)


def test_unknown_backend_lists_installed():
    with pytest.raises(runlog.UsageError, match=r"unknown backend 'nope'.*memory"):
        runlog.init(backends=["nope"])


def test_convert_value_hook_converts_unknown_types():
    class Money:
        def __init__(self, cents):
            self.cents = cents

    class MoneyPlugin:
        @runlog.hookimpl
        def runlog_convert_value(self, value, path):
            if isinstance(value, Money):
                return {"cents": value.cents, "key": "/".join(path)}
            return None

    pm = runlog.plugin_manager()
    plugin = MoneyPlugin()
    pm.register(plugin, name="money")
    try:
        run = runlog.init(backends=["memory"])
        run.log({"price": Money(250)})
        with pytest.raises(runlog.DataError, match="price"):
            run.log({"price": object()})
        run.finish()
    finally:
        pm.unregister(plugin)
    assert run.backends["memory"].history[0]["price"] == {"cents": 250, "key": "price"}


def _write_dist(site: Path) -> None:
    """A real installed distribution (dist-info with an entry point) providing 'shout'."""
    (site / "shoutplug.py").write_text(textwrap.dedent("""
        import runlog
        from runlog.typespec import Row

        class Shout:
            name = "shout"
            def __init__(self, options, run_dir):
                self.n = 0
            def start(self, run): pass
            def write(self, records):
                self.n += sum(isinstance(r, Row) for r in records)
            def flush(self, timeout): return True
            def close(self, finished): print("SHOUT rows", self.n)

        @runlog.hookimpl
        def runlog_backends():
            return {"shout": Shout}
    """))
    info = site / "shoutplug-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shoutplug\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[runlog]\nshout = shoutplug\n")


def test_entry_point_plugins_load_unless_autoload_is_disabled(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    _write_dist(site)
    script = (
        "import runlog\n"
        "try:\n"
        "    run = runlog.init(backends=['shout'], dir='out')\n"
        "except runlog.UsageError as e:\n"
        "    print('ERROR', e)\n"
        "else:\n"
        "    run.log({'a': 1}); run.log({'a': 2}); run.finish()\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNLOG_")}
    env["PYTHONPATH"] = str(site)
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert "SHOUT rows 2" in out.stdout, out.stderr
    env["RUNLOG_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert "ERROR unknown backend 'shout'" in out.stdout, out.stderr
    assert "memory" in out.stdout


def test_backend_instance_entry():
    sink: list = []
    backend = ListBackend({"sink": sink}, None)
    run = runlog.init(backends=[backend])
    run.log({"x": 1.5})
    run.finish()
    assert run.backends["listing"] is backend
    assert ("row", 0, {("x",): 1.5}) in sink
