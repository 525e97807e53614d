"""The runlog hook specifications (pluggy project ``"runlog"``).

Plugins implement these with ``@runlog.hookimpl`` and are found through the entry-point group
``runlog``. Every hook is documented in ``docs/plugins.md``.
"""

from __future__ import annotations

from typing import Any

import pluggy
from runlog.backends import BackendFactory

hookspec = pluggy.HookspecMarker("runlog")
hookimpl = pluggy.HookimplMarker("runlog")


@hookspec
def runlog_backends() -> dict[str, BackendFactory]:
    """Return the backends this plugin provides, by the name users select them with.

    :return: ``{name: factory}``, where ``factory(options: dict, run_dir: pathlib.Path)``
        builds a :class:`runlog.backends.Backend`. A name claimed by two plugins is a
        :class:`runlog.UsageError` naming both.
    """


@hookspec(firstresult=True)
def runlog_convert_value(value: Any, path: tuple[str, ...]) -> Any | None:
    """Convert a value of a type runlog does not know into something it does.

    Called only for values none of runlog's own rules accept. The first non-``None`` result
    wins and is converted again by runlog's rules (so returning a numpy array, a dict or a
    ``runlog.Image`` is fine).

    :param value: the user's value.
    :param path: the key path it was logged under, e.g. ``("train", "loss")``.
    :return: a value runlog can log, or ``None`` for "not mine".
    """
