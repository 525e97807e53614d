"""runlog standing in for the ``wandb`` package (``runlog.compat.install_wandb()`` registers it).

Every public name of :mod:`runlog` is here under the same name (``init``, ``log``, ``run``,
``config``, ``summary``, the media types, ``plot``, ...). The wandb-only pieces integrations
reach for are here too: ``errors``, ``util``, ``wandb_run.Run``, ``sdk.lib.RunDisabled``,
``sdk.lib.config_util.ConfigError``, ``sdk.data_types``, ``require``, and ``sklearn`` /
``integration.sklearn`` (:mod:`runlog.sklearn`'s charts). What runlog leaves out
on purpose fails with one line that says so.
"""

from __future__ import annotations

from typing import Any

import runlog

from . import errors, sdk, util, wandb_run
from ._refused import REFUSED, refuse

#: the wandb release whose behaviour runlog follows (see docs/compatibility.md)
__version__ = "0.31.0"

__all__ = ["__version__", "errors", "require", "sdk", "util", "wandb_run"]


def require(requirement: Any = None, experiment: Any = None) -> None:
    """Accept wandb's ``require("service")`` / ``require("core")``: both are runlog's default."""
    wanted = requirement if requirement is not None else experiment
    features = [wanted] if isinstance(wanted, str) else list(wanted or ())
    for feature in features:
        name = str(feature).split("@", 1)[0].split(":", 1)[0]
        if name not in ("service", "core", "require"):
            raise errors.UnsupportedError(
                f"wandb.require({name!r}) is not supported by runlog "
                "(only 'service' and 'core', which are how runlog always works)"
            )


def __getattr__(name: str) -> Any:
    if name in REFUSED:
        return refuse(name)
    try:
        return getattr(runlog, name)
    except AttributeError:
        raise AttributeError(
            f"module 'wandb' has no attribute {name!r}: runlog's wandb stand-in "
            f"(runlog.compat.wandb) has no {name!r} because runlog has none"
        ) from None


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(dir(runlog)) | set(REFUSED))
