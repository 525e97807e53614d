"""init(sync_tensorboard=True): scalars written with tensorboardX's and torch's SummaryWriter
reach the run's backends, one row per TensorBoard step; the event files are still written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import runlog
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

QUIET = {"handle_signals": False}


def rows_of(run: runlog.Run) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in ("_runtime",)}
            for row in run.backends["memory"].history]


def _write(writer_cls: type, logdir: Path) -> None:
    writer = writer_cls(str(logdir))
    writer.add_scalar("loss", 0.5, 0)
    writer.add_scalar("acc", 0.25, 0)
    writer.add_scalar("loss", 0.375, 1)
    writer.add_scalars("pair", {"a": 1.0}, 1)  # tag "pair" in the sub-folder pair/a
    writer.add_scalar("loss", 0.25, 3)
    writer.close()


def test_tensorboardx_scalars_become_rows_per_step(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    run = runlog.init(sync_tensorboard=True, backends=["memory"], settings=QUIET)
    _write(SummaryWriter, tmp_path / "tb")
    run.finish()
    rows = rows_of(run)
    assert [{k: v for k, v in r.items() if k != "_timestamp"} for r in rows] == [
        {"_step": 0, "global_step": 0, "loss": 0.5, "acc": 0.25},
        {"_step": 1, "global_step": 1, "loss": 0.375, "pair/a/pair": 1.0},
        {"_step": 2, "global_step": 3, "loss": 0.25},
    ]
    events = EventAccumulator(str(tmp_path / "tb")).Reload()
    assert [s.value for s in events.Scalars("loss")] == [0.5, 0.375, 0.25]  # still written


def test_non_scalars_are_named_once_and_the_run_goes_on(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    run = runlog.init(tensorboard=True, backends=["memory"], settings=QUIET)
    writer = SummaryWriter(str(tmp_path / "tb"))
    with pytest.warns(UserWarning, match="syncs scalars only; 'picture'") as caught:
        for step in range(3):
            writer.add_image("picture", np.zeros((3, 4, 4), np.uint8), step)
            writer.add_scalar("loss", 1.0 / 2**step, step)
    writer.close()
    run.finish()
    assert len([w for w in caught if "picture" in str(w.message)]) == 1
    assert [r["loss"] for r in rows_of(run)] == [1.0, 0.5, 0.25]


def test_writers_in_other_folders_prefix_their_tags(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    run = runlog.init(sync_tensorboard=True, backends=["memory"], settings=QUIET)
    train = SummaryWriter(str(tmp_path / "logs" / "train"))
    validation = SummaryWriter(str(tmp_path / "logs" / "validation"))
    for epoch in range(2):
        train.add_scalar("epoch_loss", 1.0 + epoch, epoch)
        validation.add_scalar("epoch_loss", 2.0 + epoch, epoch)
    train.close()
    validation.close()
    run.finish()
    assert [(r["epoch_loss"], r["validation/epoch_loss"]) for r in rows_of(run)] == [
        (1.0, 2.0), (2.0, 3.0)]


def test_the_sync_ends_with_the_run(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    first = runlog.init(sync_tensorboard=True, backends=["memory"], settings=QUIET)
    first.finish()
    second = runlog.init(backends=["memory"], settings=QUIET)
    writer = SummaryWriter(str(tmp_path / "tb"))
    writer.add_scalar("loss", 0.5, 0)
    writer.close()
    second.finish()
    assert rows_of(first) == [] and rows_of(second) == []


def test_torch_summary_writer_scalars_are_synced(tmp_path: Path) -> None:
    tensorboard = pytest.importorskip("torch.utils.tensorboard")
    run = runlog.init(sync_tensorboard=True, backends=["memory"], settings=QUIET)
    _write(tensorboard.SummaryWriter, tmp_path / "tb")
    run.finish()
    assert [(r["global_step"], r["loss"]) for r in rows_of(run)] == [
        (0, 0.5), (1, 0.375), (3, 0.25)]


def test_the_writer_torch_uses_is_synced(tmp_path: Path) -> None:
    """torch.utils.tensorboard writes through the tensorboard package's EventFileWriter."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    run = runlog.init(sync_tensorboard=True, backends=["memory"], settings=QUIET)
    writer = EventFileWriter(str(tmp_path / "tb"))
    for step, value in enumerate((0.5, 0.25)):
        summary = Summary(value=[Summary.Value(tag="loss", simple_value=value)])
        writer.add_event(Event(wall_time=1000.0 + step, step=step, summary=summary))
    writer.close()
    run.finish()
    assert [(r["global_step"], r["loss"], r["_timestamp"]) for r in rows_of(run)] == [
        (0, 0.5, 1000.0), (1, 0.25, 1001.0)]


def test_without_any_writer_package_it_is_one_line_before_any_run(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from runlog import _tb_sync

    # neither package can be uninstalled inside the test run: point at modules that do not exist
    monkeypatch.setattr(_tb_sync, "WRITER_MODULES", ("no_such_tbx.writer", "no_such_tb.writer"))
    with pytest.raises(runlog.UsageError) as err:
        runlog.init(sync_tensorboard=True, backends=["memory"])
    assert "\n" not in str(err.value) and "pip install 'runlog[tb]'" in str(err.value)
    assert runlog.run is None
