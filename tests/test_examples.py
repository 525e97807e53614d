"""The scripts and packages in examples/, run as a user runs them, with assertions on what
they produced."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_python(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_ci_testing_example_passes_with_the_fixture(tmp_path):
    shutil.copytree(EXAMPLES / "ci_testing", tmp_path / "ci_testing")
    result = run_python("-m", "pytest", "-q", "-p", "no:cacheprovider", "ci_testing",
                        cwd=tmp_path)
    assert "3 passed" in result.stdout
