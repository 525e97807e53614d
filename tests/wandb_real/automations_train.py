# wandb/examples, examples/wandb-automations/train.py and utils.py (save_model): the wandb
# calls kept as written; the torch model and MNIST are replaced by a few numbers and bytes.
from pathlib import Path
from types import SimpleNamespace

import wandb

defaults = SimpleNamespace(
    batch_count=3,
    batch_size=128,
    learning_rate=1e-3,
    epochs=1,
    model_name='resnest14d',
    num_classes=10,
    in_chans=1,
    link_model=True,
)

def save_model(model, model_name, models_folder="models", metadata=None, link=False):
    model_name = f"{wandb.run.id}_{model_name}"
    file_name = Path(f"{models_folder}/{model_name}.pth")
    file_name.parent.mkdir(parents=True, exist_ok=True)
    file_name.write_bytes(model)  # torch.save(model.state_dict(), file_name)
    at = wandb.Artifact(model_name,
                        type="model",
                        description="Model checkpoint from TIMM",
                        metadata=metadata)
    at.add_file(file_name)
    wandb.log_artifact(at)
    if link:
        wandb.run.link_artifact(at, 'model-registry/FMNIST_Classifier')

def train(config):
    run = wandb.init(project="wandb_automations",
                     job_type="train",
                     config=config,
                     settings={"disable_git": True})

    # Log code to create a reusable job
    run.log_code(name="train",
                 include_fn=lambda path: path.endswith(".py") or path.endswith(".txt"))

    # Copy your config
    config = run.config
    example_ct = 0
    for epoch in range(config.epochs):
        correct = 0.
        for step in range(config.batch_count):
            train_loss = 1.0 / (step + 1)
            example_ct += config.batch_size
            correct += config.batch_size * 0.5
            train_accuracy = correct / example_ct

            metrics = {"train_loss": train_loss,
                        "train_acc": train_accuracy}

            run.log(metrics)

        run.log(metrics)

    save_model(bytes(range(256)) * 4, model_name=config.model_name,
               metadata=dict(config), link=config.link_model)
    run.finish()

if __name__ == "__main__":
    train(defaults)
