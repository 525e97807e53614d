"""A duck-typed tensor for tests: what torch values look like to runlog, which never imports
torch."""

from __future__ import annotations

from typing import Any

import numpy as np


class FakeTensor:
    """Offers ``detach().cpu().numpy()`` like a torch tensor; records what was called."""

    def __init__(self, array: Any) -> None:
        self._array = np.asarray(array)
        self.calls: list[str] = []

    def detach(self) -> FakeTensor:
        self.calls.append("detach")
        return self

    def cpu(self) -> FakeTensor:
        self.calls.append("cpu")
        return self

    def numpy(self) -> np.ndarray:
        self.calls.append("numpy")
        return self._array
