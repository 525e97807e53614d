"""runlog's media types, one module each; the base class and the kind names live in ``base``.

The type modules (``image``, ``video``, …) load on first use, so ``import runlog`` stays light.
"""

from .base import KINDS, MEDIA_TYPES, Media, MediaSequence

__all__ = ["KINDS", "MEDIA_TYPES", "Media", "MediaSequence"]
