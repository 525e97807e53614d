"""The ``runlog`` command line: ``ls``, ``show``, ``export``, ``backends``.

Errors print one line (``runlog: error: ...``) and exit non-zero: 1 for a runlog or OS error
or a damaged run, 2 for a usage mistake. Text taken from runs (names, notes, keys, values) is
printed literally, never as rich markup, with control characters removed. click and rich are
imported here only, never by ``import runlog``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import json
import math
import os
import re
import shlex
import sys
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table
from rich.text import Text
from runlog.backends.files import FilesRun, flatten_row, is_run_dir
from runlog.backends.files.media import is_media_ref
from runlog.typespec.errors import DataError, Error

from . import _cli_migrate
from ._cli_server import serve_command
from ._read import default_root, read

_BLOCKS = "▁▂▃▄▅▆▇█"
_LS_VALUES = 3  # summary values shown per run by ``ls``
_KEY_WIDTH = 28  # widest metric-name column of ``show`` before names wrap
_MIN_SPARK = 8  # narrowest sparkline ``show`` draws to fit the terminal
_PROGRESS_EVERY = 1000  # rows between progress-bar updates (each costs a lock and a refresh)
_UNSEEN: Any = object()
_warned: set[str] = set()  # warning lines printed by this process
# C0/C1 controls and the bidi overrides that could reorder what a terminal shows
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

out = Console(highlight=False, soft_wrap=False, markup=False, emoji=False)
err = Console(stderr=True, highlight=False, markup=False, emoji=False)

dir_option = click.option(
    "--dir", "root", type=click.Path(path_type=Path), default=None,
    help="Run root (default: $RUNLOG_DIR, else the directory runlog.init writes to).")
progress_option = click.option(
    "--progress/--no-progress", default=None,
    help="Progress bar on stderr (default: when stderr is a terminal).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="runlog", prog_name="runlog")
def cli() -> None:
    """runlog: inspect runs recorded by the files backend."""


cli.add_command(serve_command)


@cli.command("ls")
@dir_option
def ls_command(root: Path | None) -> None:
    """List the runs under --dir (a run root, a project directory or one run directory)."""
    base = _run_root(root)
    runs = _find_runs(base)
    if not runs:
        out.print(Text(f"no runs under {plain(base)}"))
        return
    listed = [_ls_row(run_dir) for run_dir in runs]
    shared = Counter((row[0], row[1]) for row in listed)
    table = Table("project", "id", "name", "status", "steps", Column("started", no_wrap=True),
                  "last values")
    with_path = any(count > 1 for count in shared.values())
    if with_path:  # two runs share project/id (a copy, a moved run): tell them apart
        table.add_column("path", overflow="fold")
    for run_dir, row in zip(runs, listed):
        cells = [*row, _relative(run_dir, base)] if with_path else row
        table.add_row(*(Text(plain(cell)) for cell in cells))
    out.print(table)


@cli.command("show")
@click.argument("run")
@dir_option
@click.option("-m", "--metric", "metrics", multiple=True, help="Metric to chart (repeatable).")
@click.option("--width", default=40, show_default=True, type=click.IntRange(1, 1000),
              help="Largest sparkline width; narrower when the terminal is.")
@progress_option
def show_command(run: str, root: Path | None, metrics: tuple[str, ...], width: int,
                 progress: bool | None) -> None:
    """Show a run: metadata, config, summary, alerts, artifacts and a sparkline of its metrics.

    RUN is a run directory, or project/id or id under --dir.
    """
    view = _open(run, root)
    with _reading(view):
        with _progress(progress, "read", view.rows) as advance:
            series = _series(advance(view.iter_history_json()), metrics)
        missing = [m for m in metrics if m not in series]
        if missing:
            known = ", ".join(k for k in series if not k.startswith("_")) or "none"
            raise Error(f"no numeric history for {', '.join(map(repr, missing))} in run "
                        f"{view.dir}; metrics with numeric history: {known}")
        if metrics:
            series = {key: series[key] for key in metrics}
        out.print(_info_table(view))
        for title, tree in (("config", view.config), ("summary", view.summary)):
            flat = flatten_row(tree)
            if flat:
                table = Table(Column("key", overflow="fold"), Column("value", overflow="fold"),
                              title=title)
                for key, value in flat.items():
                    table.add_row(Text(plain(key)), Text(plain(_summary_cell(key, value))))
                out.print(table)
        _events(view)
        if series:
            out.print(_chart(series, width))


def _events(view: FilesRun) -> None:
    """Print the run's alerts and the artifacts it logged, if any."""
    alerts = view.alerts
    if alerts:
        table = Table("time (UTC)", "level", "title", Column("text", overflow="fold"),
                      title="alerts")
        for alert in alerts:
            when = datetime.datetime.fromtimestamp(alert["timestamp"], datetime.timezone.utc)
            table.add_row(when.strftime("%Y-%m-%d %H:%M:%S"), alert["level"],
                          Text(plain(alert["title"])), Text(plain(alert["text"])))
        out.print(table)
    artifacts = view.artifacts
    if artifacts:
        table = Table("artifact", "type", "aliases", Column("entries", overflow="fold"),
                      title="artifacts logged")
        for art in artifacts:
            version = "" if art["version"] is None else f":v{art['version']}"
            table.add_row(Text(plain(art["name"] + version)), Text(plain(art["type"])),
                          Text(plain(", ".join(art["aliases"]))),
                          Text(plain(", ".join(art["entries"]))))
        out.print(table)


@cli.command("export")
@click.argument("run")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File (default stdout).")
@dir_option
@progress_option
def export_command(run: str, fmt: str, output: Path | None, root: Path | None,
                   progress: bool | None) -> None:
    """Export a run's history as CSV (nested keys joined with '/') or JSON lines.

    Media cells hold the media file's path relative to the run directory.
    """
    view = _open(run, root)
    with _reading(view):
        columns = _columns(_flat_json(row) for row in view.iter_history_json()) \
            if fmt == "csv" else []
        stream = open(output, "w", newline="", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
        try:
            with _progress(progress, "export", view.rows) as advance:
                rows = (_checked_media(row, view, number)
                        for number, row in enumerate(advance(view.iter_history_json()), 1))
                if fmt == "jsonl":
                    for row in rows:
                        stream.write(json.dumps(row, ensure_ascii=False) + "\n")
                else:
                    writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore")
                    writer.writeheader()
                    for row in rows:
                        writer.writerow({k: _csv_cell(v) for k, v in _flat_json(row).items()})
        finally:
            if output:
                stream.close()
            else:
                stream.flush()


@cli.command("backends")
def backends_command() -> None:
    """List the installed backends and the plugins that provide them."""
    from ._registry import installed_backends

    table = Table("backend", "plugin", "factory")
    for name, (factory, plugin) in sorted(installed_backends().items()):
        table.add_row(Text(plain(name)), Text(plain(plugin)), Text(plain(_dotted(factory))))
    out.print(table)


_cli_migrate.register(cli)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``runlog`` console script."""
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            cli.main(args=argv, prog_name="runlog", standalone_mode=False)
        except click.exceptions.Abort:
            _fail("aborted", 1)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except (Error, OSError) as exc:
            _fail(str(exc), 1)
    return 0


def sparkline(values: list[float], width: int = 40) -> str:
    """Values as a row of block characters (bucket means when there are more than ``width``);
    NaN and infinities leave a gap."""
    if len(values) > width > 0:
        size = len(values) / width
        buckets = [values[int(i * size):int((i + 1) * size)] for i in range(width)]
        values = [_mean(b) for b in buckets]
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return ""
    lo, hi = min(finite), max(finite)
    span = (hi - lo) or 1.0
    top = len(_BLOCKS) - 1
    return "".join(
        _BLOCKS[round((v - lo) / span * top)] if math.isfinite(v) else " " for v in values
    )


def plain(value: Any) -> str:
    """``value`` as text safe for a terminal: tabs and newlines become spaces, other control
    characters are removed, and a lone surrogate shows as its escape."""
    text = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL.sub(lambda m: " " if m.group() in "\t\n\r" else "", text)


# -- reading runs --------------------------------------------------------------------------------
def _run_root(root: Path | None) -> Path:
    """The run root to use, or an error with a hint when it does not exist."""
    base = root if root is not None else default_root()
    if base.is_dir():
        return base
    if root is not None:
        raise Error(f"--dir {base} is not a directory")
    source = "$RUNLOG_DIR" if os.environ.get("RUNLOG_DIR") else "the default run directory"
    raise Error(f"no run directory {base.absolute()} ({source}); run from the directory where "
                "runs were written, or pass --dir DIR or set RUNLOG_DIR")


def _open(ref: str, root: Path | None) -> FilesRun:
    """The run RUN names; a damaged run is an error naming it."""
    if not is_run_dir(Path(ref).expanduser()):
        _run_root(root)
    with _reading(Path(ref)):
        return read(ref, root)


@contextlib.contextmanager
def _reading(what: FilesRun | Path) -> Iterator[None]:
    """Turn an unexpected exception while reading a run into one error line naming it."""
    try:
        yield
    except (Error, OSError):
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged run is reported, never a traceback
        where = what.dir if isinstance(what, FilesRun) else what
        raise DataError(f"{where}: cannot read the run, its files are damaged "
                        f"({type(exc).__name__}: {exc})") from None


def _ls_row(run_dir: Path) -> list[str]:
    """The ``ls`` cells of one run; a run that cannot be read is listed as unreadable."""
    try:
        run = read(run_dir)
        meta = run.metadata
        steps = "" if meta["last_step"] is None else str(int(meta["last_step"]) + 1)
        return [meta["project"] or "", meta["id"] or run_dir.name, meta["name"] or "",
                run.status, steps, _time(meta["start_time"], "%Y-%m-%d %H:%M"),
                _last_values(run.summary)]
    except Exception as exc:  # noqa: BLE001 - one damaged run must not hide the others
        reason = str(exc) if isinstance(exc, Error) else f"{type(exc).__name__}: {exc}"
        return [run_dir.parent.name, run_dir.name, "", "unreadable", "", "", reason]


def _find_runs(root: Path) -> list[Path]:
    found = [root] if is_run_dir(root) else []
    found += [p for p in sorted(root.glob("*")) if p.is_dir() and is_run_dir(p)]
    found += [p for p in sorted(root.glob("*/*")) if p.is_dir() and is_run_dir(p)]
    return found


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix() or "."
    except ValueError:
        return str(path)


@contextlib.contextmanager
def _progress(flag: bool | None, label: str, total: int) -> Iterator[Any]:
    """A function wrapping a row iterator to advance a progress bar on stderr (shown when
    ``flag`` is True, or when it is None and stderr is a terminal)."""
    show = sys.stderr.isatty() if flag is None else flag
    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("rows"),
                   TimeElapsedColumn(), console=err, disable=not show, transient=flag is None,
                   refresh_per_second=2)
    with bar:
        task = bar.add_task(label, total=total)

        def advance(rows: Iterable[Any]) -> Iterator[Any]:
            if not show:
                yield from rows
                return
            for count, row in enumerate(rows, 1):
                yield row
                if count % _PROGRESS_EVERY == 0:
                    bar.advance(task, _PROGRESS_EVERY)
            bar.update(task, completed=total)

        yield advance


def _checked_media(row: Any, view: FilesRun, number: int) -> Any:
    """The row, after checking that every media path in it stays inside ``media/``."""
    for value in _walk(row):
        if type(value) is dict and "_type" in value and "path" in value \
                and not is_media_ref(value["path"]):
            raise DataError(f"{view.dir}/history.jsonl row {number}: media path "
                            f"{value['path']!r} is not 'media/<sha256>.<ext>'; the run is "
                            "damaged or crafted, nothing exported past this row")
    return row


def _walk(value: Any) -> Iterator[Any]:
    yield value
    children = value.values() if type(value) is dict else value if type(value) is list else ()
    for child in children:
        yield from _walk(child)


# -- show ----------------------------------------------------------------------------------------
def _info_table(view: FilesRun) -> Table:
    meta = view.metadata
    info = Table(Column("field"), Column("value", overflow="fold"), show_header=False,
                 title=Text(plain(f"run {meta['project']}/{meta['id']}")))
    for key in ("id", "name", "project", "status", "error", "group", "job_type", "tags", "notes",
                "host", "runlog_version", "sessions", "rows", "last_step", "stale_rows"):
        value = meta.get(key)
        if key == "status" and meta.get("exit_code") not in (None, 0):
            value = f"{value} (exit code {meta['exit_code']})"
        if value not in (None, [], ""):
            info.add_row(key, Text(plain(_cell(value))))
    info.add_row("started", _time(meta["start_time"]))
    if meta.get("end_time"):
        info.add_row("ended", _time(meta["end_time"]))
    info.add_row("directory", Text(plain(view.dir)))
    for key, value in _provenance_rows(meta):
        info.add_row(key, Text(plain(value)))
    return info


def _provenance_rows(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """``run.json``'s provenance as (field, text): command, user, python, git."""
    rows = []
    if meta.get("command"):
        rows.append(("command", shlex.join(meta["command"])))
    if meta.get("user"):
        rows.append(("user", meta["user"]))
    if meta.get("python"):
        rows.append(("python", f"{meta['python']} ({meta.get('executable') or '?'})"))
    git = meta.get("git") or {}
    if git.get("commit"):
        state = " (uncommitted changes)" if git.get("dirty") else ""
        where = " ".join(str(git[k]) for k in ("branch", "remote") if git.get(k))
        rows.append(("git", f"{git['commit'][:12]}{state} {where}".strip()))
    return rows


def _chart(series: dict[str, list[float]], width: int) -> Table:
    """One row per metric: name (wrapped, never cut), sparkline, min, max, last."""
    stats = {}
    for key, values in series.items():
        finite = [v for v in values if math.isfinite(v)]
        stats[key] = [_num(min(finite, default=math.nan)), _num(max(finite, default=math.nan)),
                      _num(values[-1])]
    key_width = min(_KEY_WIDTH, max(len("metric"), *(len(k) for k in series)))
    numbers = sum(max(len(h), *(len(s[i]) for s in stats.values()))
                  for i, h in enumerate(("min", "max", "last")))
    room = out.width - key_width - numbers - 16  # 16: borders and padding of five columns
    spark = max(_MIN_SPARK, min(width, room))
    chart = Table(Column("metric", overflow="fold", max_width=key_width),
                  Column("trend", no_wrap=True, min_width=spark),  # a NaN gap must not wrap
                  "min", "max", "last", title="metrics")
    for key, values in series.items():
        chart.add_row(Text(plain(key)), sparkline(values, spark), *stats[key])
    return chart


def _series(rows: Iterable[dict[str, Any]], wanted: tuple[str, ...]) -> dict[str, list[float]]:
    """Numeric history per flat key (``_`` keys left out unless asked for), in first-seen order."""
    series: dict[str, list[float]] = {}
    target: dict[str, list[float] | None] = {}  # per key: its series, or None if left out
    for row in rows:
        for key, value in _flat_json(row).items():
            if type(value) is float or type(value) is int:
                values = target.get(key, _UNSEEN)
                if values is _UNSEEN:
                    charted = key in wanted or not key.startswith("_")
                    values = target[key] = series.setdefault(key, []) if charted else None
                if values is not None:
                    values.append(float(value))
    return series


def _summary_cell(key: str, value: Any) -> str:
    if key == "_timestamp" and _is_number(value):
        return _time(value)
    if key == "_runtime" and _is_number(value):
        return f"{value:.3f} s"
    return _cell(value)


# -- export --------------------------------------------------------------------------------------
def _flat_json(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A history JSON row as flat columns; media objects and lists stay single cells."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if type(value) is dict and value.get("_type") in (None, "dict"):
            flat.update(_flat_json(value.get("items", value) if "_type" in value else value,
                                   f"{prefix}{key}/"))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _columns(rows: Iterator[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    special = [k for k in ("_step", "_runtime", "_timestamp") if k in seen]
    return special + [k for k in seen if k not in special]


def _csv_cell(value: Any) -> Any:
    if type(value) is dict:
        return value.get("path") or json.dumps(value, ensure_ascii=False)
    if type(value) is list:
        return json.dumps(value, ensure_ascii=False)
    return value


# -- formatting ----------------------------------------------------------------------------------
def _dotted(factory: Any) -> str:
    """``module.name`` of a factory (the built-ins' names already start with their package)."""
    qualname = getattr(factory, "__qualname__", None)
    module = getattr(factory, "__module__", None)
    if qualname is None:
        return repr(factory)
    if module is None or qualname.startswith(module.split(".")[0] + "."):
        return qualname
    return f"{module}.{qualname}"


def _fail(message: str, code: int) -> None:
    click.echo(f"runlog: error: {plain(message)}", err=True)
    sys.exit(code)


def _show_warning(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
    """One line per distinct warning (a command may read a damaged file twice)."""
    line = f"runlog: warning: {plain(message)}"
    if line not in _warned:
        _warned.add(line)
        click.echo(line, err=True)


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


def _mean(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else math.nan


def _num(value: float) -> str:
    return f"{value:.6g}"


def _cell(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, float):
        return _num(value)
    return str(value)


def _time(ts: Any, layout: str = "%Y-%m-%d %H:%M:%S %Z") -> str:
    """Unix seconds as a local date and time (with its zone, by default)."""
    if ts is None:
        return ""
    return datetime.datetime.fromtimestamp(float(ts)).astimezone().strftime(layout)


def _last_values(summary: dict[str, Any]) -> str:
    shown = [
        f"{k}={_num(v)}" for k, v in flatten_row(summary).items()
        if not k.startswith("_") and _is_number(v)
    ]
    return " ".join(shown[:_LS_VALUES]) + (" …" if len(shown) > _LS_VALUES else "")


if __name__ == "__main__":
    main()
