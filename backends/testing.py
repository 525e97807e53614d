"""A conformance kit for backend authors: run the contract's checks against your factory.

::

    from runlog.backends.testing import check_backend

    def test_my_backend_keeps_the_contract(tmp_path):
        check_backend(my_factory, {"url": "..."}, tmp_path)

or, to get one pytest test per check, subclass :class:`BackendConformance` in a test module.
A check that fails raises :class:`ConformanceError` (an ``AssertionError``) saying which rule
the backend broke and how. The checks:

- ``options``: an unknown option is a ``runlog.UsageError`` naming it;
- ``capabilities``: ``name`` is a str, ``capabilities`` (if set) a ``Capabilities`` record, the
  methods exist (``existing_run``/``release`` too when it declares ``resume``);
- ``run``: a real ``runlog.init`` run through the dispatcher and the worker, with every record
  type, every plain value type and every media kind; with ``strict=True`` any exception the
  backend raises fails the check. The calls must come in order (``start`` once, ``write``
  batches, ``flush`` returning a bool, ``close`` once and last), and no media value of a kind
  the backend does not declare may reach it (fallbacks are applied for it);
- ``flush``: with ``read_steps``, every row logged before ``run.flush()`` is readable when it
  returns (your reader decides what "readable" means for your storage);
- ``resume``: a backend declaring ``resume`` reports no run for a fresh id, then reports the
  finished run with ``next_step`` and the summary, and ``init`` without ``resume`` refuses it.

The kit drives the real facade (``runlog``), which it imports when a check runs.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runlog.typespec.errors import UsageError
from runlog.typespec.fallback import iter_media
from runlog.typespec.records import (
    ConfigChanged,
    FileSaved,
    Finished,
    MetricDefined,
    Record,
    Row,
    RunStarted,
    StaleRow,
    SummaryChanged,
    SystemSample,
)

from ._contract import BackendFactory, Capabilities, ExistingRun, capabilities_of

#: ``read_steps(backend, run_dir) -> steps``: the committed steps readable from the backend's
#: storage now (``run_dir`` is the run's ``<dir>/<project>/<run id>``).
ReadSteps = Callable[[Any, Path], list[int]]

#: the name the subject is registered under while a check runs
SUBJECT = "conformance_subject"
_UNKNOWN_OPTION = "conformance_no_such_option"
_ROWS = 3  # rows the exercise commits, at steps 0, 1, 2
_BEST = 0.125  # run.summary["best"], which a resumable backend must report back
_SAMPLE_EVERY = 0.02  # seconds between system-metrics samples in the kit's runs
_SAMPLE_WAIT = 10.0  # seconds the kit waits for the first sample to reach the backend
_ids = itertools.count()


class ConformanceError(AssertionError):
    """A backend broke a rule of the backend contract; the message says which and how."""


def check_backend(
    factory: BackendFactory,
    options: dict[str, Any] | None,
    tmp_path: str | Path,
    read_steps: ReadSteps | None = None,
) -> list[str]:
    """Run every check against ``factory`` built with ``options`` (runs go under ``tmp_path``);
    returns the names of the checks that ran (``flush`` needs ``read_steps``, ``resume`` a
    backend declaring it). The first failing check raises :class:`ConformanceError`."""
    done = []
    for name, check in CHECKS.items():
        if check(factory, dict(options or {}), Path(tmp_path), read_steps):
            done.append(name)
    return done


def check_options(factory: BackendFactory, options: dict[str, Any], root: Path,
                  read_steps: ReadSteps | None = None) -> bool:
    """An unknown option is a UsageError naming it."""
    try:
        factory({**options, _UNKNOWN_OPTION: 1}, _run_dir(root))
    except UsageError as exc:
        if _UNKNOWN_OPTION not in str(exc):
            _fail("options", f"the UsageError for an unknown option does not name it: {exc}")
        return True
    except Exception as exc:  # noqa: BLE001 - any other type is the failure being reported
        _fail("options", f"an unknown option raised {type(exc).__name__} ({exc}); it must "
                         "raise runlog.UsageError naming the option (see runlog.backends.options)")
    _fail("options", f"the factory accepted the unknown option {_UNKNOWN_OPTION!r}; it must "
                     "raise runlog.UsageError (see runlog.backends.options.parse_options)")
    return False


def check_capabilities(factory: BackendFactory, options: dict[str, Any], root: Path,
                       read_steps: ReadSteps | None = None) -> bool:
    """``name``, ``capabilities`` and the methods are declared as the contract says."""
    backend = factory(options, _run_dir(root))
    if not isinstance(getattr(backend, "name", None), str):
        _fail("capabilities", "the backend has no str attribute 'name'")
    caps = getattr(backend, "capabilities", None)
    if caps is not None and not isinstance(caps, Capabilities):
        _fail("capabilities", f"'capabilities' is a {type(caps).__name__}; declare a "
                              "runlog.backends.Capabilities record")
    needed = ["start", "write", "flush", "close"]
    if capabilities_of(backend).resume:
        needed += ["existing_run", "release"]
    missing = [m for m in needed if not callable(getattr(backend, m, None))]
    if missing:
        _fail("capabilities", f"missing method(s): {', '.join(missing)}")
    return True


def check_run(factory: BackendFactory, options: dict[str, Any], root: Path,
              read_steps: ReadSteps | None = None) -> bool:
    """A real run with every record type, value type and media kind, in contract order."""
    _run_through_runlog(factory, options, root, read_steps=None)
    return True


def check_flush(factory: BackendFactory, options: dict[str, Any], root: Path,
                read_steps: ReadSteps | None = None) -> bool:
    """Rows logged before ``flush()`` are readable when it returns True (needs ``read_steps``)."""
    if read_steps is None:
        return False
    _run_through_runlog(factory, options, root, read_steps)
    return True


def check_resume(factory: BackendFactory, options: dict[str, Any], root: Path,
                 read_steps: ReadSteps | None = None) -> bool:
    """A resumable backend reports a finished run's next step and summary; init refuses to
    reuse its id without ``resume``."""
    import runlog

    fresh = factory(options, _run_dir(root))
    if not capabilities_of(fresh).resume:
        return False
    try:
        state = fresh.existing_run()
    finally:
        fresh.release()
    if state is not None:
        _fail("resume", f"existing_run() for an id never used returned {state!r}; expected None")
    run_id = _run_through_runlog(factory, options, root, None)
    backend = factory(options, root / "conformance" / run_id)
    try:
        state = backend.existing_run()
    finally:
        backend.release()
    if not isinstance(state, ExistingRun):
        _fail("resume", f"existing_run() after a finished run returned {state!r}; expected an "
                        "ExistingRun")
    if state.next_step != _ROWS:
        _fail("resume", f"existing_run().next_step is {state.next_step} after rows at steps "
                        f"0..{_ROWS - 1}; expected {_ROWS}")
    best = state.summary.nested().get("best")
    if not (isinstance(best, float) and math.isclose(best, _BEST, rel_tol=1e-6)):
        _fail("resume", f"existing_run().summary has best={best!r}; expected {_BEST} "
                        "(set by run.summary['best'])")
    with _registered(factory) as settings:
        try:
            runlog.init(project="conformance", id=run_id, dir=root,
                        backends=[{SUBJECT: options}], settings=settings).finish()
        except UsageError as exc:
            if "already exists" in str(exc):
                return True
            raise
    _fail("resume", "init() without resume= started over a run the backend reports")
    return False


#: every check, in the order :func:`check_backend` runs them
CHECKS: dict[str, Callable[..., bool]] = {
    "options": check_options,
    "capabilities": check_capabilities,
    "run": check_run,
    "flush": check_flush,
    "resume": check_resume,
}


class BackendConformance:
    """Subclass in a test module (``class TestMine(BackendConformance)``) and set
    :attr:`factory` (and :attr:`options`, :meth:`read_steps`) for one pytest test per check.
    A check that does not apply (``flush`` without ``read_steps``, ``resume`` for a backend
    that cannot resume) is skipped, saying why."""

    #: the backend's factory (a ``staticmethod`` or a plain function stored on the class)
    factory: BackendFactory | None = None
    #: the options every check builds the backend with
    options: dict[str, Any] = {}

    def read_steps(self, backend: Any, run_dir: Path) -> list[int] | None:
        """Override to enable the flush check: the committed steps readable now."""
        return None

    def _check(self, name: str, tmp_path: Path) -> None:
        factory = type(self).factory
        if factory is None:
            raise ConformanceError(f"{type(self).__name__}.factory is not set")
        reader = None if type(self).read_steps is BackendConformance.read_steps else (
            self.read_steps)
        if not CHECKS[name](factory, dict(self.options), tmp_path, reader):
            import pytest

            pytest.skip(f"the {name!r} check does not apply: "
                        + ("define read_steps()" if name == "flush" else
                           "the backend does not declare Capabilities(resume=True)"))

    def test_options(self, tmp_path: Path) -> None:
        """An unknown option is a UsageError naming it."""
        self._check("options", tmp_path)

    def test_capabilities(self, tmp_path: Path) -> None:
        """The declared attributes and methods."""
        self._check("capabilities", tmp_path)

    def test_run(self, tmp_path: Path) -> None:
        """A real run: order, every record type and media kind."""
        self._check("run", tmp_path)

    def test_flush(self, tmp_path: Path) -> None:
        """Flush durability (with :meth:`read_steps`)."""
        self._check("flush", tmp_path)

    def test_resume(self, tmp_path: Path) -> None:
        """Resume, for backends declaring it."""
        self._check("resume", tmp_path)


# -- the exercise -------------------------------------------------------------------------------
class _Recorder:
    """Stands in front of the subject: forwards every call and notes what the contract says
    about it. Declares the subject's capabilities, so the dispatcher treats it the same."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.name = backend.name
        self.capabilities = capabilities_of(backend)
        self.calls: list[str] = []
        self.records: list[Record] = []
        self.flushes: list[Any] = []
        self.closed_with: Any = None

    def existing_run(self) -> ExistingRun | None:
        return self.backend.existing_run()

    def release(self) -> None:
        self.backend.release()

    def start(self, run: RunStarted) -> None:
        self.calls.append("start")
        self.backend.start(run)

    def write(self, records: Any) -> None:
        self.calls.append("write")
        self.records.extend(records)
        self.backend.write(records)

    def flush(self, timeout: float | None) -> bool:
        self.calls.append("flush")
        result = self.backend.flush(timeout)
        self.flushes.append(result)
        return result

    def close(self, finished: Finished) -> None:
        self.calls.append("close")
        self.closed_with = finished
        self.backend.close(finished)


class _registered:
    """Registers the subject under :data:`SUBJECT` for one ``with`` block."""

    def __init__(self, factory: BackendFactory) -> None:
        import runlog

        self.manager = runlog.plugin_manager()

        def build(options: dict[str, Any], run_dir: Path) -> _Recorder:
            return _Recorder(factory(options, run_dir))

        class Hooks:
            @runlog.hookimpl
            def runlog_backends(self) -> dict[str, BackendFactory]:
                return {SUBJECT: build}

        self.hooks = Hooks()

    def __enter__(self) -> dict[str, Any]:
        self.manager.register(self.hooks, name=f"runlog-conformance-{id(self.hooks)}")
        return {"handle_signals": False, "strict": True, "on_stale_step": "keep",
                "system_metrics_interval": _SAMPLE_EVERY}

    def __exit__(self, *exc: Any) -> None:
        self.manager.unregister(self.hooks)


def _run_through_runlog(factory: BackendFactory, options: dict[str, Any], root: Path,
                        read_steps: ReadSteps | None) -> str:
    """One complete run of the subject; returns its id."""
    import runlog

    run_id = f"run{next(_ids)}"
    with _registered(factory) as settings:
        run = runlog.init(project="conformance", id=run_id, dir=root,
                          backends=[{SUBJECT: options}], settings=settings)
        problem: BaseException | None = None
        try:
            _exercise(run, root)
            if run.flush() is not True:
                _fail("run", "run.flush() returned False: the backend's flush() reported its "
                             "data not durable")
            if read_steps is not None:
                _check_readable(read_steps, run)
        except Exception as exc:  # noqa: BLE001 - strict BackendError, or an inline backend's own
            problem = exc
        try:
            run.finish()
        except Exception as exc:  # noqa: BLE001 - reported below unless something came first
            problem = problem or exc
    if isinstance(problem, ConformanceError):
        raise problem
    if problem is not None:
        _fail("run", f"the backend raised: {type(problem).__name__}: {problem}")
    _verify(run.backends[SUBJECT])
    return run_id


def _exercise(run: Any, root: Path) -> None:
    """Every record type, plain value type and media kind, through the public API."""
    import numpy as np
    import runlog

    run.config.update({"lr": 0.1, "layers": [64, 32]})
    run.define_metric("loss", summary="min,last")
    run.log({"loss": 1.0, "int": 1, "flag": True, "text": "a", "none": None,
             "list": [1, 2.5, "x"], "nested": {"a": {"b": 2}}})
    pixels = np.arange(48, dtype=np.uint8).reshape(4, 4, 3)
    saved = root / "conformance-saved.txt"
    saved.write_text("saved by the conformance kit\n", encoding="utf-8")
    run.log({
        "loss": 0.5,
        "image": runlog.Image(pixels, caption="pixels"),
        "images": [runlog.Image(pixels), runlog.Image(pixels[::-1])],
        "audio": runlog.Audio(np.sin(np.linspace(0, 40, 800)), sample_rate=8000),
        "video": runlog.Video(np.zeros((2, 3, 8, 8), dtype=np.uint8), fps=2, format="gif"),
        "histogram": runlog.Histogram([1.0, 2.0, 2.5, 3.0]),
        "table": runlog.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]]),
        "object3d": runlog.Object3D(np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])),
        "html": runlog.Html("<p>conformance</p>"),
        "plot": runlog.plot.line(runlog.Table(columns=["x", "y"], data=[[0, 1], [1, 2]]),
                                 "x", "y", title="line"),
        "file": runlog.File(b"raw bytes", name="raw.bin"),
    })
    run.log({"loss": 2.0}, step=0)  # a stale step: a StaleRow under on_stale_step="keep"
    run.log({"loss": 0.25})
    run.summary["best"] = _BEST
    run.save(str(saved), base_path=str(root))
    _await_system_sample(run.backends[SUBJECT])


def _await_system_sample(recorder: _Recorder) -> None:
    """Wait (boundedly) until the system-metrics sampler has sent the subject a sample."""
    deadline = time.monotonic() + _SAMPLE_WAIT
    while not any(type(r) is SystemSample for r in list(recorder.records)):
        if time.monotonic() > deadline:
            _fail("run", f"no SystemSample reached the backend within {_SAMPLE_WAIT:g} s")
        time.sleep(_SAMPLE_EVERY)


def _check_readable(read_steps: ReadSteps, run: Any) -> None:
    recorder = run.backends[SUBJECT]
    steps = read_steps(recorder.backend, Path(run.dir))
    if sorted(set(steps)) != list(range(_ROWS)):
        _fail("flush", f"after run.flush() returned True the rows of steps {steps} are readable; "
                       f"expected steps 0..{_ROWS - 1}")


def _verify(recorder: _Recorder) -> None:
    """What the recorder saw obeys the contract."""
    calls = recorder.calls
    if calls[:1] != ["start"] or calls.count("start") != 1:
        _fail("run", f"start() must be called once, first; calls were {_squeeze(calls)}")
    if calls.count("close") != 1 or calls[-1] != "close":
        _fail("run", f"close() must be called once, last; calls were {_squeeze(calls)}")
    bad = [f for f in recorder.flushes if not isinstance(f, bool)]
    if bad:
        _fail("run", f"flush() must return a bool, it returned {bad[0]!r}")
    seen = {type(r) for r in recorder.records}
    wanted = {RunStarted, ConfigChanged, MetricDefined, Row, SummaryChanged, FileSaved, Finished,
              SystemSample}
    if recorder.capabilities.stale_rows:
        wanted.add(StaleRow)
    missing = wanted - seen
    if missing:
        _fail("run", f"record types never received: {sorted(t.__name__ for t in missing)}")
    if StaleRow in seen and not recorder.capabilities.stale_rows:
        _fail("run", "received StaleRow records without declaring stale_rows")
    allowed = recorder.capabilities.kinds | {"file"}
    kinds = {m.kind for r in recorder.records for m in iter_media(r)} - allowed
    if kinds:
        _fail("run", f"received media of undeclared kind(s) {sorted(kinds)}: fallbacks failed")
    last = recorder.records[-1]
    closed = recorder.closed_with
    if type(last) is not Finished or type(closed) is not Finished or (
        (closed.status, closed.final_step) != (last.status, last.final_step)
    ):
        _fail("run", f"the last record written must be Finished and close() must get it; "
                     f"got {type(last).__name__} and close({type(closed).__name__})")


def _squeeze(calls: list[str]) -> str:
    out: list[str] = []
    for call, group in itertools.groupby(calls):
        n = len(list(group))
        out.append(call if n == 1 else f"{call}×{n}")
    return ", ".join(out)


def _run_dir(root: Path) -> Path:
    return root / "conformance" / f"probe{next(_ids)}"


def _fail(check: str, message: str) -> None:
    raise ConformanceError(f"backend conformance check {check!r} failed: {message}")

