"""The ``files`` backend: the default run directory layout, and its public reader.

``FilesRun``/``is_run_dir`` (in :mod:`runlog.backends.files.reader`) are how the rest of runlog
(``runlog.read``, the CLI) reads a run directory; nothing outside this package parses its files.
"""

from .backend import FilesBackend, factory
from .reader import FilesRun, is_run_dir

__all__ = ["FilesBackend", "FilesRun", "factory", "is_run_dir"]
