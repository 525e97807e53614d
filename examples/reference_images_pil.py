"""Reference page example "PILからの画像" (images from PIL), with ``import runlog as wandb``."""

import numpy as np
from PIL import Image as PILImage
import runlog as wandb

run = wandb.init()
examples = []
for i in range(3):
    pixels = np.random.randint(low=0, high=256, size=(100, 100, 3), dtype=np.uint8)
    pil_image = PILImage.fromarray(pixels, mode="RGB")
    image = wandb.Image(pil_image, caption=f"random field {i}")
    examples.append(image)
run.log({"examples": examples})
