"""``runlog.backends.testing``: the built-in backends pass it; broken backends fail it clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
import runlog
from runlog.backends import Capabilities, memory
from runlog.backends.files import factory as files_factory
from runlog.backends.options import Option, parse_options
from runlog.backends.tb import factory as tb_factory
from runlog.backends.testing import BackendConformance, ConformanceError, check_backend
from runlog.typespec.records import Row
from test_tb_support import read

# the kit logs every media kind on purpose: backends that render few kinds get fallbacks
pytestmark = pytest.mark.filterwarnings(
    "ignore:runlog. backend 'conformance_subject' does not render:UserWarning")


def memory_steps(backend, run_dir: Path) -> list[int]:
    return [h["_step"] for h in backend.history]


def files_steps(backend, run_dir: Path) -> list[int]:
    return [h["_step"] for h in runlog.read(run_dir).history]


def tb_steps(backend, run_dir: Path) -> list[int]:
    return [e.step for e in read(run_dir).Scalars("loss")]


@pytest.mark.parametrize(("factory", "options", "reader"), [
    (memory.factory, {}, memory_steps),
    (files_factory, {"flush_interval": 3600}, files_steps),
    (tb_factory, {"flush_secs": 3600}, tb_steps),
], ids=["memory", "files", "tb"])
def test_every_built_in_backend_passes(tmp_path, factory, options, reader):
    done = check_backend(factory, options, tmp_path, read_steps=reader)
    resumable = factory is not memory.factory
    assert done == ["options", "capabilities", "run", "flush"] + (["resume"] if resumable else [])


def test_mlflow_passes(tmp_path):
    from mlflow.tracking import MlflowClient
    from runlog.backends.mlflow import factory as mlflow_factory

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"

    def mlflow_steps(backend, run_dir: Path) -> list[int]:
        history = MlflowClient(uri).get_metric_history(backend.run_id, "loss")
        return sorted(m.step for m in history)

    done = check_backend(mlflow_factory, {"tracking_uri": uri}, tmp_path,
                         read_steps=mlflow_steps)
    assert done == ["options", "capabilities", "run", "flush", "resume"]


def test_http_passes(tmp_path):
    from _http_collector import Collector
    from runlog.backends.files import FilesRun
    from runlog.backends.http import factory as http_factory

    with Collector(tmp_path / "D") as collector:
        def http_steps(backend, run_dir: Path) -> list[int]:
            stored = FilesRun(tmp_path / "D" / run_dir.parent.name / run_dir.name)
            return [h["_step"] for h in stored.history]

        done = check_backend(http_factory, {"url": collector.url}, tmp_path,
                             read_steps=http_steps)
    assert done == ["options", "capabilities", "run", "flush", "resume"]


class TestFilesAsAPytestClass(BackendConformance):
    """The pytest form: one test per check (files applies to all of them: none is skipped)."""

    factory = staticmethod(files_factory)
    options = {"flush_interval": 3600}

    def read_steps(self, backend, run_dir):
        return files_steps(backend, run_dir)


class Plain:
    """A correct minimal backend: no media kinds, keeps rows in memory, flush is a no-op."""

    name = "plain"
    OPTIONS = {"prefix": Option("", str, "a str")}

    def __init__(self, options, run_dir):
        self.options = parse_options("plain", options, self.OPTIONS)
        self.rows: list[Row] = []

    def start(self, run):
        pass

    def write(self, records):
        for r in records:
            if type(r) is Row:
                assert all(getattr(v, "kind", "file") == "file" for v in r.values.values())
                self.rows.append(r)

    def flush(self, timeout):
        return True

    def close(self, finished):
        pass


def test_a_minimal_correct_plugin_passes(tmp_path):
    done = check_backend(Plain, {}, tmp_path,
                         read_steps=lambda b, d: [r.step for r in b.rows])
    assert done == ["options", "capabilities", "run", "flush"]


class Lax(Plain):
    def __init__(self, options, run_dir):
        self.rows = []


class Picky(Plain):
    """Declares no media kinds but renders only images: a file value breaks it."""

    def write(self, records):
        for r in records:
            for v in getattr(r, "values", {}).values():
                if getattr(v, "kind", None) == "file":
                    raise TypeError(f"cannot render {v.kind} values")


class NoBool(Plain):
    def flush(self, timeout):
        return None


class Forgetful(Plain):
    """Says it is durable but keeps rows in a buffer that only close() writes out."""

    def __init__(self, options, run_dir):
        super().__init__(options, run_dir)
        self.buffer: list[Row] = []

    def write(self, records):
        self.buffer += [r for r in records if type(r) is Row]

    def close(self, finished):
        self.rows, self.buffer = self.buffer, []


class BadCaps(Plain):
    capabilities = {"kinds": ["image"]}


class HalfResumable(Plain):
    capabilities = Capabilities(resume=True)


@pytest.mark.parametrize(("backend", "message"), [
    (Lax, "check 'options' failed: the factory accepted the unknown option "
          "'conformance_no_such_option'; it must raise runlog.UsageError"),
    (BadCaps, "check 'capabilities' failed: 'capabilities' is a dict; declare a "
              "runlog.backends.Capabilities record"),
    (HalfResumable, "check 'capabilities' failed: missing method\\(s\\): existing_run, release"),
    (Picky, "check 'run' failed: the backend raised: BackendError: backend "
            "'conformance_subject': .* write raised TypeError: cannot render file values"),
    (NoBool, "check 'run' failed: flush\\(\\) must return a bool, it returned None"),
    (Forgetful, "check 'flush' failed: after run.flush\\(\\) returned True the rows of steps "
                "\\[\\] are readable; expected steps 0..2"),
], ids=lambda v: getattr(v, "__name__", "msg"))
def test_a_broken_backend_fails_with_a_message_naming_the_rule(tmp_path, backend, message):
    with pytest.raises(ConformanceError, match=message):
        check_backend(backend, {}, tmp_path, read_steps=lambda b, d: [r.step for r in b.rows])
