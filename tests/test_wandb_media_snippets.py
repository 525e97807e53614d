"""Snippets of wandb's documentation for plots and custom charts, run with only the import
changed (``import runlog as wandb``); what the files backend recorded is read back."""

from __future__ import annotations

import json

import matplotlib
import plotly.graph_objects as go
import runlog
import runlog as wandb

matplotlib.use("Agg")


def recorded(run) -> dict:
    [row] = runlog.read(run.dir).history
    return row


def test_line_series_docstring_examples():
    # 1. a single x array shared by every y series
    with wandb.init(project="line_series_example") as run:
        xs = list(range(10))
        ys = [
            [i for i in range(10)],  # y = x
            [i**2 for i in range(10)],  # y = x^2
            [i**3 for i in range(10)],  # y = x^3
        ]
        line_series_chart = wandb.plot.line_series(
            xs,
            ys,
            title="title",
            xname="step",
        )
        run.log({"line-series-single-x": line_series_chart})
    chart = recorded(run)["line-series-single-x"]
    assert chart.spec == "wandb/lineseries/v0" and len(chart.table.data) == 30
    assert chart.table.data[29] == [9, "line_2", 729]

    # 3. custom line labels
    with wandb.init(project="line_series_example") as run:
        xs = list(range(10))
        ys = [[i for i in range(10)], [i**2 for i in range(10)], [i**3 for i in range(10)]]
        keys = ["Linear", "Quadratic", "Cubic"]
        line_series_chart = wandb.plot.line_series(
            xs,
            ys,
            keys=keys,  # Custom keys (line labels)
            title="Custom Line Labels Example",
            xname="Step",
        )
        run.log({"line-series-custom-keys": line_series_chart})
    chart = recorded(run)["line-series-custom-keys"]
    assert sorted({row[1] for row in chart.table.data}) == ["Cubic", "Linear", "Quadratic"]
    assert json.loads(chart.payload().data)["string_fields"] == {
        "title": "Custom Line Labels Example", "xname": "Step"}


def test_log_plots_page_matplotlib_and_plotly():
    import matplotlib.pyplot as plt

    plt.close("all")
    wandb.init(project="plots")
    plt.plot([1, 2, 3, 4])
    plt.ylabel("some interesting numbers")
    wandb.log({"chart": plt})
    fig = go.Figure(data=go.Bar(y=[2, 3, 1]))
    wandb.log({"plotly_chart": fig})
    run = wandb.run
    wandb.finish()
    plt.close("all")
    rows = runlog.read(run.dir).history
    assert isinstance(rows[0]["chart"], runlog.Image) and rows[0]["chart"].width == 640
    assert isinstance(rows[1]["plotly_chart"], runlog.Html)
    assert '"type":"bar"' in rows[1]["plotly_chart"].html.replace(" ", "")


def test_custom_chart_plot_table():
    with wandb.init(project="custom-charts") as run:
        data = [[x, x**2] for x in range(5)]
        table = wandb.Table(data=data, columns=["step", "height"])
        fields = {"x": "step", "value": "height"}
        my_custom_chart = wandb.plot_table(
            vega_spec_name="carey/new_chart",
            data_table=table,
            fields=fields,
            string_fields={"title": "Height Histogram"},
        )
        run.log({"custom_chart": my_custom_chart})
    chart = recorded(run)["custom_chart"]
    assert (chart.spec, chart.title, chart.fields) == ("carey/new_chart", "Height Histogram",
                                                       fields)
    assert chart.table.data == data
