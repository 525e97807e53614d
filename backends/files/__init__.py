"""The ``files`` backend: the default run directory layout, and its public reader.

``FilesRun``, ``is_run_dir`` and ``flatten_row`` (from :mod:`runlog.backends.files.reader`) are
how the rest of runlog (``runlog.read``, the CLI) reads a run directory, and
``find_artifact`` / ``artifact_versions`` (:mod:`.artifacts`) how it finds logged artifacts
across the runs of a project; nothing outside this package parses its files. Resuming goes
through :meth:`FilesBackend.existing_run`.
"""

from .artifacts import StoredArtifact, artifact_versions, find_artifact
from .backend import FilesBackend, factory
from .reader import FilesRun, flatten_row, is_run_dir

__all__ = [
    "FilesBackend", "FilesRun", "StoredArtifact", "artifact_versions", "factory",
    "find_artifact", "flatten_row", "is_run_dir",
]
