"""Distributed launchers (torchrun, SLURM, ...): which rank this process is, and what it logs.

``rank_policy="zero"`` (default): rank 0 gets a normal run, every other rank a disabled run
(same API, does nothing). ``"all"``: every rank gets its own run, its id suffixed with
``-rank<N>``, all in one group shared by the ranks of a launch.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import NamedTuple

from runlog.typespec.errors import UsageError


class RankInfo(NamedTuple):
    """This process's place in a distributed launch."""

    rank: int
    local_rank: int
    world_size: int


def detect(environ: Mapping[str, str] = os.environ) -> RankInfo | None:
    """The launch read from ``RANK``, ``LOCAL_RANK`` and ``WORLD_SIZE``; None when this is not
    one of several processes."""
    values = {}
    for var in ("RANK", "LOCAL_RANK", "WORLD_SIZE"):
        raw = environ.get(var, "").strip()
        if raw:
            try:
                values[var] = int(raw)
            except ValueError:
                raise UsageError(
                    f"environment variable {var}={raw!r} is not an integer; runlog reads "
                    "RANK, LOCAL_RANK and WORLD_SIZE as set by torchrun and similar launchers"
                ) from None
    rank = values.get("RANK", values.get("LOCAL_RANK"))
    if rank is None:
        return None
    world = values.get("WORLD_SIZE", rank + 1)
    if world <= 1 and rank == 0:
        return None
    return RankInfo(rank, values.get("LOCAL_RANK", rank), max(world, rank + 1))


def group_id(environ: Mapping[str, str] = os.environ) -> str | None:
    """A group id every rank of one launch derives alike: ``RUNLOG_GROUP``, else the
    launcher's job id (``TORCHELASTIC_RUN_ID``, ``SLURM_JOB_ID``), else a hash of the
    rendezvous address (``MASTER_ADDR``:``MASTER_PORT``)."""
    explicit = environ.get("RUNLOG_GROUP", "").strip()
    if explicit:
        return explicit
    elastic = environ.get("TORCHELASTIC_RUN_ID", "").strip()
    if elastic and elastic != "none":  # torchrun's default id is the literal "none"
        return elastic
    slurm = environ.get("SLURM_JOB_ID", "").strip()
    if slurm:
        return f"slurm-{slurm}"
    addr, port = environ.get("MASTER_ADDR", "").strip(), environ.get("MASTER_PORT", "").strip()
    if addr or port:
        return "ddp-" + hashlib.sha256(f"{addr}:{port}".encode()).hexdigest()[:8]
    return None


def apply(
    policy: str, mode: str, run_id: str, group: str | None,
    environ: Mapping[str, str] = os.environ,
) -> tuple[str, str, str | None]:
    """``(mode, run_id, group)`` for this process under ``policy``."""
    info = detect(environ)
    if info is None:
        return mode, run_id, group
    if policy == "zero":
        return (mode if info.rank == 0 else "disabled"), run_id, group
    return mode, f"{run_id}-rank{info.rank}", group or group_id(environ)
