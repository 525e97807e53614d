"""Helpers of the wandb-media tests: log through a real run on the files and tb backends and
read both back (``runlog.read`` and TensorBoard's own reader)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import runlog
from test_tb_support import read as read_tb


def log_and_read(values: dict[str, Any], root: Path = Path("runs")) -> tuple[dict, Any]:
    """Log ``values`` as one row (step 0) of a new run; its files-backend history row and the
    TensorBoard accumulator of its run directory."""
    run = runlog.init(project="media", dir=root, backends=["files", "tb"],
                      settings={"handle_signals": False})
    run.log(values)
    run.finish()
    run_dir = root / "media" / run.id
    [row] = runlog.read(run_dir).history
    return row, read_tb(run_dir)
