"""Reference page example "PRカーブ" (PR curve), with ``import runlog as wandb``.

The page leaves ``y_test``, ``y_probas`` and ``labels`` undefined (any classifier's test labels,
predicted probabilities and class names fit); the marked block defines them, the rest is the
page's code. The chart is logged under ``"pr"`` (wandb would move it to ``"pr_table"``).
"""

import runlog as wandb

# -- not on the page: 200 test labels of 3 classes and a classifier's probabilities --------
import numpy as np

rng = np.random.default_rng(0)
labels = ["cat", "dog", "bird"]
y_test = rng.integers(0, 3, size=200)
y_probas = rng.dirichlet(np.ones(3), size=200) + np.eye(3)[y_test]
y_probas /= y_probas.sum(axis=1, keepdims=True)
# -- the page's code -----------------------------------------------------------------------

run = wandb.init()
run.log({"pr": wandb.plot.pr_curve(y_test, y_probas, labels)})
