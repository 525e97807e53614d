"""The distribution: a built wheel holds the three packages and works on its own."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_maps_the_three_folders_and_imports(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path),
         str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = tmp_path.glob("runlog-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for path in ("runlog/__init__.py", "runlog/typespec/__init__.py",
                 "runlog/backends/__init__.py", "runlog/backends/memory.py", "runlog/py.typed"):
        assert path in names, path
    assert not any(n.startswith(("facade/", "typespec/", "backends/", "tests/")) for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[runlog]" in text and "runlog.backends._plugin" in text
    assert "runlog = runlog._cli:main" in text

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        f"import sys; sys.path.insert(0, {str(site)!r})\n"
        "import runlog, runlog.typespec, runlog.backends\n"
        f"assert runlog.__file__.startswith({str(site)!r}), runlog.__file__\n"
        "run = runlog.init(backends=['memory'])\n"
        "run.log({'a': 1}); run.finish()\n"
        "print(run.backends['memory'].history[0]['a'])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNLOG_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"
