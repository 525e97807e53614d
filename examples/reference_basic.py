"""Reference page example "基本的な使い方" (basic usage), with ``import runlog as wandb``."""

import runlog as wandb

run = wandb.init()
run.log({"accuracy": 0.9, "epoch": 5})
