"""Duck-typed tensors (torch, jax, TensorFlow) to numpy, without importing any framework."""

from __future__ import annotations

from typing import Any


def to_numpy(value: Any) -> Any:
    """A numpy array from a duck-typed torch / jax / tf tensor, or None if it is not one."""
    if isinstance(value, type):  # a tensor class is a callable, not a tensor
        return None
    v = value
    if hasattr(v, "detach") and callable(v.detach):
        v = v.detach()
        if hasattr(v, "cpu"):
            v = v.cpu()
    if hasattr(v, "numpy") and callable(v.numpy):
        try:
            out = v.numpy()
        except Exception:  # noqa: BLE001 - not a tensor after all
            out = None
        if out is not None:
            import numpy as np

            return np.asarray(out)
    if hasattr(v, "__array__"):
        import numpy as np

        return np.asarray(v)
    return None
