"""What media fallbacks and tables cost, side by side with the plain operation they wrap.

1. ``fallback_record`` runs on each backend's worker for every record when the backend does not
   render every kind (TensorBoard, MLflow). On rows without media it should cost about as much
   as looking at each value once; compared with ``dict(row.values)`` (one shallow copy).
2. A row holding a chart for a backend without ``plot``: the chart becomes its table.
3. ``Table(columns, data)`` of 10 000 rows x 5 plain cells, and its JSON payload, next to
   ``json.dumps`` of the same rows (what a hand-written logger would do).
4. ``runlog.plot.pr_curve`` (numpy only) on 10 000 samples x 10 classes, next to scikit-learn's
   ``precision_recall_curve`` called once per class (skipped without scikit-learn).

Run: ``python benchmarks/bench_table_plot.py [--calls N]``; prints medians and ratios.
"""

from __future__ import annotations

import argparse
import json
import warnings

from bench_image import side_by_side


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per round (5 rounds)")
    args = parser.parse_args()

    import runlog.plot as rplot
    from runlog.typespec.fallback import fallback_record
    from runlog.typespec.media.table import Table
    from runlog.typespec.records import Row

    tb_kinds = frozenset({"image", "video", "audio", "histogram", "table", "file", "plot"})
    no_plot = tb_kinds - {"plot"}
    us = 1e6
    print("fallback_record on one Row, median per call")
    for n in (10, 100):
        row = Row(1, 1.0, 1.0, {(f"k{i}",): float(i) for i in range(n)})
        t = side_by_side({"copy": lambda row=row: dict(row.values),
                          "fallback": lambda row=row: fallback_record(row, no_plot, "b")},
                         args.calls)
        print(f"  {n:3d} floats: dict(values) {t['copy'] * us:7.2f} us   fallback_record "
              f"{t['fallback'] * us:7.2f} us   {t['fallback'] / t['copy']:5.2f}x")

    table = Table(columns=["x", "y"], data=[[i, i * i] for i in range(21)])
    chart_row = Row(1, 1.0, 1.0, {("loss",): 0.5, ("chart",): rplot.line(table, "x", "y")})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = side_by_side({"chart": lambda: fallback_record(chart_row, no_plot, "b")}, args.calls)
    print(f"  a row with a chart (plot -> table):  {t['chart'] * us:7.2f} us")

    rows = [[i, i * 0.5, f"name{i}", i % 7 == 0, None] for i in range(10000)]
    calls = max(args.calls // 200, 5)
    t = side_by_side({
        "dumps": lambda: json.dumps({"columns": list("abcde"), "data": rows}).encode(),
        "table": lambda: Table(columns=list("abcde"), data=rows),
        "payload": lambda: Table(columns=list("abcde"), data=rows).payload(),
    }, calls)
    ms = 1e3
    print("Table of 10 000 rows x 5 plain cells, median per call")
    print(f"  json.dumps(rows)                 {t['dumps'] * ms:7.2f} ms   1.00x")
    print(f"  Table(columns, data)  (caller)   {t['table'] * ms:7.2f} ms "
          f"{t['table'] / t['dumps']:6.2f}x")
    print(f"  ... plus payload()    (worker)   {t['payload'] * ms:7.2f} ms "
          f"{t['payload'] / t['dumps']:6.2f}x")
    pr_curve_side_by_side(calls)


def pr_curve_side_by_side(calls: int) -> None:
    try:
        from sklearn.metrics import precision_recall_curve
    except ImportError:
        print("pr_curve: scikit-learn is not installed; skipped")
        return
    import numpy as np
    import runlog.plot as rplot

    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 10000)
    p = rng.dirichlet(np.ones(10), size=10000)
    t = side_by_side({
        "sklearn": lambda: [precision_recall_curve(y, p[:, i], pos_label=i) for i in range(10)],
        "curves": lambda: rplot.pr_curve(y, p).raw_curves(),
        "chart": lambda: rplot.pr_curve(y, p),
    }, calls)
    ms = 1e3
    print("PR curves, 10 000 samples x 10 classes, median per call")
    print(f"  sklearn precision_recall_curve x10  {t['sklearn'] * ms:7.2f} ms   1.00x")
    print(f"  runlog.plot.pr_curve (chart)        {t['chart'] * ms:7.2f} ms "
          f"{t['chart'] / t['sklearn']:6.2f}x")
    print(f"  ... plus raw_curves()               {t['curves'] * ms:7.2f} ms "
          f"{t['curves'] / t['sklearn']:6.2f}x")


if __name__ == "__main__":
    main()
