# vwxyzjn/cleanrl, cleanrl/ppo.py: the argument defaults it tracks with and its init call,
# kept as written; the rollout loop is replaced by a few scalars.
import time
from dataclasses import dataclass


@dataclass
class Args:
    exp_name: str = "ppo"
    seed: int = 1
    track: bool = True
    wandb_project_name: str = "cleanRL"
    wandb_entity: str = None
    env_id: str = "CartPole-v1"
    total_timesteps: int = 500000
    learning_rate: float = 2.5e-4


args = Args()
run_name = f"{args.env_id}__{args.exp_name}__{args.seed}__{int(time.time())}"
if args.track:
    import wandb

    wandb.init(
        project=args.wandb_project_name,
        entity=args.wandb_entity,
        sync_tensorboard=True,
        config=vars(args),
        name=run_name,
        monitor_gym=True,
        save_code=True,
    )

# cleanrl's writer (torch.utils.tensorboard's SummaryWriter there; tensorboardX's has the same
# calls and needs no torch) and the scalars ppo.py writes each iteration
from tensorboardX import SummaryWriter

writer = SummaryWriter(f"runs/{run_name}")
writer.add_text(
    "hyperparameters",
    "|param|value|\n|-|-|\n%s" % ("\n".join([f"|{key}|{value}|" for key, value in vars(args).items()])),
)
global_step = 0
for iteration in range(1, 4):
    global_step += 512
    writer.add_scalar("charts/learning_rate", args.learning_rate, global_step)
    writer.add_scalar("losses/value_loss", 1.0 / iteration, global_step)
    writer.add_scalar("charts/SPS", 1000 * iteration, global_step)
writer.close()
