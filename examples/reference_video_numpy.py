"""Reference page example "numpyからのビデオ" (video from numpy), ``import runlog as wandb``."""

import numpy as np
import runlog as wandb

run = wandb.init()
# 軸は (time, channel, height, width)
frames = np.random.randint(low=0, high=256, size=(10, 3, 100, 100), dtype=np.uint8)
run.log({"video": wandb.Video(frames, fps=4)})
