"""``run.config``: the run's configuration; changes reach the backends as ConfigChanged."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from runlog.typespec.errors import DataError, UsageError, describe_path
from runlog.typespec.media import Media, MediaSequence
from runlog.typespec.records import ConfigChanged
from runlog.typespec.text import check_text
from runlog.typespec.values import MAX_DEPTH, convert

if TYPE_CHECKING:
    from ._run import Run


def config_items(config: Any) -> dict[str, Any]:
    """A config from a dict, an ``argparse.Namespace`` or an object with ``__dict__``."""
    if config is None:
        return {}
    if isinstance(config, Mapping):
        items = dict(config)
    elif hasattr(config, "__dict__"):  # an argparse.Namespace, say
        items = {k: v for k, v in vars(config).items() if not k.startswith("_")}
    else:
        raise UsageError(
            f"config must be a dict, an argparse.Namespace or an object with __dict__, got "
            f"{type(config).__name__}"
        )
    return {_key(k): config_value(v, (_key(k),)) for k, v in items.items()}


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise DataError(f"config keys must be str, got {type(key).__name__} {key!r}")
    return check_text(key, "config key")


def config_value(value: Any, path: tuple[str, ...]) -> Any:
    """A JSON-safe config value (nested dicts kept, numpy and the like converted)."""
    if isinstance(value, Mapping):
        if len(path) >= MAX_DEPTH:
            raise DataError(f"config value at {describe_path(path)} nests more than {MAX_DEPTH} "
                            "dicts deep (or contains itself); accepted: up to that depth")
        return {check_text(str(k), f"config key under {describe_path(path)}"):
                config_value(v, (*path, str(k))) for k, v in value.items()}
    out = convert(value, path)
    if isinstance(out, (Media, MediaSequence)):
        raise DataError(
            f"config value at {path!r} is a {out.kind}; config accepts plain values "
            "(numbers, str, bool, None, lists, dicts)"
        )
    return out


class ConfigView(MutableMapping):
    """The run config: ``[k] = v``, ``update(d, allow_val_change=False)``, attribute access.

    Setting a new key is fine; changing an existing key's value raises
    :class:`runlog.UsageError` unless ``update(..., allow_val_change=True)`` is used or the run
    was started with ``init(allow_val_change=True)``.
    """

    def __init__(self, run: Run, initial: dict[str, Any], allow_val_change: bool = False) -> None:
        object.__setattr__(self, "_run", run)
        object.__setattr__(self, "_data", dict(initial))
        object.__setattr__(self, "_allow_val_change", allow_val_change)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __delitem__(self, key: str) -> None:
        raise UsageError("config keys cannot be deleted (backends such as MLflow keep them)")

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self.update({name: value})

    def update(self, other: Any = (), /, allow_val_change: bool | None = None,
               **kwargs: Any) -> None:
        """Set several keys at once; ``allow_val_change=True`` allows changing values
        (default: what ``init(allow_val_change=…)`` said)."""
        if allow_val_change is None:
            allow_val_change = self._allow_val_change
        run = self._run
        items = config_items(other) if other != () else {}
        items.update(config_items(kwargs))
        with run._changing("config change"):
            changed = {}
            for key, value in items.items():
                if key in self._data and self._data[key] != value and not allow_val_change:
                    raise UsageError(
                        f"config key {key!r} is already {self._data[key]!r}; refusing to change "
                        f"it to {value!r}. Use run.config.update({{{key!r}: ...}}, "
                        "allow_val_change=True) to change it"
                    )
                if key not in self._data or self._data[key] != value:
                    changed[key] = value
            if changed:
                self._data.update(changed)
                run._record(ConfigChanged(changed))

    def setdefaults(self, defaults: Any) -> None:
        """Set the keys of ``defaults`` that the config does not have yet; the others keep
        their values."""
        items = config_items(defaults)
        self.update({k: v for k, v in items.items() if k not in self._data})

    def as_dict(self) -> dict[str, Any]:
        """A plain copy."""
        return dict(self._data)

    def __repr__(self) -> str:
        return f"Config({self._data!r})"
