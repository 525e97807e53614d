"""Reference page example "numpyからの画像" (images from numpy), with ``import runlog as wandb``."""

import numpy as np
import runlog as wandb

run = wandb.init()
examples = []
for i in range(3):
    pixels = np.random.randint(low=0, high=256, size=(100, 100, 3))
    image = wandb.Image(pixels, caption=f"random field {i}")
    examples.append(image)
run.log({"examples": examples})
