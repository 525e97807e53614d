"""Reference page example "ヒストグラム" (histogram), with ``import runlog as wandb``."""

import numpy as np
import runlog as wandb

# 正規分布からランダムにサンプルした勾配
gradients = np.random.randn(100, 100)
run = wandb.init()
run.log({"gradients": wandb.Histogram(gradients)})
