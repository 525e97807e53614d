"""``runlog serve`` (the collector) and ``runlog sync`` (deliver spooled http batches)."""

from __future__ import annotations

from pathlib import Path

import click
from runlog.typespec.errors import Error, UsageError

from ._read import default_root


@click.command("serve")
@click.option("--dir", "root", required=True, type=click.Path(path_type=Path),
              help="Where runs are stored (files layout).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option("--token", envvar="RUNLOG_SERVE_TOKEN",
              help="Bearer token clients must send (required off loopback).")
@click.option("--to", "targets", multiple=True, metavar="BACKEND[:opt=v,...]",
              help="Also forward every run into this backend (repeatable).")
@click.option("--max-body", type=click.IntRange(1024),
              help="Largest request body in bytes, after gunzip (default 32 MiB).")
@click.option("--max-media", type=click.IntRange(1024),
              help="Largest media upload in bytes (default 64 MiB).")
def serve_command(root: Path, host: str, port: int, token: str | None,
                  targets: tuple[str, ...], max_body: int | None,
                  max_media: int | None) -> None:
    """Run a collector: store runs sent by the http backend in DIR, forward them --to others."""
    try:
        from runlog.server import serve
    except ImportError as exc:
        raise UsageError(f"runlog serve needs the server extra ({exc}): "
                         "pip install 'runlog[server]'") from None
    click.echo(f"runlog collector on http://{host}:{port} storing runs in {root}", err=True)
    limits = {k: v for k, v in (("max_body", max_body), ("max_media", max_media)) if v}
    serve(root, host, port, token, targets, **limits)


def deliver_spool(spool: Path | None, url: str | None, token: str | None) -> None:
    """Deliver batches the http backend could not send (``spool``, default
    ``$RUNLOG_DIR/.http-spool`` or ``./runlog-runs/.http-spool``): ``runlog sync`` without
    ``--to``."""
    from runlog.backends.http.delivery import deliver
    from runlog.backends.http.spool import iter_spools
    from runlog.backends.http.transport import Collector

    root = spool if spool is not None else default_root() / ".http-spool"
    failed = delivered = 0
    for run in iter_spools(root):
        target = url or run.target_url()
        if not target:
            click.echo(f"{run.project}/{run.run_id}: no collector URL known; pass --url", err=True)
            failed += 1
            continue
        collector = Collector(target, token)
        try:
            count = deliver(run, collector)
        except Error as exc:
            click.echo(f"{run.project}/{run.run_id}: not delivered: {exc}", err=True)
            failed += 1
            continue
        finally:
            collector.close()
        run.prune()
        delivered += 1
        click.echo(f"{run.project}/{run.run_id}: {count} batch(es) delivered to {target}")
    if failed:
        raise Error(f"{failed} run(s) not delivered; they stay spooled in {root}")
    if not delivered:
        click.echo(f"nothing to deliver in {root}")
