"""The ``tb`` backend: TensorBoard event files written with tensorboardX's protobufs."""

from .backend import TBBackend, factory

__all__ = ["TBBackend", "factory"]
