"""``runlog import tb|mlflow|wandb`` and ``runlog sync``: moving runs between tools."""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from runlog.typespec.errors import UsageError

from ._read import default_root

_DIR_HELP = "Run root to write to / read from (default $RUNLOG_DIR, then the default directory)."


def register(cli: click.Group) -> None:
    """Add the migration commands to the ``runlog`` group."""
    cli.add_command(import_group)
    cli.add_command(sync_command)


def _root(root: Path | None) -> Path:
    return root if root is not None else default_root()


def _print_reports(reports: list) -> None:
    for report in reports:
        for line in report.lines():
            click.echo(line)


@click.group("import")
def import_group() -> None:
    """Bring runs from TensorBoard, MLflow or wandb into the files layout."""


@import_group.command("tb")
@click.argument("logdir", type=click.Path(path_type=Path))
@click.option("--project", default="tensorboard", show_default=True, help="Project to file under.")
@click.option("--dir", "root", type=click.Path(path_type=Path), help=_DIR_HELP)
def import_tb_command(logdir: Path, project: str, root: Path | None) -> None:
    """Import every TensorBoard run (directory of event files) under LOGDIR."""
    from .migrate import import_tb

    _print_reports(import_tb(logdir, _root(root), project=project))


@import_group.command("mlflow")
@click.option("--tracking-uri", required=True, help="sqlite:///…, http(s)://…, postgresql://…")
@click.option("--experiment", help="Only this experiment (by name).")
@click.option("--run-id", help="Only this run.")
@click.option("--project", help="Project to file under (default: the experiment's name).")
@click.option("--dir", "root", type=click.Path(path_type=Path), help=_DIR_HELP)
def import_mlflow_command(tracking_uri: str, experiment: str | None, run_id: str | None,
                          project: str | None, root: Path | None) -> None:
    """Import MLflow runs: one (--run-id), an experiment's, or all."""
    from .migrate import import_mlflow

    _print_reports(import_mlflow(tracking_uri, _root(root), experiment=experiment,
                                 run_id=run_id, project=project))


@import_group.command("wandb")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--project", help="Project to file under (default: the wandb project).")
@click.option("--dir", "root", type=click.Path(path_type=Path), help=_DIR_HELP)
def import_wandb_command(path: Path, project: str | None, root: Path | None) -> None:
    """Import a wandb run directory, or every run directory under PATH (e.g. ./wandb)."""
    from .migrate import import_wandb

    runs = [path] if list(path.glob("run-*.wandb")) or path.is_file() else sorted(
        {p.parent.resolve() for p in path.glob("*/run-*.wandb")})  # latest-run is a link
    if not runs:
        raise UsageError(f"no wandb run directories (with a run-<id>.wandb file) under {path}")
    _print_reports([import_wandb(run, _root(root), project=project) for run in runs])


@click.command("sync")
@click.argument("runs", nargs=-1)
@click.option("--to", "targets", multiple=True,
              help="Target backend, as init(backends=…) takes it: tb, mlflow:tracking_uri=… "
                   "(without --to: deliver the http backend's spool)")
@click.option("--dir", "root", type=click.Path(path_type=Path), help=_DIR_HELP)
@click.option("--project", help="Only runs of this project.")
@click.option("--tag", "tags", multiple=True, help="Only runs with this tag (repeatable: all).")
@click.option("--status", help="Only runs with this status (finished, failed, …).")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send nothing.")
@click.option("--url", help="Without --to: the collector to deliver the spool to (default: the "
                            "one each run was logged to).")
@click.option("--token", envvar="RUNLOG_HTTP__TOKEN", help="Without --to: bearer token.")
def sync_command(runs: tuple[str, ...], targets: tuple[str, ...], root: Path | None,
                 project: str | None, tags: tuple[str, ...], status: str | None,
                 dry_run: bool, url: str | None, token: str | None) -> None:
    """Replay recorded RUNS (run directories, project/id, or globs under --dir; all runs under
    --dir when none is named) into each --to backend; syncing again sends only what is new.
    Without --to, deliver what the http backend spooled (RUNS: the spool directory)."""
    from .migrate.sync import sync

    if not targets:
        from ._cli_server import deliver_spool

        if len(runs) > 1 or project or tags or status or dry_run:
            raise UsageError("sync without --to delivers one http spool: runlog sync [SPOOL] "
                             "[--url URL] [--token T]")
        deliver_spool(Path(runs[0]) if runs else None, url, token)
        return

    chosen = list(_select(_root(root), runs, project, set(tags), status))
    if not chosen:
        raise UsageError("sync: no run matches")
    for run_dir in chosen:
        with _progress(run_dir.name) as progress:
            report = sync(run_dir, list(targets), dry_run=dry_run, progress=progress)
        for line in report.lines():
            click.echo(line)


def _select(root: Path, patterns: tuple[str, ...], project: str | None, tags: set[str],
            status: str | None) -> Iterator[Path]:
    from runlog.backends.files import FilesRun, is_run_dir

    from .migrate.sync import SpoolRun

    candidates: list[Path] = []
    for pattern in patterns or ("*/*",):
        direct = Path(pattern)
        if SpoolRun.is_spool(direct):  # a spooled run: no metadata to select on
            yield direct
            continue
        if is_run_dir(direct):
            candidates.append(direct)
            continue
        matched = [p for p in root.glob(pattern) if is_run_dir(p)]
        matched += [p for p in root.glob("*/*") if is_run_dir(p)
                    and fnmatch.fnmatch(p.name, pattern) and "/" not in pattern]
        if not matched and patterns:
            raise UsageError(f"sync: {pattern!r} is not a run directory or a run under {root}")
        candidates += matched
    seen: set[Path] = set()
    for run_dir in sorted(candidates):
        if run_dir.resolve() in seen:
            continue
        seen.add(run_dir.resolve())
        meta = FilesRun(run_dir).metadata
        if project is not None and meta.get("project") != project:
            continue
        if tags and not tags <= set(meta.get("tags") or ()):
            continue
        if status is not None and meta.get("status") != status:
            continue
        yield run_dir


class _progress:
    """A rich progress bar on a terminal (nothing otherwise), as a ``progress(done, total)``."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._bar = None

    def __enter__(self) -> _progress:
        if sys.stderr.isatty():
            from rich.progress import Progress

            self._bar = Progress(transient=True)
            self._bar.start()
            self._task = self._bar.add_task(f"sync {self._name}", total=None)
        return self

    def __call__(self, done: int, total: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total or None)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
