"""The ``http`` backend (a client of ``runlog serve``), its spool and protocol constants."""

from .backend import HttpBackend, factory

__all__ = ["HttpBackend", "factory"]
