"""The plugin registry: pluggy, the ``runlog`` entry-point group, built-ins registered alike."""

from __future__ import annotations

import os
from typing import Any

import pluggy
from runlog import hookspecs
from runlog.backends import BackendFactory
from runlog.typespec.errors import UsageError

ENTRY_POINT_GROUP = "runlog"
BUILTIN_PLUGIN = "builtin"

_manager: pluggy.PluginManager | None = None


def plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, created on first use.

    Built-in backends are registered first (as the plugin ``"builtin"``); other plugins come
    from the ``runlog`` entry-point group unless ``RUNLOG_DISABLE_PLUGIN_AUTOLOAD`` is set.
    Tests and applications may ``register`` / ``unregister`` plugins on it at any time.
    """
    global _manager
    if _manager is None:
        from runlog.backends import _plugin

        pm = pluggy.PluginManager("runlog")
        pm.add_hookspecs(hookspecs)
        pm.register(_plugin, name=BUILTIN_PLUGIN)
        if not _autoload_disabled():
            pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        _manager = pm
    return _manager


def _autoload_disabled() -> bool:
    return os.environ.get("RUNLOG_DISABLE_PLUGIN_AUTOLOAD", "").strip().lower() not in (
        "", "0", "false", "no",
    )


def installed_backends() -> dict[str, tuple[BackendFactory, str]]:
    """``{name: (factory, plugin name)}`` for every backend the plugins provide.

    A name claimed by two plugins is a :class:`UsageError` naming both.
    """
    pm = plugin_manager()
    found: dict[str, tuple[BackendFactory, str]] = {}
    for impl in pm.hook.runlog_backends.get_hookimpls():
        provided = impl.function() or {}
        for name, factory in provided.items():
            if name in found:
                raise UsageError(
                    f"backend name {name!r} is claimed by two plugins: {found[name][1]!r} and "
                    f"{impl.plugin_name!r}; uninstall or block one of them"
                )
            found[name] = (factory, impl.plugin_name)
    return found


def convert_hook() -> Any:
    """``hook(value, path)`` calling ``runlog_convert_value``, or None when no plugin has it."""
    caller = plugin_manager().hook.runlog_convert_value
    if not caller.get_hookimpls():
        return None

    def hook(value: Any, path: tuple[str, ...]) -> Any:
        return caller(value=value, path=path)

    return hook
