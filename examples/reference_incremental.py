"""Reference page example "インクリメンタルロギング" (incremental logging), with
``import runlog as wandb``."""

import runlog as wandb

run = wandb.init()
run.log({"loss": 0.2}, commit=False)
# 別の場所でこのステップを報告する準備ができたら:
run.log({"accuracy": 0.8})
