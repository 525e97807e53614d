"""Every ```python block of README.md and docs/**/*.md runs as pasted.

Each block runs in a fresh interpreter (as a user pasting it would), in a temporary working
directory holding a copy of ``docs/samples`` (so the shipped sample run is found at the path
the docs use), without any ``RUNLOG_*`` variable. A block fenced ``python file=PATH`` must be
the repository file PATH word for word (that file is run by its own test); a signature or an
excerpt is fenced ``python signature``; output samples ``text``. See docs/testing.md.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
NOT_RUN = "signature"  # the marker word after ``python`` for a block shown but not run


def doc_pages() -> list[Path]:
    """README.md and every Markdown page under docs/, picked up by glob."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def fenced_blocks(page: Path) -> list[tuple[int, str, list[str]]]:
    """``(line, code, info words)`` of each fenced block of a page."""
    text = page.read_text(encoding="utf-8")
    return [(text.count("\n", 0, match.start()) + 1, match.group(2), match.group(1).split())
            for match in FENCE.finditer(text)]


def shown_file(info: list[str]) -> str | None:
    """PATH of a ``file=PATH`` marker, if the block has one."""
    return next((word[5:] for word in info if word.startswith("file=")), None)


BLOCKS = [(page, line, code, info) for page in doc_pages()
          for line, code, info in fenced_blocks(page)]
PYTHON = [(page, line, code, info) for page, line, code, info in BLOCKS
          if info and info[0] in ("python", "py") and shown_file(info) is None]
CASES = [pytest.param(page, code, id=f"{page.relative_to(ROOT)}:{line}")
         for page, line, code, info in PYTHON if NOT_RUN not in info]
SIGNATURES = [pytest.param(code, id=f"{page.relative_to(ROOT)}:{line}")
              for page, line, code, info in PYTHON if NOT_RUN in info]
FILE_CASES = [  # any language: a block marked file=PATH must be that file
    pytest.param(code, shown_file(info), id=f"{page.relative_to(ROOT)}:{line}")
    for page, line, code, info in BLOCKS if shown_file(info) is not None
]


def test_the_collector_finds_the_pages_and_their_blocks():
    pages = {p.relative_to(ROOT).as_posix() for p in doc_pages()}
    assert {"README.md", "docs/guide.md", "docs/backends/tb.md", "docs/testing.md"} <= pages
    assert len(CASES) >= 8 and len(FILE_CASES) >= 4 and SIGNATURES


@pytest.mark.parametrize("code", SIGNATURES)
def test_a_signature_block_is_valid_python(code):
    compile(code, "<signature block>", "exec")  # shown, not run: it must still parse


@pytest.mark.parametrize(("code", "path"), FILE_CASES)
def test_a_block_showing_a_file_is_that_file(code, path):
    assert code == (ROOT / path).read_text(encoding="utf-8"), f"the block differs from {path}"


@pytest.mark.slow
@pytest.mark.parametrize(("page", "code"), CASES)
def test_docs_block_runs_as_pasted(page, code, tmp_path):
    shutil.copytree(ROOT / "docs" / "samples", tmp_path / "docs" / "samples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNLOG_")}
    env["MPLBACKEND"] = "Agg"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{page.name} block failed:\n{code}\n{result.stderr}"


def test_every_block_names_its_language():
    """A bare fence would be neither run nor marked as an output sample."""
    bare = [f"{page.relative_to(ROOT)}:{line}" for page, line, _code, info in BLOCKS if not info]
    assert bare == [], "fence these with a language (python, text, sh, ...)"
