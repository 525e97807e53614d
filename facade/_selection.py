"""Which backends a run uses, and with which options.

First match wins: the ``backends=`` argument; ``RUNLOG_BACKENDS``; ``backends`` in the
``[tool.runlog]`` table of the nearest ``pyproject.toml`` or in the nearest ``runlog.toml``; the
default ``["files"]``. Options per backend come from the entry itself (``"name:opt=v,opt2=w"``
or ``{"name": {"opt": v}}``), then ``RUNLOG_<NAME>__<OPTION>`` variables (two underscores), then
the config file's ``[tool.runlog.<name>]`` table, in that order of precedence.

A backend selected a second time needs a label: ``"files@archive:dir=/mnt/archive"`` is the
files backend under the key ``files@archive`` (in ``run.backends``); its variables are
``RUNLOG_FILES_ARCHIVE__<OPTION>`` (every character other than a letter or digit of the key
becomes ``_``) and its table ``[tool.runlog."files@archive"]``. A labelled instance takes only
its own options, never those of the unlabelled name.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from runlog.typespec.errors import UsageError

DEFAULT_BACKENDS = ("files",)
_KEY = re.compile(r"^([A-Za-z0-9_.-]+)(?:@([A-Za-z0-9_-]+))?$")


@attrs.frozen
class BackendSpec:
    """One selected backend: its name, its options or a ready instance, and its key.

    ``key`` is the name, or ``name@label`` for a labelled instance: the key of
    ``run.backends`` and of the backend's options.
    """

    name: str
    options: dict[str, Any] = attrs.field(factory=dict)
    instance: Any = None
    key: str = attrs.field()

    @key.default
    def _key_is_name(self) -> str:
        return self.name


def parse_key(text: str, where: str) -> BackendSpec:
    """``"files"`` or ``"files@archive"`` as a spec without options."""
    match = _KEY.match(text.strip())
    if match is None:
        raise UsageError(
            f"backend {text!r} in {where} is not a backend name or name@label (letters, digits, "
            "'_', '-', '.'; a label: letters, digits, '_', '-')"
        )
    return BackendSpec(match.group(1), key=match.group(0))


def env_prefix(key: str) -> str:
    """``RUNLOG_<KEY>__``: the prefix of a backend's option variables (``files@archive`` ->
    ``RUNLOG_FILES_ARCHIVE__``)."""
    return "RUNLOG_" + re.sub(r"[^A-Za-z0-9]", "_", key).upper() + "__"


def find_config_file(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest ``runlog.toml`` or ``pyproject.toml`` with a ``[tool.runlog]`` table."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    for folder in (start, *start.parents):
        for name in ("runlog.toml", "pyproject.toml"):
            path = folder / name
            if not path.is_file():
                continue
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise UsageError(f"cannot read {path}: {exc}") from None
            table = data.get("tool", {}).get("runlog")
            if table is None and name == "runlog.toml":
                table = data
            if table is not None:
                return path, table
    return None


def parse_option_value(raw: str) -> Any:
    """``"3"`` -> 3, ``"true"`` -> True, ``"0.5"`` -> 0.5, anything else stays a string."""
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value if isinstance(value, (int, float, bool)) or value is None else raw


def _parse_entry(text: str, where: str) -> BackendSpec:
    name, _, rest = text.strip().partition(":")
    options: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = part.partition("=")
        if not eq or not key.strip():
            raise UsageError(f"backend option {part!r} in {text!r}: expected option=value")
        options[key.strip()] = parse_option_value(value.strip())
    if not name:
        raise UsageError(f"empty backend name in {text!r}")
    return attrs.evolve(parse_key(name, where), options=options)


def _split_env(raw: str) -> list[str]:
    """Split ``"tb,files:flush_rows=5,flush_interval=1"`` into entries."""
    entries: list[str] = []
    for token in raw.split(","):
        token = token.strip()
        if not token:
            continue
        is_option = "=" in token and ":" not in token.split("=", 1)[0]
        if is_option and entries:
            entries[-1] += "," + token
        else:
            entries.append(token)
    return entries


def _entries(value: Any, where: str) -> list[BackendSpec]:
    if isinstance(value, str):
        value = _split_env(value)
    if isinstance(value, Mapping):
        value = [value]
    specs: list[BackendSpec] = []
    for entry in value:
        if isinstance(entry, str):
            specs.append(_parse_entry(entry, where))
        elif isinstance(entry, Mapping):
            for name, options in entry.items():
                if options is not None and not isinstance(options, Mapping):
                    raise UsageError(
                        f"options of backend {name!r} in {where} must be a dict, got "
                        f"{type(options).__name__}"
                    )
                specs.append(attrs.evolve(parse_key(str(name), where),
                                          options=dict(options or {})))
        elif hasattr(entry, "write") and hasattr(entry, "name"):
            specs.append(BackendSpec(str(entry.name), {}, entry))
        else:
            raise UsageError(
                f"backend entry {entry!r} ({type(entry).__name__}) in {where} is not accepted; "
                "use a name, 'name:option=value', a dict {name: {options}} or a Backend instance"
            )
    return specs


def select_backends(
    argument: Any, environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> list[BackendSpec]:
    """Resolve the backends of a run (see the module docstring)."""
    environ = os.environ if environ is None else environ
    found = find_config_file(cwd or Path.cwd())
    file_table = found[1] if found else {}
    if argument is not None:
        specs = _entries(argument, "backends=")
    elif environ.get("RUNLOG_BACKENDS", "").strip():
        specs = _entries(environ["RUNLOG_BACKENDS"], "RUNLOG_BACKENDS")
    elif "backends" in file_table:
        specs = _entries(file_table["backends"], str(found[0]) if found else "config")
    else:
        specs = [BackendSpec(name) for name in DEFAULT_BACKENDS]
    return [_with_defaults(spec, environ, file_table) for spec in specs]


def _with_defaults(
    spec: BackendSpec, environ: Mapping[str, str], file_table: Mapping[str, Any]
) -> BackendSpec:
    if spec.instance is not None:
        return spec
    options: dict[str, Any] = {}
    from_file = file_table.get(spec.key)
    if isinstance(from_file, Mapping):
        options.update(from_file)
    prefix = env_prefix(spec.key)
    for key, raw in environ.items():
        if key.startswith(prefix) and len(key) > len(prefix):
            options[key[len(prefix):].lower()] = parse_option_value(raw)
    options.update(spec.options)
    return attrs.evolve(spec, options=options)
