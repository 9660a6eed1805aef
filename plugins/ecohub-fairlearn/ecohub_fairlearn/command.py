"""``hub fairness FILE``: the fairness report of decisions stored in a Parquet or CSV file.

For predictions made outside the hub, or too many rows to hold in memory: the file is read in
chunks into one count table (:mod:`ecohub_fairlearn.chunks`), so memory stays flat.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from hub.errors import EvaluationError
from hub.output import console, emit_json


@click.command(help="Fairness report of decisions in a Parquet or CSV file, read in chunks.")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--truth", required=True, help="Column of true outcomes (0/1, or see --positive-label).")
@click.option("--decision", required=True, help="Column of the model's decisions (0/1, or see --positive-label).")
@click.option("--sensitive", required=True, help="Comma-separated sensitive columns, e.g. sex,race.")
@click.option("--score", default=None, help="Column of scores in [0, 1] for threshold curves and calibration.")
@click.option("--positive-label", default=None, help="The value of --truth and --decision that is positive.")
@click.option("--bins", "bins", multiple=True, metavar="COLUMN=EDGE[,EDGE...]",
              help="Bin edges of a numeric sensitive column, e.g. age=25,60. Repeatable.")
@click.option("--chunk-rows", default=500_000, show_default=True, type=click.IntRange(1_000, 10_000_000))
@click.option("--resamples", default=1000, show_default=True, type=click.IntRange(0, 100_000))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the report JSON here.")
@click.option("--json", "as_json", is_flag=True, help="Print the report JSON.")
def fairness(path, truth, decision, sensitive, score, positive_label, bins, chunk_rows, resamples, seed,
             out, as_json) -> None:
    from ecohub_fairlearn.chunks import file_report
    from ecohub_fairlearn.summary import summarize

    columns = [column.strip() for column in sensitive.split(",") if column.strip()]
    report = file_report(path, truth=truth, decision=decision, sensitive=columns, score=score,
                         positive_label=positive_label, bins=parse_bins(bins), chunk_rows=chunk_rows,
                         resamples=max(resamples, 1), seed=seed)
    if out:
        temporary = out.with_name(f".{out.name}.tmp")
        temporary.write_text(json.dumps(report, allow_nan=False))
        temporary.replace(out)
    if as_json:
        emit_json(report)
    else:
        console().print(summarize(report), markup=False, highlight=False)


def parse_bins(values) -> dict[str, list[float]]:
    """``("age=25,60",)`` as ``{"age": [25.0, 60.0]}``."""
    parsed = {}
    for value in values:
        column, _, edges = value.partition("=")
        try:
            numbers = [float(edge) for edge in edges.split(",")]
        except ValueError:
            numbers = []
        if not column.strip() or not numbers or not all(map(math.isfinite, numbers)):
            raise EvaluationError(f"'{value}' is not COLUMN=EDGE[,EDGE...].", "For example: --bins age=25,60.")
        parsed[column.strip()] = numbers
    return parsed
