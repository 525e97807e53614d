"""Charts (``runlog.plot.*``): a ``Plot`` is a ``Table`` plus a chart spec plus its raw inputs.

A chart is logged under the key the user gave (wandb moves it to ``<key>_table``). The payload
is one JSON file (ext ``plot.json``)::

    {"chart": "pr_curve", "spec": "wandb/area-under-curve/v0", "fields": {...}, "title": ...,
     "table": {"columns": [...], "data": [...]}, "inputs": {"y_true": [...], ...}}

A chart with string settings (``line_series``, ``plot_table``) also has ``"string_fields"``;
``plot_table`` charts are ``"chart": "custom"`` with the caller's Vega spec name as ``"spec"``.

``pr_curve`` and ``roc_curve`` keep ``y_true``, ``y_probas``, ``labels`` and
``classes_to_plot`` in ``inputs``, so a backend with a native PR curve (TensorBoard) can draw
it from :meth:`Plot.binary_inputs`; :meth:`Plot.raw_curves` gives the exact curves.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..errors import DataError
from ..payload import Payload
from ..text import check_text
from . import curves
from .base import Media
from .table import Table, dump_json

#: chart name -> wandb's Vega spec id
SPECS = {
    "pr_curve": "wandb/area-under-curve/v0",
    "roc_curve": "wandb/area-under-curve/v0",
    "confusion_matrix": "wandb/confusion_matrix/v1",
    "line": "wandb/line/v0",
    "scatter": "wandb/scatter/v0",
    "bar": "wandb/bar/v0",
    "histogram": "wandb/histogram/v0",
    "line_series": "wandb/lineseries/v0",
}
#: the chart name of a ``plot_table`` chart: its spec is the caller's
CUSTOM = "custom"


class Plot(Media):
    """A chart: its data ``table``, ``chart`` name, ``spec`` (a Vega spec id), ``fields``
    (role -> column), ``title``, ``string_fields`` (the spec's string settings) and ``inputs``
    (the raw inputs of ``pr_curve`` / ``roc_curve``, else empty).

    Build one with the ``runlog.plot`` functions rather than directly.
    """

    kind = "plot"

    def __init__(
        self,
        table: Table,
        chart: str,
        fields: dict[str, str | None],
        title: str | None = None,
        inputs: dict[str, Any] | None = None,
        spec: str | None = None,
        string_fields: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(table, Table):
            raise DataError(f"Plot: table must be a runlog.Table, got {type(table).__name__}")
        if chart not in SPECS and chart != CUSTOM:
            raise DataError(f"Plot: chart must be one of {sorted([*SPECS, CUSTOM])}, got "
                            f"{chart!r}")
        if (chart == CUSTOM) != (spec is not None):
            raise DataError(f"Plot: spec= is given for chart {CUSTOM!r} (a plot_table chart) "
                            "and only for it")
        if title is not None and not isinstance(title, str):
            raise DataError(f"Plot: title must be a str, got {type(title).__name__}")
        check_text(title, "Plot: title")
        for role, column in fields.items():
            if column is not None and column not in table.columns:
                raise DataError(
                    f"runlog.plot.{chart}: {role}={column!r} is not a column of the table; "
                    f"columns are {table.columns}"
                )
        self.table: Table = table._snapshot()
        self.chart = chart
        self.fields = dict(fields)
        self.title = title
        self.inputs: dict[str, Any] = dict(inputs or {})
        self.spec: str = SPECS[chart] if spec is None else spec
        self.string_fields: dict[str, Any] = dict(string_fields or {})
        self.caption = None
        self._set_encoder(self._encode)

    def _header(self) -> dict[str, Any]:
        header = {"chart": self.chart, "spec": self.spec, "fields": self.fields,
                  "title": self.title}
        if self.string_fields:
            header["string_fields"] = self.string_fields
        return header

    def _encode(self) -> Payload:
        body = {**self._header(), "table": self.table.body(), "inputs": self.inputs}
        meta = {"chart": self.chart, "nrows": len(self.table.data)}
        return Payload(dump_json(body), "plot.json", "application/json", meta)

    def _json_fields(self) -> dict[str, Any]:
        return self._header()

    @classmethod
    def _from_json_fields(cls, fields: dict[str, Any], payload: Payload) -> Plot:
        body = json.loads(payload.data)
        obj = cls(Table.from_body(body["table"]), body["chart"], body["fields"], body["title"],
                  body["inputs"], body["spec"] if body["chart"] == CUSTOM else None,
                  body.get("string_fields"))
        obj._set_payload(payload)
        return obj

    # -- raw inputs for native renderers ---------------------------------------------------
    def binary_inputs(self) -> list[tuple[Any, Any, Any]]:
        """For ``pr_curve`` / ``roc_curve``: ``[(class label, is_positive, scores), ...]``,
        one-vs-rest numpy arrays per plotted class (what TensorBoard's ``add_pr_curve`` takes).
        """
        if self.chart not in ("pr_curve", "roc_curve"):
            raise DataError(f"Plot.binary_inputs: a {self.chart} chart has no raw inputs")
        return _one_vs_rest(**self.inputs)

    def raw_curves(self) -> dict[Any, dict[str, Any]]:
        """For ``pr_curve``: ``{label: {"precision", "recall", "thresholds"}}``; for
        ``roc_curve``: ``{label: {"fpr", "tpr", "thresholds"}}``; numpy arrays equal to
        scikit-learn's ``precision_recall_curve`` / ``roc_curve`` for that class.
        """
        names = ("precision", "recall") if self.chart == "pr_curve" else ("fpr", "tpr")
        curve = curves.precision_recall if self.chart == "pr_curve" else curves.roc
        return {label: dict(zip((*names, "thresholds"), curve(is_pos, scores)))
                for label, is_pos, scores in self.binary_inputs()}

    def __repr__(self) -> str:
        return f"<runlog.Plot {self.chart} {len(self.table.data)} rows>"


# -- pr_curve / roc_curve -----------------------------------------------------------------
def pr_curve(
    y_true: Any = None,
    y_probas: Any = None,
    labels: Sequence[str] | None = None,
    classes_to_plot: Sequence[Any] | None = None,
    interp_size: int = 21,
    title: str | None = None,
) -> Plot:
    """A precision-recall curve per class, one-vs-rest.

    ``y_true``: N class values; ``y_probas``: N x K scores (column ``c`` for integer class
    ``c``; otherwise in sorted class order), or N scores for a binary problem. ``labels`` names
    integer classes. The table holds ``interp_size`` points per class (interpolated precision
    at evenly spaced recall, rounded to 3 decimals), as wandb's.
    """
    import numpy as np

    if isinstance(interp_size, bool) or not isinstance(interp_size, int) or interp_size < 2:
        raise DataError(
            f"runlog.plot.pr_curve: interp_size must be an int >= 2, got {interp_size!r}"
        )
    inputs, per_class = _classifier_inputs("pr_curve", y_true, y_probas, labels, classes_to_plot)
    grid = np.linspace(0, 1, interp_size)[::-1]
    data = []
    for label, is_pos, scores in per_class:
        precision, recall, _ = curves.precision_recall(is_pos, scores)
        best = curves.interpolated_precision(precision, recall, grid)
        data += [[label, p, r] for p, r in zip(np.round(best, 3).tolist(), grid.round(3).tolist())]
    table = Table(["class", "precision", "recall"], _limit_rows(data))
    fields = {"x": "recall", "y": "precision", "class": "class"}
    return Plot(table, "pr_curve", fields, title or "Precision-Recall Curve", inputs)


def roc_curve(
    y_true: Any = None,
    y_probas: Any = None,
    labels: Sequence[str] | None = None,
    classes_to_plot: Sequence[Any] | None = None,
    title: str | None = None,
) -> Plot:
    """A ROC curve per class, one-vs-rest; arguments as :func:`pr_curve`.

    The table holds every corner of each curve (``fpr``, ``tpr`` rounded to 3 decimals), as
    wandb's.
    """
    import numpy as np

    inputs, per_class = _classifier_inputs("roc_curve", y_true, y_probas, labels, classes_to_plot)
    data = []
    for label, is_pos, scores in per_class:
        fpr, tpr, _ = curves.roc(is_pos, scores)
        data += [[label, f, t] for f, t in zip(np.round(fpr, 3).tolist(),
                                               np.round(tpr, 3).tolist())]
    table = Table(["class", "fpr", "tpr"], _limit_rows(data))
    fields = {"x": "fpr", "y": "tpr", "class": "class"}
    return Plot(table, "roc_curve", fields, title or "ROC Curve", inputs)


def _classifier_inputs(
    fn: str, y_true: Any, y_probas: Any, labels: Any, classes_to_plot: Any
) -> tuple[dict[str, Any], list[tuple[Any, Any, Any]]]:
    """Validated, JSON-safe inputs of pr_curve / roc_curve (probabilities as N x K lists), and
    their one-vs-rest split (see :func:`_one_vs_rest`)."""
    import numpy as np

    truth = _class_values(fn, _array(fn, "y_true", y_true, "a 1-D sequence of class values"))
    probas = _array(fn, "y_probas", y_probas, "an N x K array of scores")
    classes = np.unique(truth)
    if probas.ndim == 1 and len(classes) <= 2 and probas.dtype.kind in "biuf":
        probas = np.stack([1 - probas.astype(float), probas.astype(float)], axis=1)
    if probas.ndim != 2 or probas.dtype.kind not in "biuf" or probas.shape[0] != truth.size:
        raise DataError(
            f"runlog.plot.{fn}: y_probas must be numbers of shape ({truth.size}, n_classes) "
            f"(one row per y_true value), got {_describe(probas)}"
        )
    if not np.all(np.isfinite(probas)):
        raise DataError(f"runlog.plot.{fn}: y_probas holds NaN or infinity")
    if labels is not None and (isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__")):
        raise DataError(
            f"runlog.plot.{fn}: labels must be a list of class names, got {type(labels).__name__}"
        )
    inputs = {
        "y_true": truth.tolist(),
        "y_probas": probas.astype(float).tolist(),
        "labels": None if labels is None else [str(x) for x in labels],
        "classes_to_plot": None if classes_to_plot is None else _plain_list(classes_to_plot),
    }
    return inputs, _one_vs_rest(**inputs, fn=fn)


def _one_vs_rest(
    y_true: list, y_probas: list, labels: list | None, classes_to_plot: list | None,
    fn: str = "pr_curve",
) -> list[tuple[Any, Any, Any]]:
    """``[(label, is_positive, scores)]`` for each plotted class, in sorted class order."""
    import numpy as np

    truth, probas = np.asarray(y_true), np.asarray(y_probas, dtype=float)
    classes = np.unique(truth).tolist()
    ncols = probas.shape[1]
    by_value = truth.dtype.kind in "biu" and all(0 <= int(c) < ncols for c in classes)
    if not by_value and len(classes) != ncols:
        raise DataError(
            f"runlog.plot.{fn}: y_probas has {ncols} columns but y_true holds {len(classes)} "
            f"classes {classes[:10]}; columns are matched to integer classes 0..{ncols - 1} by "
            "value, otherwise to the sorted classes one by one"
        )
    wanted = classes if classes_to_plot is None else classes_to_plot
    unknown = [c for c in wanted if c not in classes]
    if unknown:
        raise DataError(
            f"runlog.plot.{fn}: classes_to_plot {unknown} do not occur in y_true {classes[:10]}"
        )
    out = []
    for position, value in enumerate(classes):
        if value not in wanted:
            continue
        column = int(value) if by_value else position
        label = value
        if labels is not None and truth.dtype.kind in "biu":
            if not 0 <= int(value) < len(labels):
                raise DataError(
                    f"runlog.plot.{fn}: class {value} has no name in labels ({len(labels)} names)"
                )
            label = labels[int(value)]
        out.append((label, truth == value, probas[:, column]))
    return out


def _limit_rows(data: list[list[Any]]) -> list[list[Any]]:
    """At most ``Table.MAX_ROWS`` rows: each class's points thinned evenly, endpoints kept."""
    if len(data) <= Table.MAX_ROWS:
        return data
    import numpy as np

    groups: dict[Any, list[list[Any]]] = {}
    for row in data:
        groups.setdefault(row[0], []).append(row)
    budget = max(2, Table.MAX_ROWS // len(groups))
    out = []
    for rows in groups.values():
        keep = np.unique(np.linspace(0, len(rows) - 1, min(budget, len(rows))).round().astype(int))
        out += [rows[i] for i in keep]
    return out[: Table.MAX_ROWS]


# -- confusion matrix ---------------------------------------------------------------------
def confusion_matrix(
    probs: Any = None,
    y_true: Any = None,
    preds: Any = None,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
) -> Plot:
    """A confusion matrix from ``y_true`` and either ``preds`` (class indices) or ``probs``
    (N x K scores, argmax taken). With ``class_names``, classes are the indices
    ``0..len(class_names)-1``; without, the sorted values seen, named ``Class_1``, ``Class_2``...
    The table has a row ``[actual, predicted, count]`` for every pair, as wandb's.
    """
    import numpy as np

    fn = "confusion_matrix"
    if (probs is None) == (preds is None):
        raise DataError(f"runlog.plot.{fn}: pass exactly one of probs= or preds=")
    if y_true is None:
        raise DataError(f"runlog.plot.{fn}: y_true= is required (the true class indices)")
    if probs is not None:
        p = _array(fn, "probs", probs, "an N x K array of scores")
        if p.ndim != 2 or p.dtype.kind not in "biuf":
            raise DataError(f"runlog.plot.{fn}: probs must be an N x K array of numbers, got "
                            f"{_describe(p)}")
        predicted = np.argmax(p, axis=1)
    else:
        predicted = _array(fn, "preds", preds, "a 1-D sequence of class indices")
    truth = _array(fn, "y_true", y_true, "a 1-D sequence of class indices")
    for name, arr in (("y_true", truth), ("preds", predicted)):
        if arr.ndim != 1 or arr.dtype.kind not in "biu":
            raise DataError(f"runlog.plot.{fn}: {name} must be a 1-D sequence of int class "
                            f"indices, got {_describe(arr)}")
    if truth.size != predicted.size:
        raise DataError(f"runlog.plot.{fn}: y_true has {truth.size} values but there are "
                        f"{predicted.size} predictions")
    if class_names is not None:
        if isinstance(class_names, (str, bytes)) or not hasattr(class_names, "__len__"):
            raise DataError(f"runlog.plot.{fn}: class_names must be a list of names, got "
                            f"{type(class_names).__name__}")
        names = [str(n) for n in class_names]
        values = list(range(len(names)))
        seen = np.union1d(truth, predicted).tolist()
        if seen and (min(seen) < 0 or max(seen) >= len(names)):
            raise DataError(
                f"runlog.plot.{fn}: class index {max(seen) if max(seen) >= 0 else min(seen)} is "
                f"outside class_names (indices 0..{len(names) - 1})"
            )
    else:
        values = np.union1d(truth, predicted).tolist()
        names = [f"Class_{i}" for i in range(1, len(values) + 1)]
    index = {v: i for i, v in enumerate(values)}
    counts = np.zeros((len(values), len(values)), dtype=np.int64)
    rows = [index[v] for v in truth.tolist()]
    np.add.at(counts, (rows, [index[v] for v in predicted.tolist()]), 1)
    data = [[names[i], names[j], int(counts[i, j])]
            for i in range(len(values)) for j in range(len(values))]
    table = Table(["Actual", "Predicted", "nPredictions"], data)
    fields = {"Actual": "Actual", "Predicted": "Predicted", "nPredictions": "nPredictions"}
    return Plot(table, fn, fields, title or "Confusion Matrix")


# -- charts of a user table ---------------------------------------------------------------
def line(table: Table, x: str, y: str, stroke: str | None = None, title: str | None = None) -> Plot:
    """A line chart of columns ``x`` and ``y`` of ``table``; ``stroke`` groups lines."""
    return _table_chart("line", table, {"x": x, "y": y, "stroke": stroke}, title)


def scatter(table: Table, x: str, y: str, title: str | None = None) -> Plot:
    """A scatter plot of columns ``x`` and ``y`` of ``table``."""
    return _table_chart("scatter", table, {"x": x, "y": y}, title)


def bar(table: Table, label: str, value: str, title: str | None = None) -> Plot:
    """A bar chart: one bar per row, named by column ``label``, of height column ``value``."""
    return _table_chart("bar", table, {"label": label, "value": value}, title)


def histogram(table: Table, value: str, title: str | None = None) -> Plot:
    """A histogram of column ``value`` of ``table``."""
    return _table_chart("histogram", table, {"value": value}, title)


def _table_chart(chart: str, table: Any, fields: dict[str, Any], title: str | None) -> Plot:
    if not isinstance(table, Table):
        raise DataError(f"runlog.plot.{chart}: table must be a runlog.Table, got "
                        f"{type(table).__name__}")
    for role, column in fields.items():
        if column is not None and not isinstance(column, str):
            raise DataError(f"runlog.plot.{chart}: {role} must be a column name (str), got "
                            f"{type(column).__name__}")
    return Plot(table, chart, fields, title)


# -- line_series and plot_table (wandb's custom charts) -----------------------------------
def line_series(
    xs: Iterable[Iterable[Any]] | Iterable[Any],
    ys: Iterable[Iterable[Any]],
    keys: Iterable[str] | None = None,
    title: str = "",
    xname: str = "x",
    split_table: bool = False,
) -> Plot:
    """Several lines in one chart, as wandb's ``plot.line_series``.

    ``ys`` holds one sequence of y values per line; ``xs`` is one sequence of x values shared
    by every line, or one per line. ``keys`` names the lines (default ``line_0``,
    ``line_1``, ...). The table has a row ``[step, lineKey, lineVal]`` per point (spec
    ``wandb/lineseries/v0``; string fields ``title`` and ``xname``). ``split_table`` is
    accepted and has no effect: the chart is logged under the key you give.
    """
    fn = "line_series"
    _check_flag(fn, "split_table", split_table)
    lines = _series(fn, "ys", ys)
    if not lines:
        raise DataError(f"runlog.plot.{fn}: ys must hold at least one series of y values")
    shared = _series(fn, "xs", xs, allow_flat=True)
    xlines = shared if shared and isinstance(shared[0], list) else [shared] * len(lines)
    if len(xlines) != len(lines):
        raise DataError(f"runlog.plot.{fn}: xs has {len(xlines)} series but ys has "
                        f"{len(lines)}; pass one xs series per ys series, or one shared xs")
    names = [f"line_{i}" for i in range(len(lines))] if keys is None else _names(fn, keys)
    if len(names) != len(lines):
        raise DataError(f"runlog.plot.{fn}: keys has {len(names)} names but ys has "
                        f"{len(lines)} series")
    for i, (xx, yy) in enumerate(zip(xlines, lines)):
        if len(xx) != len(yy):
            raise DataError(f"runlog.plot.{fn}: series {i} ({names[i]!r}) has {len(yy)} y "
                            f"values but {len(xx)} x values; each must have one x per y")
    string_fields = {"title": check_text(_str(fn, "title", title), f"runlog.plot.{fn}: title"),
                     "xname": check_text(_str(fn, "xname", xname), f"runlog.plot.{fn}: xname")}
    data = [[x, name, y] for xx, yy, name in zip(xlines, lines, names) for x, y in zip(xx, yy)]
    table = Table(["step", "lineKey", "lineVal"], data, max_rows=max(Table.MAX_ROWS, len(data)))
    fields = {"step": "step", "lineKey": "lineKey", "lineVal": "lineVal"}
    return Plot(table, fn, fields, title or None, string_fields=string_fields)


def plot_table(
    vega_spec_name: str,
    data_table: Table,
    fields: Mapping[str, Any],
    string_fields: Mapping[str, Any] | None = None,
    split_table: bool = False,
) -> Plot:
    """A chart of ``data_table`` drawn by the Vega spec ``vega_spec_name``, as wandb's
    ``plot_table``: ``fields`` maps the spec's fields to columns of the table,
    ``string_fields`` sets its string constants (``title``, if given, is the chart's title).

    runlog stores the spec name, fields and table; it draws no Vega spec itself (see
    ``docs/media.md``). ``split_table`` is accepted and has no effect.
    """
    fn = "plot_table"
    _check_flag(fn, "split_table", split_table)
    if not isinstance(vega_spec_name, str) or not vega_spec_name.strip():
        raise DataError(f"runlog.{fn}: vega_spec_name must be a non-empty str (a Vega spec id "
                        f"such as 'wandb/line/v0'), got {type(vega_spec_name).__name__}")
    check_text(vega_spec_name, f"runlog.{fn}: vega_spec_name")
    if not isinstance(data_table, Table):
        raise DataError(f"runlog.{fn}: data_table must be a runlog.Table, got "
                        f"{type(data_table).__name__}")
    if not isinstance(fields, Mapping):
        raise DataError(f"runlog.{fn}: fields must be a dict of spec field -> column name, "
                        f"got {type(fields).__name__}")
    for field, column in fields.items():
        if not isinstance(field, str) or not isinstance(column, str):
            raise DataError(f"runlog.{fn}: fields must map str spec fields to str column names, "
                            f"got {field!r}: {type(column).__name__}")
        if column not in data_table.columns:
            raise DataError(f"runlog.{fn}: fields[{field!r}] = {column!r} is not a column of "
                            f"data_table; columns are {data_table.columns}")
    strings = {} if string_fields is None else string_fields
    if not isinstance(strings, Mapping):
        raise DataError(f"runlog.{fn}: string_fields must be a dict of str -> str, number, bool "
                        f"or None, got {type(strings).__name__}")
    for name, value in strings.items():
        if not isinstance(name, str) or not isinstance(value, (str, int, float, type(None))):
            raise DataError(f"runlog.{fn}: string_fields[{name!r}] must be a str, number, bool "
                            f"or None, got {type(value).__name__}")
        if isinstance(value, str):
            check_text(value, f"runlog.{fn}: string_fields[{name!r}]")
    title = strings.get("title")
    return Plot(data_table, CUSTOM, dict(fields), title if isinstance(title, str) and title
                else None, spec=vega_spec_name, string_fields=dict(strings))


def _series(fn: str, arg: str, value: Any, allow_flat: bool = False) -> list[Any]:
    """``value`` as a list of lists (one per series) of plain values; with ``allow_flat`` a
    flat sequence is returned as a plain list (one shared series)."""
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
        raise DataError(f"runlog.plot.{fn}: {arg} must be a sequence of series (lists or "
                        f"arrays of numbers), got {type(value).__name__}")
    items = value.tolist() if hasattr(value, "tolist") else list(value)
    nested = [isinstance(v, Iterable) and not isinstance(v, (str, bytes)) for v in items]
    if allow_flat and not any(nested):
        return [plain_scalar(v) for v in items]
    if not all(nested):
        raise DataError(f"runlog.plot.{fn}: {arg} must hold one sequence of values per series; "
                        "it mixes sequences and single values")
    return [[plain_scalar(v) for v in (s.tolist() if hasattr(s, "tolist") else s)] for s in items]


def plain_scalar(value: Any) -> Any:
    """A numpy scalar as its Python value; anything else as it is (the Table checks it)."""
    return value.item() if hasattr(value, "item") and hasattr(value, "dtype") else value


def _names(fn: str, keys: Any) -> list[str]:
    if isinstance(keys, (str, bytes)) or not hasattr(keys, "__iter__"):
        raise DataError(f"runlog.plot.{fn}: keys must be a list of line names, got "
                        f"{type(keys).__name__}")
    names = list(keys)
    for name in names:
        if not isinstance(name, str):
            raise DataError(f"runlog.plot.{fn}: keys must be str line names, got "
                            f"{type(name).__name__}")
    return names


def _str(fn: str, arg: str, value: Any) -> str:
    if not isinstance(value, str):
        raise DataError(f"runlog.plot.{fn}: {arg} must be a str, got {type(value).__name__}")
    return value


def _check_flag(fn: str, arg: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise DataError(f"runlog.plot.{fn}: {arg} must be True or False, got "
                        f"{type(value).__name__}")


# -- helpers ------------------------------------------------------------------------------
def _array(fn: str, arg: str, value: Any, accepted: str) -> Any:
    import numpy as np

    from .histogram import _as_array

    if value is None:
        raise DataError(f"runlog.plot.{fn}: {arg}= is required ({accepted})")
    try:
        return np.asarray(_as_array(value))
    except (TypeError, ValueError) as exc:
        raise DataError(f"runlog.plot.{fn}: {arg} must be {accepted}, got "
                        f"{type(value).__name__}: {exc}") from None


def _describe(arr: Any) -> str:
    return f"an array of shape {arr.shape} and dtype {arr.dtype}"


def _plain_list(values: Any) -> list[Any]:
    import numpy as np

    return np.asarray(values).ravel().tolist()


def _class_values(fn: str, truth: Any) -> Any:
    """``y_true`` as a 1-D int or str array (integral floats become ints)."""
    import numpy as np

    if truth.ndim == 1 and truth.size and truth.dtype.kind == "O":
        types = {type(v) for v in truth.tolist()}
        if types <= {str}:
            truth = truth.astype(str)
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in truth.tolist()):
            truth = truth.astype(np.int64)
    if truth.ndim == 1 and truth.dtype.kind == "f" and np.all(np.mod(truth, 1) == 0):
        truth = truth.astype(np.int64)
    if truth.ndim != 1 or truth.size == 0 or truth.dtype.kind not in "biuU":
        raise DataError(
            f"runlog.plot.{fn}: y_true must be a non-empty 1-D sequence of class values (all "
            f"ints, bools or str), got {_describe(truth)}"
        )
    return truth
