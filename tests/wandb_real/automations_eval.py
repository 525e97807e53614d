# wandb/examples, examples/wandb-automations/eval.py and utils.py (load_model): the wandb calls
# kept as written; the model artifact name is the one train.py logged (given in argv).
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import wandb

defaults = SimpleNamespace(
    batch_size=4,
    model_artifact = sys.argv[1] + ":latest",
    log_images = True
)

def load_model(model_artifact_name, eval=True):
    artifact = wandb.use_artifact(model_artifact_name, type="model")
    model_path = Path(artifact.download()).absolute()
    model_config = SimpleNamespace(**artifact.metadata)
    weights = next(model_path.glob("*.pth")).read_bytes()  # torch.load(...)
    return weights, model_config

def validate_model(model, config=defaults):
    table = wandb.Table(columns=["image", "label", "pred"]+[f"score_{i}" for i in range(10)])
    for label in range(config.batch_size):
        prob = np.full(10, 0.1)
        table.add_data(wandb.Image(np.zeros((32, 32))), label, label, *prob)
    wandb.log({"predictions":table}, commit=False)
    return 0.25, 1.0

def eval(config):
    run = wandb.init(project="wandb_automations",
                     job_type="eval",
                     config=config,
                     settings={"disable_git": True})
    run.log_code(name="eval",
                 include_fn=lambda path: path.endswith(".py") or path.endswith(".txt"))
    config = run.config
    model = load_model(config.model_artifact)
    val_loss, val_acc = validate_model(model, config)
    run.log({"val_loss": val_loss, "val_acc": val_acc})
    run.finish()
    return model

if __name__ == "__main__":
    MODEL = eval(defaults)
