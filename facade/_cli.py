"""The ``runlog`` command line: ``ls``, ``show``, ``export``, ``backends``.

Errors print one line (``runlog: error: ...``) and exit non-zero: 1 for a runlog or OS error,
2 for a usage mistake. click and rich are imported here only, never by ``import runlog``.
"""

from __future__ import annotations

import csv
import datetime
import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table
from runlog.backends.files import flatten_row, is_run_dir
from runlog.typespec.errors import Error

from . import _cli_migrate
from ._read import default_root, read

_BLOCKS = "▁▂▃▄▅▆▇█"
_LS_VALUES = 3  # summary values shown per run by ``ls``

out = Console(highlight=False, soft_wrap=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="runlog", prog_name="runlog")
def cli() -> None:
    """runlog: inspect runs recorded by the files backend."""


@cli.command("ls")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
def ls_command(directory: Path | None) -> None:
    """List the runs under DIRECTORY (default $RUNLOG_DIR or ./runlog)."""
    root = directory if directory is not None else default_root()
    if not root.is_dir():
        raise Error(f"{root} is not a directory")
    table = Table("project", "id", "name", "status", "steps", "started", "last values")
    count = 0
    for run_dir in _find_runs(root):
        count += 1
        try:
            run = read(run_dir)
        except Error as exc:
            table.add_row(run_dir.parent.name, run_dir.name, "", "unreadable", "", "", str(exc))
            continue
        meta = run.metadata
        steps = "" if meta["last_step"] is None else str(meta["last_step"] + 1)
        table.add_row(meta["project"] or "", meta["id"] or run_dir.name, meta["name"] or "",
                      run.status, steps, _time(meta["start_time"]), _last_values(run.summary))
    if not count:
        out.print(f"no runs under {root}")
        return
    out.print(table)


@cli.command("show")
@click.argument("run")
@click.option("--dir", "root", type=click.Path(path_type=Path), help="Where to look up RUN.")
@click.option("-m", "--metric", "metrics", multiple=True, help="Metric to chart (repeatable).")
@click.option("--width", default=40, show_default=True, help="Sparkline width.")
def show_command(run: str, root: Path | None, metrics: tuple[str, ...], width: int) -> None:
    """Show a run: metadata, config, summary and a sparkline of its metrics.

    RUN is a run directory, or project/id or id under --dir.
    """
    view = read(run, root)
    meta = view.metadata
    info = Table("field", "value", title=f"run {meta['project']}/{meta['id']}", show_header=False)
    for key in ("id", "name", "project", "status", "group", "job_type", "tags", "notes", "host",
                "runlog_version", "sessions", "rows", "last_step", "stale_rows"):
        value = meta.get(key)
        if value not in (None, [], ""):
            info.add_row(key, _cell(value))
    info.add_row("started", _time(meta["start_time"]))
    if meta.get("end_time"):
        info.add_row("ended", _time(meta["end_time"]))
    info.add_row("directory", str(view.dir))
    out.print(info)
    for title, tree in (("config", view.config), ("summary", view.summary)):
        flat = flatten_row(tree)
        if flat:
            table = Table("key", "value", title=title)
            for key, value in flat.items():
                table.add_row(key, _cell(value))
            out.print(table)
    series = _series(view.iter_history(), metrics)
    if series:
        trend = Column("trend", no_wrap=True)  # a NaN gap must not wrap the sparkline
        chart = Table("metric", trend, "min", "max", "last", title="metrics")
        for key, values in series.items():
            finite = [v for v in values if math.isfinite(v)]
            chart.add_row(key, sparkline(values, width), _num(min(finite, default=math.nan)),
                          _num(max(finite, default=math.nan)), _num(values[-1]))
        out.print(chart)
    elif metrics:
        raise Error(f"no numeric history for {', '.join(metrics)} in run {meta['id']}")


@cli.command("export")
@click.argument("run")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File (default stdout).")
@click.option("--dir", "root", type=click.Path(path_type=Path), help="Where to look up RUN.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal).")
def export_command(run: str, fmt: str, output: Path | None, root: Path | None,
                   progress: bool | None) -> None:
    """Export a run's history as CSV (nested keys joined with '/') or JSON lines.

    Media cells hold the media file's path relative to the run directory.
    """
    view = read(run, root)
    show = sys.stderr.isatty() if progress is None else progress
    bar = Progress(TextColumn("export"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), disable=not show)
    stream = open(output, "w", newline="", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
    try:
        with bar:
            task = bar.add_task("export", total=view.rows)
            rows = _advancing(view.iter_history_json(), bar, task)
            if fmt == "jsonl":
                for row in rows:
                    stream.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                columns = _columns(_flat_json(row) for row in view.iter_history_json())
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
        table.add_row(name, plugin, getattr(factory, "__qualname__", repr(factory)))
    out.print(table)


_cli_migrate.register(cli)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``runlog`` console script."""
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


# -- helpers -------------------------------------------------------------------------------------
def _fail(message: str, code: int) -> None:
    click.echo(f"runlog: error: {message}", err=True)
    sys.exit(code)


def _find_runs(root: Path) -> list[Path]:
    found = [root] if is_run_dir(root) else []
    found += [p for p in sorted(root.glob("*")) if p.is_dir() and is_run_dir(p)]
    found += [p for p in sorted(root.glob("*/*")) if p.is_dir() and is_run_dir(p)]
    return found


def _advancing(rows: Iterator[Any], bar: Progress, task: Any) -> Iterator[Any]:
    for row in rows:
        yield row
        bar.advance(task)


def _series(rows: Iterator[dict[str, Any]], wanted: tuple[str, ...]) -> dict[str, list[float]]:
    """Numeric history per flat key (``_`` keys left out unless asked for), in first-seen order."""
    series: dict[str, list[float]] = {}
    for row in rows:
        for key, value in flatten_row(row).items():
            if (key in wanted if wanted else not key.startswith("_")) and _is_number(value):
                series.setdefault(key, []).append(float(value))
    return series


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


def _time(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def _last_values(summary: dict[str, Any]) -> str:
    shown = [
        f"{k}={_num(v)}" for k, v in flatten_row(summary).items()
        if not k.startswith("_") and _is_number(v)
    ]
    return " ".join(shown[:_LS_VALUES]) + (" …" if len(shown) > _LS_VALUES else "")


if __name__ == "__main__":
    main()
