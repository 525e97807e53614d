"""The system-metrics sampler: CPU, memory, disk and network of the process and the machine
(psutil), and NVIDIA GPUs (NVML, when ``pynvml`` imports), every ``interval`` seconds on a
daemon thread of its own, as ``SystemSample`` records (see ``docs/system-metrics.md``)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

from runlog.typespec.errors import warn
from runlog.typespec.records import SystemSample

_MB = 1024 * 1024
#: seconds ``stop()`` waits for a sample being taken to end
_STOP_WAIT = 5.0


class SystemSampler:
    """Calls ``emit(SystemSample)`` every ``interval`` seconds until :meth:`stop`; the first
    sample comes one interval after :meth:`start`. ``t0`` is the run's ``time.monotonic()``
    start, from which ``SystemSample.runtime`` counts."""

    def __init__(self, emit: Callable[[SystemSample], None], interval: float, t0: float) -> None:
        self._emit = emit
        self._interval = interval
        self._t0 = t0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="runlog-system", daemon=True)

    def start(self) -> None:
        """Start sampling on the daemon thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling and wait (briefly) for the thread to end; safe to call again."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(_STOP_WAIT)

    @property
    def alive(self) -> bool:
        """True while the sampling thread runs."""
        return self._thread.is_alive()

    def _main(self) -> None:
        try:
            import psutil
        except ImportError:
            warn("runlog: system metrics need psutil (pip install psutil); none are recorded. "
                 "Turn them off with settings={'system_metrics': False}")
            return
        try:
            probe = Probe(psutil)
        except Exception as exc:  # noqa: BLE001 - the sampler never breaks the run
            warn(f"runlog: system metrics are off: psutil failed ({type(exc).__name__}: {exc})")
            return
        try:
            while not self._stop.wait(self._interval):
                values = probe.sample()
                if values:
                    self._emit(SystemSample(time.time(), time.monotonic() - self._t0, values))
        except Exception as exc:  # noqa: BLE001 - the sampler never breaks the run
            warn(f"runlog: system metrics stopped: {type(exc).__name__}: {exc}")
        finally:
            probe.close()


class Probe:
    """Reads the metrics of this process and machine; a metric the platform refuses (access
    denied, not implemented) is left out of the sample."""

    def __init__(self, psutil: Any) -> None:
        self._psutil = psutil
        self._process = psutil.Process(os.getpid())
        self._process.cpu_percent(None)  # the first call only starts the measurement
        psutil.cpu_percent(None)
        self._disk0 = _get(psutil.disk_io_counters)
        self._net0 = _get(psutil.net_io_counters)
        self._gpus = Gpus.open()

    def sample(self) -> dict[str, float]:
        """``{name: value}`` now (CPU percentages are averages since the previous sample)."""
        ps, proc = self._psutil, self._process
        out: dict[str, float] = {}
        _put(out, "cpu.percent", lambda: ps.cpu_percent(None))
        _put(out, "memory.percent", lambda: ps.virtual_memory().percent)
        _put(out, "memory.available_mb", lambda: ps.virtual_memory().available / _MB)
        _put(out, "disk.percent", lambda: ps.disk_usage(os.path.abspath(os.sep)).percent)
        disk = _get(ps.disk_io_counters)
        if disk is not None and self._disk0 is not None:
            out["disk.read_mb"] = (disk.read_bytes - self._disk0.read_bytes) / _MB
            out["disk.write_mb"] = (disk.write_bytes - self._disk0.write_bytes) / _MB
        net = _get(ps.net_io_counters)
        if net is not None and self._net0 is not None:
            out["network.sent_mb"] = (net.bytes_sent - self._net0.bytes_sent) / _MB
            out["network.recv_mb"] = (net.bytes_recv - self._net0.bytes_recv) / _MB
        _put(out, "proc.cpu.percent", lambda: proc.cpu_percent(None))
        _put(out, "proc.cpu.threads", proc.num_threads)
        _put(out, "proc.memory.rss_mb", lambda: proc.memory_info().rss / _MB)
        _put(out, "proc.memory.percent", proc.memory_percent)
        if self._gpus is not None:
            self._gpus.sample(out)
        return out

    def close(self) -> None:
        """Release NVML, if it was opened."""
        if self._gpus is not None:
            self._gpus.close()


class Gpus:
    """NVIDIA GPUs through NVML (``pynvml``, from the ``nvidia-ml-py`` package)."""

    def __init__(self, nvml: Any) -> None:
        self._nvml = nvml
        self._handles = [nvml.nvmlDeviceGetHandleByIndex(i)
                         for i in range(nvml.nvmlDeviceGetCount())]

    @classmethod
    def open(cls) -> Gpus | None:
        """The GPUs, or None when ``pynvml`` is not importable or NVML finds no driver."""
        try:
            import pynvml
        except ImportError:
            return None
        try:
            pynvml.nvmlInit()
        except Exception:  # noqa: BLE001 - NVMLError: no driver or no GPU here
            return None
        try:
            return cls(pynvml)
        except Exception:  # noqa: BLE001 - NVMLError while listing: no GPU metrics
            pynvml.nvmlShutdown()
            return None

    def sample(self, out: dict[str, float]) -> None:
        """Add ``gpu.<i>.utilization``, ``memory_percent``, ``memory_used_mb``, ``temp_c`` and
        ``power_w`` of every GPU to ``out``."""
        nvml = self._nvml
        for i, handle in enumerate(self._handles):
            name = f"gpu.{i}."
            _put(out, name + "utilization",
                 lambda h=handle: nvml.nvmlDeviceGetUtilizationRates(h).gpu)
            memory = _get(lambda h=handle: nvml.nvmlDeviceGetMemoryInfo(h))
            if memory is not None and memory.total:
                out[name + "memory_percent"] = 100.0 * memory.used / memory.total
                out[name + "memory_used_mb"] = memory.used / _MB
            _put(out, name + "temp_c", lambda h=handle: nvml.nvmlDeviceGetTemperature(
                h, nvml.NVML_TEMPERATURE_GPU))
            _put(out, name + "power_w", lambda h=handle: nvml.nvmlDeviceGetPowerUsage(h) / 1000)

    def close(self) -> None:
        """Shut NVML down."""
        try:
            self._nvml.nvmlShutdown()
        except Exception:  # noqa: BLE001 - already shut down
            pass


def _get(read: Callable[[], Any]) -> Any:
    """``read()``, or None when the platform refuses it."""
    try:
        return read()
    except Exception:  # noqa: BLE001 - psutil.AccessDenied, NVMLError, NotImplementedError
        return None


def _put(out: dict[str, float], name: str, read: Callable[[], Any]) -> None:
    value = _get(read)
    if value is not None:
        out[name] = float(value)
