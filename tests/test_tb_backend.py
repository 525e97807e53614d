"""The tb backend fed IR records directly, read back with TensorBoard's EventAccumulator."""

from __future__ import annotations

import logging
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from runlog.backends.tb import factory
from runlog.backends.tb.tags import decode
from runlog.typespec.errors import UsageError
from runlog.typespec.records import ConfigChanged, MetricDefined, Row, StaleRow
from test_tb_support import (
    T0,
    fenced_json,
    finished,
    open_backend,
    read,
    scalars,
    started,
    texts,
    write_all,
)


def row(step: int, values: dict, t: float | None = None) -> Row:
    return Row(step, T0 + step if t is None else t, float(step), values)


def test_scalars_keep_values_steps_and_wall_times(tmp_path: Path) -> None:
    rows = [row(s, {("loss",): 1 / (s + 1), ("train", "acc"): s * 10, ("ok",): s % 2 == 0,
                    ("big",): 2**40 + s})
            for s in range(5)]
    write_all(tmp_path, rows)
    acc = read(tmp_path)
    loss = acc.Scalars("loss")
    assert [e.step for e in loss] == [0, 1, 2, 3, 4]
    assert [e.wall_time for e in loss] == [T0 + s for s in range(5)]
    # TensorBoard stores float32
    assert [e.value for e in loss] == [float(np.float32(1 / (s + 1))) for s in range(5)]
    assert scalars(acc, "train/acc") == [(s, s * 10.0) for s in range(5)]
    assert scalars(acc, "ok") == [(0, 1.0), (1, 0.0), (2, 1.0), (3, 0.0), (4, 1.0)]
    assert [v for _, v in scalars(acc, "big")] == [float(np.float32(2**40 + s)) for s in range(5)]


def test_nan_and_infinity_are_kept(tmp_path: Path) -> None:
    write_all(tmp_path, [row(0, {("x",): math.nan}), row(1, {("x",): math.inf}),
                         row(2, {("x",): -math.inf})])
    values = [v for _, v in scalars(read(tmp_path), "x")]
    assert math.isnan(values[0]) and values[1:] == [math.inf, -math.inf]


def test_strings_become_text_and_none_is_skipped(tmp_path: Path) -> None:
    write_all(tmp_path, [row(0, {("status",): "warming up", ("lr",): None}),
                         row(3, {("status",): "**done**"})])
    acc = read(tmp_path)
    assert texts(acc, "status") == [(0, "warming up"), (3, "**done**")]
    assert "lr" not in acc.Tags()["scalars"]


def test_lists_are_skipped_with_one_warning_per_key(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="runlog")
    write_all(tmp_path, [row(s, {("pair",): [s, s + 1], ("x",): s}) for s in range(3)])
    assert scalars(read(tmp_path), "x") == [(0, 0.0), (1, 1.0), (2, 2.0)]
    warned = [r.getMessage() for r in caplog.records if "pair" in r.getMessage()]
    assert len(warned) == 1 and "list" in warned[0] and "skipped" in warned[0]


def test_colliding_keys_stay_distinct_and_the_keymap_restores_them(tmp_path: Path) -> None:
    keys = ["a b", "a:b", "a_b", "a/b", "/a", "top_5", "x@1", "日本/精度"]
    write_all(tmp_path, [row(s, {(k,): float(i + 10 * s) for i, k in enumerate(keys)})
                         for s in range(2)])
    acc = read(tmp_path)
    tags = acc.Tags()["scalars"]
    assert len(tags) == len(keys)
    restored = {}
    for step, text in texts(acc, "runlog_/keymap"):
        assert step == 0  # written once, when the keys first appear
        restored.update(fenced_json(text))
    assert sorted(restored.values()) == sorted(keys)
    for tag, key in restored.items():
        assert decode(tag) == key
        assert scalars(acc, tag) == [(0, float(keys.index(key))), (1, keys.index(key) + 10.0)]


def test_new_keys_are_added_to_the_keymap_when_they_appear(tmp_path: Path) -> None:
    write_all(tmp_path, [row(0, {("a",): 1}), row(1, {("a",): 2}), row(2, {("b c",): 3})])
    maps = texts(read(tmp_path), "runlog_/keymap")
    assert [(s, fenced_json(t)) for s, t in maps] == [(0, {"a": "a"}), (2, {"b_x20c": "b c"})]


def test_two_leaves_with_one_flat_name_keep_the_later_and_warn(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="runlog")
    write_all(tmp_path, [row(0, {("a/b",): 1.0, ("a", "b"): 2.0})])
    assert scalars(read(tmp_path), "a/b") == [(0, 2.0)]
    assert any("'a/b'" in r.getMessage() for r in caplog.records)


def test_config_is_json_text_and_hparams_in_the_same_run(tmp_path: Path) -> None:
    from tensorboard.plugins.hparams import metadata

    config = {"lr": 0.01, "layers": 3, "opt": {"name": "adam", "beta": None},
              "flag": True, "sizes": [1, 2]}
    run = started(config=config, group="sweep-1")
    backend = open_backend(tmp_path, run)
    backend.write([ConfigChanged({"seed": 7}), row(0, {("loss",): 1.0}),
                   ConfigChanged({"late": "x"})])
    backend.flush(None)
    assert sorted(os.listdir(tmp_path))[0].startswith("events.out.tfevents.")
    assert all(not p.is_dir() for p in tmp_path.iterdir())  # no sub-run
    acc = read(tmp_path)
    configs = texts(acc, "runlog_/config")
    assert fenced_json(configs[0][1]) == config
    assert fenced_json(configs[-1][1]) == {**config, "seed": 7, "late": "x"}
    content = acc.PluginTagToContent("hparams")
    assert set(content) == {metadata.SESSION_START_INFO_TAG}  # TensorBoard builds the experiment
    info = metadata.parse_session_start_info_plugin_data(
        content[metadata.SESSION_START_INFO_TAG])
    hp = {k: v.WhichOneof("kind") and getattr(v, v.WhichOneof("kind"))
          for k, v in info.hparams.items()}
    assert hp == {"lr": 0.01, "layers": 3.0, "opt.name": "adam", "flag": True,
                  "sizes": "[1, 2]", "seed": 7.0}  # config as of the first row
    assert info.group_name == "sweep-1" and info.start_time_secs == T0


@pytest.mark.parametrize(("status", "expected"), [
    ("finished", "STATUS_SUCCESS"), ("failed", "STATUS_FAILURE"), ("preempted", "STATUS_UNKNOWN"),
])
def test_finish_writes_the_summary_and_the_session_status(tmp_path: Path, status: str,
                                                          expected: str) -> None:
    from tensorboard.plugins.hparams import api_pb2, metadata

    summary = {"loss": 0.25, "acc": {"max": 0.9}, "note": "ok", "_step": 4, "_runtime": 3.5}
    backend = open_backend(tmp_path, started(config={"lr": 1}))
    done = finished(summary, status, final_step=5)
    backend.write([row(4, {("loss",): 0.25}), done])
    backend.close(done)
    acc = read(tmp_path)
    [(step, text)] = texts(acc, "runlog_/summary")
    assert step == 5 and fenced_json(text) == summary
    assert scalars(acc, "runlog_/summary_/loss") == [(5, 0.25)]
    assert [round(v, 6) for _, v in scalars(acc, "runlog_/summary_/acc/max")] == [0.9]
    assert not [t for t in acc.Tags()["scalars"] if "_step" in t or "_runtime" in t]
    end = metadata.parse_session_end_info_plugin_data(
        acc.PluginTagToContent("hparams")[metadata.SESSION_END_INFO_TAG])
    assert api_pb2.Status.Name(end.status) == expected and end.end_time_secs == T0 + 100


def test_step_metric_is_the_x_axis(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="runlog")
    records = [MetricDefined("val/*", step_metric="epoch"),
               MetricDefined("lr", step_metric="opt.t", step_sync=False)]
    for s in range(6):
        values = {("loss",): float(s), ("epoch",): s // 2, ("val/acc",): s / 10}
        if s % 3 == 0:
            values[("opt", "t")] = 100 + s
        values[("lr",)] = 0.5
        records.append(row(s, values))
    records.append(row(6, {("epoch",): 3.5, ("val/acc",): 1.0}))
    write_all(tmp_path, records)
    acc = read(tmp_path)
    assert [s for s, _ in scalars(acc, "loss")] == [0, 1, 2, 3, 4, 5]
    assert [s for s, _ in scalars(acc, "val/acc")] == [0, 0, 1, 1, 2, 2, 3]
    assert [s for s, _ in scalars(acc, "epoch")] == [0, 1, 2, 3, 4, 5, 6]
    # without step_sync, the latest value of the axis is used
    assert [s for s, _ in scalars(acc, "lr")] == [100, 100, 100, 103, 103, 103]
    assert any("truncated" in r.getMessage() for r in caplog.records)


def test_stale_rows_are_written_under_keep_only(tmp_path: Path) -> None:
    write_all(tmp_path, [row(10, {("x",): 1.0}),
                         StaleRow(3, 11, T0 + 3, {("x",): 2.0}, "keep"),
                         StaleRow(4, 11, T0 + 4, {("x",): 3.0}, "warn"),
                         row(11, {("x",): 4.0})])
    assert scalars(read(tmp_path), "x") == [(10, 1.0), (3, 2.0), (11, 4.0)]


def test_flush_makes_everything_written_readable(tmp_path: Path) -> None:
    backend = open_backend(tmp_path)  # flush_secs=3600: only explicit flushes
    for s in range(2000):
        backend.write([row(s, {("a",): float(s), ("b",): -float(s)})])
    assert backend.flush(None) is True
    acc = read(tmp_path)  # the writer is still open
    assert len(acc.Scalars("a")) == 2000 and len(acc.Scalars("b")) == 2000


def test_flush_secs_zero_flushes_after_every_batch(tmp_path: Path) -> None:
    backend = open_backend(tmp_path, options={"flush_secs": 0})
    backend.write([row(0, {("a",): 1.0})])
    assert scalars(read(tmp_path), "a") == [(0, 1.0)]
    backend.close(finished())


def test_two_writers_in_one_directory_in_one_second_do_not_clobber(tmp_path: Path) -> None:
    first = open_backend(tmp_path, started("x"))
    second = open_backend(tmp_path, started("x"))
    for s in range(100):
        first.write([row(s, {("a",): float(s)})])
        second.write([row(s, {("b",): float(s)})])
    first.close(finished())
    second.close(finished())
    files = [p.name for p in tmp_path.iterdir()]
    assert len(files) == 2 and all(f.endswith(f".{os.getpid()}." + f.rsplit(".", 1)[1])
                                   for f in files)
    acc = read(tmp_path)
    assert len(acc.Scalars("a")) == 100 and len(acc.Scalars("b")) == 100


def test_resume_appends_a_new_event_file(tmp_path: Path) -> None:
    first = open_backend(tmp_path)
    first.write([row(s, {("x",): float(s)}) for s in range(5)])
    first.close(finished())
    second = open_backend(tmp_path, started(resumed=True, resumed_step=5))
    second.write([row(s, {("x",): float(s)}) for s in range(5, 8)])
    second.close(finished())
    assert len(list(tmp_path.iterdir())) == 2
    # files opened in the same second are still read in the order they were opened
    assert scalars(read(tmp_path), "x") == [(s, float(s)) for s in range(8)]


def test_logdir_option_is_a_root_holding_one_directory_per_run(tmp_path: Path) -> None:
    backend = open_backend(tmp_path / "run_dir", started("abc123"),
                           options={"logdir": str(tmp_path / "tb")})
    backend.write([row(0, {("x",): 1.0})])
    backend.close(finished())
    assert backend.logdir == tmp_path / "tb" / "abc123"
    assert not (tmp_path / "run_dir").exists()
    assert scalars(read(tmp_path / "tb" / "abc123"), "x") == [(0, 1.0)]


@pytest.mark.parametrize(("options", "message"), [
    ({"log_dir": "x"}, "unknown option(s) log_dir; accepted: logdir (a path"),
    ({"flush_secs": -1}, "flush_secs must be a number >= 0: seconds between automatic "),
    ({"flush_secs": "soon"}, "every batch), got 'soon' (str)"),
    ({"logdir": 3}, "logdir must be a path: events go to <logdir>/<run id>, got 3 (int)"),
])
def test_bad_options_are_usage_errors(tmp_path: Path, options: dict, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        factory(options, tmp_path)


def test_without_tensorboardx_the_factory_says_how_to_install_it(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['tensorboardX'] = None\n"
        "from runlog.backends.tb import factory\n"
        "from runlog.typespec.errors import UsageError\n"
        "try:\n"
        f"    factory({{}}, {str(tmp_path)!r})\n"
        "except UsageError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert "pip install 'runlog[tb]'" in out
