"""A failed run records the exception that ended it (``Finished.error``, run.json ``error``)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import runlog


def test_an_exception_escaping_the_with_block_is_recorded():
    with pytest.raises(ValueError), runlog.init(backends=["memory"],
                                                 settings={"handle_signals": False}) as run:
        run.log({"x": 1})
        raise ValueError("loss is NaN at step 1")
    finished = run.backends["memory"].finished
    assert (finished.status, finished.exit_code) == ("failed", 1)
    assert finished.error == "ValueError: loss is NaN at step 1"


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no message")


def test_an_exception_with_a_broken_message_or_a_lone_surrogate_is_still_recorded():
    with pytest.raises(Unprintable), runlog.init(backends=["memory"],
                                                  settings={"handle_signals": False}) as run:
        raise Unprintable()
    assert run.backends["memory"].finished.error == "Unprintable"
    with pytest.raises(OSError), runlog.init(backends=["memory"],
                                              settings={"handle_signals": False}) as run:
        raise OSError("no such file: x\udcff")
    assert run.backends["memory"].finished.error == "OSError: no such file: x\\udcff"


def test_a_clean_finish_records_no_error():
    with runlog.init(backends=["memory"], settings={"handle_signals": False}) as run:
        run.log({"x": 1})
    assert run.backends["memory"].finished.error is None


@pytest.mark.slow
def test_an_unhandled_exception_is_recorded_in_run_json(tmp_path):
    script = ("import runlog\n"
              "run = runlog.init(project='p', id='boom', dir='.', backends=['files'])\n"
              "run.log({'x': 1})\n"
              "raise KeyError('batch')\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1 and "KeyError" in result.stderr
    meta = json.loads((tmp_path / "p" / "boom" / "run.json").read_text())
    assert (meta["status"], meta["error"]) == ("failed", "KeyError: 'batch'")
    assert runlog.read(tmp_path / "p" / "boom").metadata["error"] == "KeyError: 'batch'"
