"""Provenance in RunStarted and the system-metrics sampler, read back from every backend."""

from __future__ import annotations

import getpass
import itertools
import json
import platform
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import psutil
import pytest
import runlog
from runlog._provenance import strip_credentials
from runlog._system import Probe
from runlog.typespec.jsonform import record_from_json, record_to_json
from runlog.typespec.records import RunStarted, SystemSample

FAST = {"handle_signals": False, "system_metrics_interval": 0.05}
NO_SAMPLER = {"handle_signals": False, "system_metrics": False}
SYSTEM_KEYS = {"cpu.percent", "memory.percent", "memory.available_mb", "disk.percent",
               "proc.cpu.percent", "proc.cpu.threads", "proc.memory.rss_mb",
               "proc.memory.percent"}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A git repository with one commit, a branch and an origin URL holding a token; the
    test runs inside it."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "trunk")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "t")
    (root / "train.py").write_text("print(1)\n")
    git(root, "add", "train.py")
    git(root, "commit", "-q", "-m", "first")
    git(root, "remote", "add", "origin", "https://user:s3cret@example.com/team/proj.git")
    monkeypatch.chdir(root)
    return root


def wait_for_samples(memory, count: int) -> None:
    """Until the memory backend holds ``count`` samples (10 s at most)."""
    deadline = time.monotonic() + 10
    while len(memory.system) < count:
        assert time.monotonic() < deadline, f"only {len(memory.system)} samples in 10 s"
        time.sleep(0.02)


def sampler_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "runlog-system"]


# -- provenance ------------------------------------------------------------------------------
def test_provenance_is_what_this_process_knows(repo, tmp_path):
    run = runlog.init(project="p", dir=tmp_path / "runs", backends=["memory"],
                      settings=NO_SAMPLER)
    run.finish()
    started = run.backends["memory"].run
    assert started.command == tuple(sys.argv)
    assert started.executable == sys.executable
    assert started.python == platform.python_version()
    assert started.user == getpass.getuser()
    assert started.git == {"commit": git(repo, "rev-parse", "HEAD"), "branch": "trunk",
                           "dirty": False, "remote": "https://example.com/team/proj.git"}


def test_git_dirty_detached_and_disabled(repo, tmp_path):
    (repo / "train.py").write_text("print(2)\n")
    git(repo, "checkout", "-q", "--detach")
    run = runlog.init(project="p", dir=tmp_path / "runs", backends=["memory"],
                      settings=NO_SAMPLER)
    run.finish()
    assert run.backends["memory"].run.git["dirty"] is True
    assert run.backends["memory"].run.git["branch"] is None
    off = runlog.init(project="p", dir=tmp_path / "runs", backends=["memory"],
                      settings={**NO_SAMPLER, "disable_git": True})
    off.finish()
    assert off.backends["memory"].run.git is None


def test_no_git_outside_a_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = runlog.init(project="p", backends=["memory"], settings=NO_SAMPLER)
    run.finish()
    assert run.backends["memory"].run.git is None


def test_disable_git_from_the_environment(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("RUNLOG_DISABLE_GIT", "true")
    run = runlog.init(project="p", dir=tmp_path / "runs", backends=["memory"],
                      settings=NO_SAMPLER)
    run.finish()
    assert run.backends["memory"].run.git is None


@pytest.mark.parametrize(("url", "clean"), [
    ("https://tok@github.com/a/b.git", "https://github.com/a/b.git"),
    ("https://u:p@host:8443/a", "https://host:8443/a"),
    ("git@github.com:a/b.git", "git@github.com:a/b.git"),
    ("ssh://git@host/a", "ssh://host/a"),
    ("/srv/git/b", "/srv/git/b"),
])
def test_remote_urls_lose_their_credentials(url, clean):
    assert strip_credentials(url) == clean


def test_provenance_in_run_json_read_and_show(repo, tmp_path):
    root = tmp_path / "runs"
    run = runlog.init(project="p", id="prov", dir=root, backends=["files"],
                      settings=NO_SAMPLER)
    run.finish()
    meta = json.loads((root / "p" / "prov" / "run.json").read_text())
    assert meta["command"] == sys.argv and meta["executable"] == sys.executable
    assert meta["git"]["commit"] == git(repo, "rev-parse", "HEAD")
    assert runlog.read(root / "p" / "prov").metadata["user"] == getpass.getuser()
    shown = subprocess.run([sys.executable, "-m", "runlog", "show", "prov", "--dir", str(root)],
                           capture_output=True, text=True, timeout=60,
                           env={"COLUMNS": "300", "PATH": "/usr/bin:/bin"})
    assert shown.returncode == 0, shown.stderr
    lines = {cells[0]: cells[1] for line in shown.stdout.splitlines()
             if len(cells := [c.strip() for c in line.split("│")[1:-1]]) == 2}
    assert lines["git"].startswith(git(repo, "rev-parse", "HEAD")[:12])
    assert "trunk" in lines["git"] and lines["user"] == getpass.getuser()
    assert lines["python"].startswith(platform.python_version())


def test_old_run_started_records_read_back_without_provenance():
    old = {"v": 1, "type": "run_started", "id": "a", "project": "p", "name": "a",
           "start_time": 1.0, "config": {}}
    started = record_from_json(old)
    assert (started.command, started.git, started.user) == ((), None, "")
    full = RunStarted("a", "p", "a", 1.0, command=("x.py", "--k"), git={"commit": "c"})
    assert record_from_json(record_to_json(full)) == full


# -- the sampler -----------------------------------------------------------------------------
def test_samples_on_memory_and_files_never_in_history(tmp_path):
    run = runlog.init(project="p", id="sys", dir=tmp_path, backends=["memory", "files"],
                      settings=FAST)
    run.log({"loss": 1.0})
    memory = run.backends["memory"]
    wait_for_samples(memory, 3)
    run.log({"loss": 0.5})
    run.finish()
    samples = memory.system
    assert len(samples) >= 3
    assert set(samples[0]) >= SYSTEM_KEYS
    assert samples[0]["proc.memory.rss_mb"] > 1
    assert 0 <= samples[-1]["proc.memory.percent"] <= 100
    assert all(a["_timestamp"] < b["_timestamp"] for a, b in itertools.pairwise(samples))
    assert memory.history_without_timing() == [{"loss": 1.0, "_step": 0},
                                               {"loss": 0.5, "_step": 1}]
    assert {k: v for k, v in memory.summary.items() if not k.startswith("_")} == {"loss": 0.5}
    view = runlog.read(tmp_path / "p" / "sys")
    assert view.system == samples
    assert [set(row) - {"_step", "_runtime", "_timestamp"} for row in view.history] == [
        {"loss"}, {"loss"}]
    assert {k: v for k, v in view.summary.items() if not k.startswith("_")} == {"loss": 0.5}


def test_samples_on_tensorboard_under_system(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = runlog.init(project="p", id="tbsys", dir=tmp_path, backends=["memory", "tb"],
                      settings=FAST)
    for step in range(3):
        run.log({"loss": 1.0 / (step + 1)})
    wait_for_samples(run.backends["memory"], 2)
    run.finish()
    samples = run.backends["memory"].system
    events = EventAccumulator(str(tmp_path / "p" / "tbsys"), size_guidance={"scalars": 0})
    events.Reload()
    tags = events.Tags()["scalars"]
    assert {f"system/{k}" for k in SYSTEM_KEYS} <= set(tags)
    rss = events.Scalars("system/proc.memory.rss_mb")
    assert [e.wall_time for e in rss] == pytest.approx([s["_timestamp"] for s in samples])
    assert [e.value for e in rss] == pytest.approx([s["proc.memory.rss_mb"] for s in samples],
                                                   rel=1e-6)
    assert [e.step for e in rss] == [int(s["_runtime"]) for s in samples]
    assert [e.step for e in events.Scalars("loss")] == [0, 1, 2]
    provenance = json.loads(events.Tensors("runlog_/provenance/text_summary")[0]
                            .tensor_proto.string_val[0].decode().strip("`json\n"))
    assert provenance["command"] == sys.argv and provenance["user"] == getpass.getuser()


def test_tb_resume_ignores_system_metrics(tmp_path):
    first = runlog.init(project="p", id="res", dir=tmp_path, backends=["memory", "tb"],
                        settings={**FAST, "system_metrics_interval": 0.02})
    first.log({"loss": 1.0})
    wait_for_samples(first.backends["memory"], 2)
    first.finish()
    again = runlog.init(project="p", id="res", dir=tmp_path, backends=["tb"], resume="must",
                        settings=NO_SAMPLER)
    assert again.step == 1
    assert {k: v for k, v in dict(again.summary).items() if not k.startswith("_")} == {
        "loss": 1.0}
    again.finish()


def test_the_sampler_stops_at_finish(tmp_path):
    run = runlog.init(project="p", dir=tmp_path, backends=["memory"], settings=FAST)
    assert len(sampler_threads()) == 1
    wait_for_samples(run.backends["memory"], 1)
    run.finish()
    assert sampler_threads() == []
    records = run.backends["memory"].records
    time.sleep(0.2)  # several intervals: nothing more arrives
    assert run.backends["memory"].records == records
    assert type(records[-1]).__name__ == "Finished"


@pytest.mark.parametrize("settings", [{"system_metrics": False},
                                      {"system_metrics_interval": 0}])
def test_the_sampler_can_be_turned_off(tmp_path, settings):
    run = runlog.init(project="p", dir=tmp_path, backends=["memory"],
                      settings={"handle_signals": False, **settings})
    assert sampler_threads() == []
    time.sleep(0.2)
    run.finish()
    assert run.backends["memory"].system == []


def test_a_disabled_run_has_no_sampler(tmp_path):
    run = runlog.init(project="p", dir=tmp_path, mode="disabled", settings=FAST)
    assert sampler_threads() == []
    run.finish()


def test_import_runlog_does_not_import_psutil_until_a_run_samples(tmp_path):
    code = (
        "import sys, runlog\n"
        "print('psutil' in sys.modules)\n"
        f"run = runlog.init(dir={str(tmp_path)!r}, backends=['memory'],\n"
        "                  settings={'system_metrics_interval': 0.02})\n"
        "import time\n"
        "deadline = time.monotonic() + 10\n"
        "while not run.backends['memory'].system and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)\n"
        "run.finish()\n"
        "print('psutil' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout.split()
    assert out == ["False", "True"]


def test_gpus_are_sampled_through_nvml(monkeypatch):
    """No NVIDIA GPU here: a stand-in ``pynvml`` module answers as NVML does for one GPU."""
    calls = []
    fake = types.SimpleNamespace(
        NVML_TEMPERATURE_GPU=0,
        nvmlInit=lambda: calls.append("init"),
        nvmlShutdown=lambda: calls.append("shutdown"),
        nvmlDeviceGetCount=lambda: 1,
        nvmlDeviceGetHandleByIndex=lambda i: f"gpu{i}",
        nvmlDeviceGetUtilizationRates=lambda h: types.SimpleNamespace(gpu=87, memory=40),
        nvmlDeviceGetMemoryInfo=lambda h: types.SimpleNamespace(used=4 << 30, total=16 << 30),
        nvmlDeviceGetTemperature=lambda h, sensor: 66,
        nvmlDeviceGetPowerUsage=lambda h: 215_500,
    )
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    probe = Probe(psutil)
    values = probe.sample()
    probe.close()
    assert {k: v for k, v in values.items() if k.startswith("gpu.")} == {
        "gpu.0.utilization": 87.0, "gpu.0.memory_percent": 25.0, "gpu.0.memory_used_mb": 4096.0,
        "gpu.0.temp_c": 66.0, "gpu.0.power_w": 215.5}
    assert calls == ["init", "shutdown"]


def test_without_nvml_there_are_no_gpu_keys(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import pynvml raises ImportError
    probe = Probe(psutil)
    assert not [k for k in probe.sample() if k.startswith("gpu.")]


def test_system_sample_json_round_trip():
    sample = SystemSample(1.5, 0.25, {"cpu.percent": 12.5, "gpu.0.temp_c": 60.0})
    assert record_from_json(json.loads(json.dumps(record_to_json(sample)))) == sample


# -- network backends ------------------------------------------------------------------------
def test_the_collector_stores_samples_and_provenance(tmp_path):
    from _http_collector import Collector

    with Collector(tmp_path / "D") as collector:
        run = runlog.init(project="p", id="remote", dir=tmp_path / "local",
                          backends=["memory", f"http:url={collector.url}"], settings=FAST)
        run.log({"loss": 1.0})
        wait_for_samples(run.backends["memory"], 2)
        run.finish()
        stored = runlog.read(tmp_path / "D" / "p" / "remote")
        assert stored.system == run.backends["memory"].system
        assert stored.metadata["command"] == sys.argv
        assert [set(row) - {"_step", "_runtime", "_timestamp"} for row in stored.history] == [
            {"loss"}]


def test_mlflow_gets_system_metrics_and_source_tags(repo, tmp_path, monkeypatch):
    from mlflow import MlflowClient

    monkeypatch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    run = runlog.init(project="p", id="ml", dir=tmp_path / "runs",
                      backends=["memory", f"mlflow:tracking_uri={uri}"], settings=FAST)
    run.log({"loss": 1.0})
    wait_for_samples(run.backends["memory"], 2)
    run.finish()
    samples = run.backends["memory"].system
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("p")
    (found,) = client.search_runs([experiment.experiment_id])
    tags = found.data.tags
    assert tags["mlflow.source.git.commit"] == git(repo, "rev-parse", "HEAD")
    assert tags["mlflow.source.git.branch"] == "trunk"
    assert tags["mlflow.source.git.repoURL"] == "https://example.com/team/proj.git"
    assert tags["mlflow.user"] == getpass.getuser()
    assert tags["mlflow.source.name"] == sys.argv[0]
    assert json.loads(tags["runlog.command"]) == sys.argv
    points = sorted(client.get_metric_history(found.info.run_id, "system/proc.cpu.threads"),
                    key=lambda m: m.timestamp)
    assert [(m.value, m.timestamp) for m in points] == [
        (s["proc.cpu.threads"], int(s["_timestamp"] * 1000)) for s in samples]
    assert "loss" in found.data.metrics
