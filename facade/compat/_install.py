"""Register :mod:`runlog.compat.wandb` as ``wandb`` in ``sys.modules`` (and take it back)."""

from __future__ import annotations

import importlib
import importlib.abc
import pkgutil
import sys
from types import ModuleType

_PACKAGE = "runlog.compat.wandb"
_ALIAS = "wandb"

#: the ``wandb``/``wandb.*`` modules that were in sys.modules before install_wandb()
_displaced: dict[str, ModuleType] = {}


class _UnknownSubmodule(importlib.abc.MetaPathFinder):
    """Answers ``import wandb.<x>`` for an ``x`` the stand-in lacks with one clear line."""

    def find_spec(self, fullname: str, path: object, target: object = None) -> None:
        if fullname.startswith(_ALIAS + "."):
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: runlog's wandb stand-in (runlog.compat.wandb) "
                "does not provide it",
                name=fullname,
            )
        return None


_finder = _UnknownSubmodule()


def _own_modules() -> dict[str, ModuleType]:
    """The stand-in package and every module under it, imported, by their ``wandb.*`` names."""
    root = importlib.import_module(_PACKAGE)
    for info in pkgutil.walk_packages(root.__path__, _PACKAGE + "."):
        importlib.import_module(info.name)
    return {
        _ALIAS + name[len(_PACKAGE):]: module
        for name, module in list(sys.modules.items())
        if name == _PACKAGE or name.startswith(_PACKAGE + ".")
    }


def _is_wandb_name(name: str) -> bool:
    return name == _ALIAS or name.startswith(_ALIAS + ".")


def install_wandb() -> ModuleType:
    """Make ``import wandb`` give runlog's stand-in; returns it. Calling it again is a no-op.

    Any real ``wandb`` modules already imported are set aside (``uninstall_wandb`` puts them
    back). ``import wandb.<x>`` for a module the stand-in lacks fails with a
    ``ModuleNotFoundError`` that says so.
    """
    own = _own_modules()
    if sys.modules.get(_ALIAS) is own[_ALIAS]:
        return own[_ALIAS]
    for name in [n for n in sys.modules if _is_wandb_name(n)]:
        _displaced[name] = sys.modules.pop(name)
    sys.modules.update(own)
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    return own[_ALIAS]


def uninstall_wandb() -> None:
    """Undo :func:`install_wandb`: remove the stand-in and restore what it displaced."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in [n for n in sys.modules if _is_wandb_name(n)]:
        if sys.modules[name].__name__.startswith(_PACKAGE):
            del sys.modules[name]
    sys.modules.update(_displaced)
    _displaced.clear()
