"""The snippets of wandb's documentation pages (wandb/docs, content/en/guides/models/track/),
kept as written, run with ``import wandb`` giving runlog; each test names its page. Names a
snippet leaves to the reader (``image_array``, ``acc``, ``threshold``...) are given values."""
# the snippets keep their authors' style: unused loop variables, nested with blocks
# ruff: noqa: B007, RUF059, SIM117

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import runlog
from _compat_helpers import stand_in


@pytest.fixture
def wandb(monkeypatch):
    yield from stand_in(monkeypatch)


# -- log/customize-logging-axes.md ----------------------------------------------------------

def test_custom_axes_x_axis_squared(wandb):
    import random

    import wandb

    with wandb.init() as run:
        run.define_metric(step_metric = "x_axis_squared", name = "validation_loss")

        for i in range(10):
            log_dict = {
                "x_axis_squared": i**2,
                "validation_loss": random.random(),
            }
            run.log(log_dict)

    recorded = runlog.read(run.dir)
    assert [row["x_axis_squared"] for row in recorded.history] == [i**2 for i in range(10)]
    (metric,) = [m for m in recorded.records() if type(m).__name__ == "MetricDefined"]
    assert (metric.name, metric.step_metric) == ("validation_loss", "x_axis_squared")


def test_custom_axes_glob(wandb):
    import wandb

    with wandb.init() as run:

        # set all other train/ metrics to use this step
        run.define_metric("train/*", step_metric="train/step")

        for i in range(10):
            log_dict = {
                "train/step": 2**i,  # exponential growth w/ internal W&B step
                "train/loss": 1 / (i + 1),  # x-axis is train/step
                "train/accuracy": 1 - (1 / (1 + i)),  # x-axis is train/step
                "val/loss": 1 / (1 + i),  # x-axis is internal wandb step
            }
            run.log(log_dict)

    history = runlog.read(run.dir).history
    assert [row["train/step"] for row in history] == [2**i for i in range(10)]
    assert [row["_step"] for row in history] == list(range(10))


# -- log/log-summary.md ---------------------------------------------------------------------

def test_summary_best_accuracy(wandb):
    import wandb

    class args:  # the page's argparse result
        epochs = 5
    accuracies = iter([0.5, 0.7, 0.6, 0.9, 0.8])

    def test():
        return 0.1, next(accuracies)

    wandb.init(config=args)

    best_accuracy = 0
    for epoch in range(1, args.epochs + 1):
        test_loss, test_accuracy = test()
        if test_accuracy > best_accuracy:
            wandb.summary["best_accuracy"] = test_accuracy
            best_accuracy = test_accuracy

    run = wandb.run
    wandb.finish()
    recorded = runlog.read(run.dir)
    assert recorded.summary["best_accuracy"] == 0.9 and recorded.config["epochs"] == 5


def test_summary_min_and_max(wandb):
    import random

    import wandb

    random.seed(1)
    wandb.init()

    # Min and max summary values for loss
    wandb.define_metric("loss", summary="min")
    wandb.define_metric("loss", summary="max")

    # Min and max summary values for accuracy
    wandb.define_metric("acc", summary="min")
    wandb.define_metric("acc", summary="max")

    for i in range(10):
        log_dict = {
            "loss": random.uniform(0, 1 / (i + 1)),
            "acc": random.uniform(1 / (i + 1), 1),
        }
        wandb.log(log_dict)

    run = wandb.run
    wandb.finish()
    recorded = runlog.read(run.dir)
    losses = [row["loss"] for row in recorded.history]
    accs = [row["acc"] for row in recorded.history]
    assert recorded.summary["loss"] == {"min": min(losses), "max": max(losses)}
    assert recorded.summary["acc"] == {"min": min(accs), "max": max(accs)}


def test_summary_public_api_is_refused_in_one_line(wandb):
    import wandb

    with pytest.raises(wandb.errors.UnsupportedError, match=r"read runs with runlog\.read\(\)"):
        api = wandb.Api()
        api.run("username/project/run_id")


# -- runs/multiple-runs-per-process.md ------------------------------------------------------

def test_multiple_runs_create_new(wandb):
    import wandb

    def train(name: str) -> None:
        with wandb.init(
            project="my_project",
            name=name,
            reinit="create_new"
        ) as run:
            # In a real script, you'd run your training steps inside this block.
            run.log({"train_loss": 0.42})  # Replace with your real metric(s)

    def evaluate_loss_accuracy() -> (float, float):
        return 0.27, 0.91  # Example metric values

    # Create a 'primary' run that remains active throughout multiple train/eval steps.
    with wandb.init(
        project="my_project",
        name="tracking_run",
        reinit="create_new"
    ) as tracking_run:
        # 1) Train once under a sub-run named 'training_1'
        train("training_1")
        loss, accuracy = evaluate_loss_accuracy()
        tracking_run.log({"eval_loss": loss, "eval_accuracy": accuracy})

        # 2) Train again under a sub-run named 'training_2'
        train("training_2")
        loss, accuracy = evaluate_loss_accuracy()
        tracking_run.log({"eval_loss": loss, "eval_accuracy": accuracy})

    runs = {run.name: run for run in map(runlog.read, Path("runlog-runs/my_project").iterdir())}
    assert sorted(runs) == ["tracking_run", "training_1", "training_2"]
    assert [row["eval_loss"] for row in runs["tracking_run"].history] == [0.27, 0.27]
    assert [row["train_loss"] for row in runs["training_1"].history] == [0.42]
    assert all(run.status == "finished" for run in runs.values())


def test_multiple_runs_setup_create_new(wandb):
    import wandb

    results = []

    def do_experiment(run):
        run.log({"fine": 1.0})
        return {"result": 0.5}

    wandb.setup(wandb.Settings(reinit="create_new"))

    with wandb.init() as experiment_results_run:
        # This run will be used to log the results of each experiment.
        # You can think of this as a parent run that collects results
          with wandb.init() as run:
             # The do_experiment() function logs fine-grained metrics
             # to the given run and returns result metrics that
             # you want to track separately.
             experiment_results = do_experiment(run)

             # After each experiment, log its results to a parent
             # run. Each point in the parent run's charts corresponds
             # to one experiment's results.
             experiment_results_run.log(experiment_results)
             results.append(experiment_results_run)

    parent = runlog.read(experiment_results_run.dir)
    assert [row["result"] for row in parent.history] == [0.5]
    assert [row["fine"] for row in runlog.read(run.dir).history] == [1.0]


# -- runs/alert.md --------------------------------------------------------------------------

def test_alerts(wandb):
    import wandb
    from wandb import AlertLevel

    acc, threshold = 0.2, 0.3

    run = wandb.init()
    run.alert(title="High Loss", text="Loss is increasing rapidly")

    if acc < threshold:
        run.alert(
            title="Low accuracy",
            text=f"Accuracy {acc} is below the acceptable threshold {threshold}",
            level=AlertLevel.WARN,
            wait_duration=300,
        )

    run.finish()
    alerts = runlog.read(run.dir).alerts
    assert [(a["title"], a["level"]) for a in alerts] == [
        ("High Loss", "INFO"), ("Low accuracy", "WARN")]
    assert alerts[1]["text"] == "Accuracy 0.2 is below the acceptable threshold 0.3"


# -- runs/resuming.md -----------------------------------------------------------------------

def test_resuming_must_and_allow(wandb):
    import wandb

    first = wandb.init(project="resumable", id="akj172")
    first.log({"loss": 1.0})
    first.finish()

    run = wandb.init(entity="me", \
            project="resumable", id="akj172", resume="must")
    run.log({"loss": 0.5})
    run.finish()

    run = wandb.init(entity="me", \
            project="resumable", id="akj172", resume="allow")
    run.log({"loss": 0.25})
    run.finish()

    recorded = runlog.read(run.dir)
    assert [(row["_step"], row["loss"]) for row in recorded.history] == [
        (0, 1.0), (1, 0.5), (2, 0.25)]
    with pytest.raises(runlog.UsageError):
        wandb.init(project="resumable", id="akj172", resume="never")
    with pytest.raises(runlog.UsageError):
        wandb.init(project="resumable", id="nosuchrun", resume="must")


def test_resuming_from_the_environment(wandb, monkeypatch):
    import wandb

    monkeypatch.setenv("WANDB_RUN_ID", "akj172")
    for loss in (1.0, 0.5):
        monkeypatch.setenv("WANDB_RESUME", "allow")
        run = wandb.init(project="eval")
        run.log({"loss": loss})
        run.finish()
    assert [row["loss"] for row in runlog.read(run.dir).history] == [1.0, 0.5]


# -- log/log-tables.md ----------------------------------------------------------------------

def test_tables(wandb, tmp_path):
    import pandas as pd
    import wandb
    from PIL import Image

    for i in range(4):
        Image.new("RGB", (8, 8), (i * 60, 0, 0)).save(f"img_{i}.jpg")

    wandb.Table(columns=["a", "b", "c"], data=[["1a", "1b", "1c"], ["2a", "2b", "2c"]])

    my_data = [
        [0, wandb.Image("img_0.jpg"), 0, 0],
        [1, wandb.Image("img_1.jpg"), 8, 0],
        [2, wandb.Image("img_2.jpg"), 7, 1],
        [3, wandb.Image("img_3.jpg"), 1, 1],
    ]

    # create a wandb.Table() with corresponding columns
    columns = ["id", "image", "prediction", "truth"]
    test_table = wandb.Table(data=my_data, columns=columns)

    table = wandb.Table(columns=["a", "b", "c"])
    table.add_data("3a", "3b", "3c")
    table.add_column(name="col_name", data=["x"])
    assert list(table.get_column("col_name")) == ["x"]
    frame = wandb.Table(dataframe=pd.DataFrame({"a": [1, 2], "b": [3.0, 4.0]}))

    with wandb.init() as run:
        my_table = wandb.Table(columns=["a", "b"], data=[["1a", "1b"], ["2a", "2b"]])
        run.log({"table_key": my_table})
        run.log({"predictions": test_table, "more": table, "frame": frame})

    first, second = runlog.read(run.dir).history
    assert first["table_key"].data == [["1a", "1b"], ["2a", "2b"]]
    assert second["predictions"].columns == columns
    assert [row[2] for row in second["predictions"].data] == [0, 8, 7, 1]
    assert second["frame"].data == [[1, 3.0], [2, 4.0]]


# -- log/media.md ---------------------------------------------------------------------------

def test_media(wandb):
    import wandb
    from PIL import Image

    image_array = np.random.default_rng(0).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    grads = np.random.default_rng(1).normal(size=1000)

    with wandb.init(project="image-log-example") as run:

        images = wandb.Image(image_array, caption="Top: Output, Bottom: Input")

        run.log({"examples": images})

    with pytest.raises(runlog.UsageError, match="project '' is not usable"):
        wandb.init(project="")  # the page's empty project name: runlog asks for one
    with wandb.init(project="pil") as run2:
        # Create a PIL image from a NumPy array
        image = Image.fromarray(image_array)

        # Optionally, convert to RGB if needed
        if image.mode != "RGB":
            image = image.convert("RGB")

        # Log the image
        run2.log({"example": wandb.Image(image, caption="My Image")})
        run2.log({"gradients": wandb.Histogram(grads)})
        np_hist_grads = np.histogram(grads, density=True, range=(0.0, 1.0))
        # the page passes the tuple positionally, which wandb cannot read either; its text
        # says to pass it as np_histogram=
        with pytest.raises(runlog.DataError, match="Histogram: sequence must be numbers"):
            wandb.Histogram(np_hist_grads)
        run2.log({"gradients": wandb.Histogram(np_histogram=np_hist_grads)})
        point_cloud = np.array([[0, 0, 0, 3]])
        run2.log({"point_cloud": wandb.Object3D(point_cloud)})

    (row,) = runlog.read(run.dir).history
    assert row["examples"].caption == "Top: Output, Bottom: Input"
    assert np.array_equal(row["examples"].to_numpy(), image_array)
    history = runlog.read(run2.dir).history
    assert history[0]["example"].caption == "My Image"
    assert sum(history[1]["gradients"].values) == 1000
    assert history[2]["gradients"].bins[0] == 0.0 and history[2]["gradients"].bins[-1] == 1.0
    assert [type(r[k]).__name__ for r, k in zip(history[1:], ["gradients"] * 2 + [
        "point_cloud"])] == ["Histogram", "Histogram", "Object3D"]


# -- log/plots.md ---------------------------------------------------------------------------

def test_plots(wandb):
    import matplotlib

    matplotlib.use("Agg")
    import wandb

    x_values, y_values = [0, 1, 2], [0.5, 0.25, 0.125]
    class_x_scores, class_y_scores = [0.1, 0.9], [0.8, 0.2]
    labels, values = ["cat", "dog"], [3, 5]
    scores = [0.1, 0.4, 0.45, 0.9]
    ground_truth, predictions, class_names = [0, 1, 1], [0, 1, 0], ["no", "yes"]

    with wandb.init() as run:
        data = [[x, y] for (x, y) in zip(x_values, y_values)]
        table = wandb.Table(data=data, columns=["x", "y"])
        run.log(
            {
                "my_custom_plot_id": wandb.plot.line(
                    table, "x", "y", title="Custom Y vs X Line Plot"
                )
            }
        )
        data = [[x, y] for (x, y) in zip(class_x_scores, class_y_scores)]
        table = wandb.Table(data=data, columns=["class_x", "class_y"])
        run.log({"my_custom_id": wandb.plot.scatter(table, "class_x", "class_y")})
        data = [[label, val] for (label, val) in zip(labels, values)]
        table = wandb.Table(data=data, columns=["label", "value"])
        run.log(
            {
            "my_bar_chart_id": wandb.plot.bar(
                table, "label", "value", title="Custom Bar Chart"
            )
        }
    )
        data = [[s] for s in scores]
        table = wandb.Table(data=data, columns=["scores"])
        run.log({"my_histogram": wandb.plot.histogram(table, "scores", title="Histogram")})

    with wandb.init() as run2:
        run2.log(
            {
                "my_custom_id": wandb.plot.line_series(
                    xs=[0, 1, 2, 3, 4],
                    ys=[[10, 20, 30, 40, 50], [0.5, 11, 72, 3, 41]],
                keys=["metric Y", "metric Z"],
                title="Two Random Metrics",
                xname="x units",
            )
        }
    )

    with wandb.init() as run3:
        ground_truth = [0, 1, 1, 0]
        predictions = [0.1, 0.4, 0.35, 0.8]
        run3.log({"pr": wandb.plot.pr_curve(ground_truth, predictions)})
        run3.log({"roc": wandb.plot.roc_curve(ground_truth, predictions)})

    ground_truth, predictions = [0, 1, 1], [0, 1, 0]
    cm = wandb.plot.confusion_matrix(
        y_true=ground_truth, preds=predictions, class_names=class_names
    )

    with wandb.init() as run4:
        run4.log({"conf_mat": cm})

    data = [[0, 1.5], [1, 1.7]]
    table = wandb.Table(data=data, columns=["step", "height"])
    fields = {"x": "step", "value": "height"}
    my_custom_chart = wandb.plot_table(
        vega_spec_name="carey/new_chart",
        data_table=table,
        fields=fields,
        string_fields={"title": "Height Histogram"},
    )

    import matplotlib.pyplot as plt

    with wandb.init() as run5:
        run5.log({"my_custom_chart": my_custom_chart})
        plt.figure()
        plt.plot([1, 2, 3, 4])
        plt.ylabel("some interesting numbers")
        run5.log({"chart": plt})

    def charts(run):
        return {k: (v.chart, v.title) for row in runlog.read(run.dir).history
                for k, v in row.items() if not k.startswith("_") and k != "chart"}

    assert charts(run) == {
        "my_custom_plot_id": ("line", "Custom Y vs X Line Plot"),
        "my_custom_id": ("scatter", None), "my_bar_chart_id": ("bar", "Custom Bar Chart"),
        "my_histogram": ("histogram", "Histogram")}
    (series,) = runlog.read(run2.dir).history
    assert series["my_custom_id"].title == "Two Random Metrics"
    assert {k: v[0] for k, v in charts(run3).items()} == {"pr": "pr_curve", "roc": "roc_curve"}
    assert charts(run4)["conf_mat"][0] == "confusion_matrix"
    custom, chart = runlog.read(run5.dir).history
    assert custom["my_custom_chart"].spec == "carey/new_chart"
    assert type(chart["chart"]).__name__ in ("Image", "Html")
