"""runlog as users install and run it: scripts next to the default run directory, Python 3.10."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """\
import runlog

run = runlog.init(project="p")
run.log({"loss": 0.5})
run.finish()
print(run.dir)
"""


def _python_3_10() -> str | None:
    """A Python 3.10 interpreter: pyenv's (the machine image and CI have one), else on PATH."""
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    found = sorted(pyenv.glob("versions/3.10*/bin/python"))
    return str(found[-1]) if found else shutil.which("python3.10")


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("RUNLOG_")}


def _run(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=_clean_env(), capture_output=True, text=True,
                          timeout=timeout)


def test_a_script_runs_twice_from_one_directory(tmp_path):
    """The default run directory sits next to the script; the second run must still import
    the installed runlog, not the run directory (the test venv has runlog installed with
    ``pip install -e``)."""
    (tmp_path / "train.py").write_text(SCRIPT, encoding="utf-8")
    dirs = []
    for _ in range(2):
        out = _run([sys.executable, "train.py"], tmp_path)
        assert out.returncode == 0, out.stderr
        dirs.append(Path(out.stdout.strip()))
    assert [d.parents[1] for d in dirs] == [tmp_path / "runlog-runs"] * 2
    assert dirs[0] != dirs[1] and all((d / "history.jsonl").is_file() for d in dirs)


def test_the_quick_start_leaves_a_directory_that_python_m_does_not_import(tmp_path):
    """The README's order: the quick start writes its runs into the current directory, then
    ``python -m pytest`` runs from that directory (the current directory comes first on
    ``sys.path`` under ``python -m``/``-c``)."""
    shutil.copy(ROOT / "examples" / "quickstart.py", tmp_path)
    quick = _run([sys.executable, "quickstart.py"], tmp_path)
    assert quick.returncode == 0, quick.stderr
    assert list((tmp_path / "runlog-runs" / "quickstart").iterdir())
    out = _run([sys.executable, "-c", "import runlog; print(len(runlog.__all__), runlog.__file__)"],
               tmp_path)
    assert out.returncode == 0, out.stderr
    count, path = out.stdout.split()
    assert int(count) > 10 and Path(path).is_relative_to(ROOT)


@pytest.mark.slow
def test_init_log_finish_on_python_3_10(tmp_path):
    """``pip install .`` into a fresh 3.10 venv (the machine's pip index), then a tiny run:
    the declared dependencies must be enough on the oldest Python the package claims. The
    interpreter is part of the machine image (and of CI's), so its absence is a failure."""
    py310 = _python_3_10()
    assert py310, "no Python 3.10 found (pyenv's versions/3.10*, or python3.10 on PATH)"
    env_dir = tmp_path / "venv"
    made = _run([py310, "-m", "venv", str(env_dir)], tmp_path)
    assert made.returncode == 0, made.stderr
    python = env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"
    source = tmp_path / "src"  # pip builds in the source tree: build a copy, not the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", "runlog-runs", ".*_cache"))
    pip = _run([str(python), "-m", "pip", "install", "-q", str(source)], tmp_path, timeout=600)
    assert pip.returncode == 0, pip.stderr
    (tmp_path / "train.py").write_text(
        SCRIPT + "print(runlog.read(run.dir).history[0]['loss'])\n", encoding="utf-8")
    out = _run([str(python), "train.py"], tmp_path)
    assert out.returncode == 0, out.stderr
    run_dir, loss = out.stdout.split()
    assert loss == "0.5" and Path(run_dir).parents[1] == tmp_path / "runlog-runs"
    version = _run([str(python), "-c", "import sys; print(sys.version_info[:2])"], tmp_path)
    assert version.stdout.strip() == "(3, 10)"
