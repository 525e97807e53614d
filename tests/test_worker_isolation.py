"""A record a backend cannot render costs that record alone; a plugin raising SystemExit or
KeyboardInterrupt does not end its worker; a backend busy encoding is not given up on."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pytest
import runlog
from _dispatch_helpers import Collector, plugin, steps
from runlog.backends import files
from runlog.typespec.media import Media
from runlog.typespec.payload import Payload
from runlog.typespec.records import Finished, Row, RunStarted

QUICK = {"handle_signals": False, "retries": 1, "retry_backoff": 0.01}


class Picky(Collector):
    """Cannot render a row whose ``x`` is 13; raises ``error`` for it."""

    def __init__(self, name: str, error: BaseException) -> None:
        super().__init__(name)
        self.error = error

    def write(self, records: Sequence[Any]) -> None:
        if any(type(r) is Row and r.values.get(("x",)) == 13 for r in records):
            raise self.error
        super().write(records)


def test_a_record_the_backend_cannot_render_is_skipped_alone(caplog):
    with plugin("t", picky=lambda: Picky("picky", ValueError("cannot render 13"))):
        run = runlog.init(backends=["picky", "memory"], settings=QUICK)
        for i in range(14):
            run.log({"x": i})
        run.flush()  # 13 is the last record of a batch here
        assert run.stats["backends"]["picky"]["state"] == "ok"
        for i in range(14, 300):
            run.log({"x": i})
        run.finish()
        backend = run.backends["picky"]
    assert steps(backend.rows) == [i for i in range(300) if i != 13]
    stats = run.stats["backends"]["picky"]
    assert (stats["state"], stats["skipped"], stats["rows"]) == ("ok", 1, 299)
    assert backend.finished is not None
    assert any("skipped a record it could not write (Row of step 13)" in r.getMessage()
               for r in caplog.records)


@pytest.mark.parametrize("error", [SystemExit(3), KeyboardInterrupt()])
def test_a_plugin_raising_systemexit_or_keyboardinterrupt_keeps_its_worker(error):
    with plugin("t", picky=lambda: Picky("picky", error)):
        run = runlog.init(backends=["picky"], settings={**QUICK, "block_timeout": 60})
        for i in range(100):
            run.log({"x": i})
        run.finish()
        backend = run.backends["picky"]
    assert steps(backend.rows) == [i for i in range(100) if i != 13]
    assert run.stats["backends"]["picky"]["state"] == "ok"
    assert backend.finished is not None  # the worker lived to close it


def test_a_backend_that_fails_every_record_is_disabled_not_skipped_forever():
    with plugin("t", broken=lambda: Collector("broken", fail_write=-1)):
        run = runlog.init(backends=["broken"], settings={**QUICK, "finish_timeout": 30})
        for i in range(50):
            run.log({"x": i})
        run.finish()
    stats = run.stats["backends"]["broken"]
    assert stats["state"] == "disabled"
    assert stats["skipped"] == 0  # an OSError blames the backend, not the records


class RejectsRows(Collector):
    """Renders run records but raises ValueError for every row."""

    def write(self, records: Sequence[Any]) -> None:
        if any(type(r) is Row for r in records):
            raise ValueError("cannot render rows")
        super().write(records)


def test_a_backend_failing_record_after_record_is_disabled_after_three_skips():
    with plugin("t", rejects=lambda: RejectsRows("rejects")):
        run = runlog.init(backends=["rejects"], settings={**QUICK, "finish_timeout": 30})
        for i in range(20):
            run.log({"x": i})
        run.finish()
    stats = run.stats["backends"]["rejects"]
    assert (stats["state"], stats["skipped"], stats["rows"]) == ("disabled", 2, 0)
    assert "cannot render rows" in stats["error"]


def test_a_record_the_files_backend_cannot_encode_leaves_the_buffer_intact(tmp_path):
    run_dir = tmp_path / "p" / "r"
    backend = files.factory({"flush_interval": 60}, run_dir)
    first = RunStarted(id="r", project="p", name="r", start_time=1.0, config={}, host="h",
                       version="0")
    backend.start(first)
    backend.write([first])
    backend.write([Row(i, 1.0, 0.0, {("x",): i}) for i in range(10)])  # buffered, not written
    with pytest.raises(UnicodeEncodeError):
        backend.write([Row(10, 1.0, 0.0, {("name",): "lone \udcff surrogate"})])
    backend.write([Row(11, 1.0, 0.0, {("x",): 11})])
    backend.close(Finished(0, "finished", {}, 2.0, 11))
    assert [row["x"] for row in runlog.read(run_dir).history] == [*range(10), 11]


class Slow(Collector):
    """Takes ``seconds`` per batch of rows, reporting its progress through ``bytes_written``."""

    def __init__(self, name: str, seconds: float) -> None:
        super().__init__(name)
        self.seconds = seconds
        self.bytes_written = 0

    def write(self, records: Sequence[Any]) -> None:
        if any(type(r) is Row for r in records):
            for _ in range(int(self.seconds / 0.05)):
                time.sleep(0.05)
                self.bytes_written += 1
        super().write(records)


def test_finish_waits_for_a_backend_that_shows_progress_longer_than_block_timeout():
    with plugin("t", slow=lambda: Slow("slow", seconds=2.0)):
        run = runlog.init(backends=["slow"], settings={
            "handle_signals": False, "block_timeout": 0.5, "finish_timeout": 60,
        })
        for i in range(10):
            run.log({"x": i})
        run.finish()
        backend = run.backends["slow"]
    assert run.stats["backends"]["slow"]["state"] == "ok"
    assert steps(backend.rows) == list(range(10))


class SlowToEncode(Media):
    """A media value whose encoding takes 0.1 s (the pool encodes a few at a time)."""

    def __init__(self, i: int) -> None:
        def encode() -> Payload:
            time.sleep(0.1)
            return Payload(str(i).encode(), "bin", "application/octet-stream")

        self._set_encoder(encode)


def test_finish_waits_for_a_backend_busy_encoding_longer_than_block_timeout():
    # one batch of 80 values: 2 s of encoding on 4 pool threads, 4 s on 2; each 0.1 s
    with plugin("t", col=lambda: Collector("col")):
        run = runlog.init(backends=["col"], settings={
            "handle_signals": False, "block_timeout": 0.5, "finish_timeout": 60,
        })
        for i in range(80):
            run.log({"m": SlowToEncode(i), "i": i})
        run.finish()
        backend = run.backends["col"]
    assert run.stats["backends"]["col"]["state"] == "ok"
    assert [r.values[("i",)] for r in backend.rows] == list(range(80))
    assert all(r.values[("m",)].encoded for r in backend.rows)
