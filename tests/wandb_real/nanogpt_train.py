# The wandb calls of karpathy/nanoGPT, train.py (the config globals, the init call, the
# eval-interval log call). The model and the loss estimate are replaced by numbers.
import numpy as np

wandb_log = True
wandb_project = 'owt'
wandb_run_name = 'gpt2'  # 'run' + str(time.time())
eval_interval = 2
max_iters = 6
learning_rate = 6e-4
config_keys = [k for k, v in globals().items()
               if not k.startswith('_') and isinstance(v, (int, float, bool, str))]
config = {k: globals()[k] for k in config_keys}  # will be useful for logging
master_process = True

if wandb_log and master_process:
    import wandb
    wandb.init(project=wandb_project, name=wandb_run_name, config=config)

iter_num = 0
running_mfu = -1.0
while True:
    lr = learning_rate
    if iter_num % eval_interval == 0 and master_process:
        losses = {'train': np.float32(4.0 / (iter_num + 1)), 'val': np.float32(4.2 / (iter_num + 1))}
        if wandb_log:
            wandb.log({
                "iter": iter_num,
                "train/loss": losses['train'],
                "val/loss": losses['val'],
                "lr": lr,
                "mfu": running_mfu*100, # convert to percentage
            })
    iter_num += 1
    if iter_num > max_iters:
        break
