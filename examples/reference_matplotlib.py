"""Reference page example "Matplotlibプロット" (matplotlib plot), with ``import runlog as wandb``.

The figure is logged as a PNG image (rendered with Agg; no display needed).
"""

import numpy as np
from matplotlib import pyplot as plt
import runlog as wandb

run = wandb.init()
fig, ax = plt.subplots()
x = np.linspace(0, 10)
y = x * x
ax.plot(x, y)  # プロット y = x^2
run.log({"chart": fig})
