"""``hub compare A B``: two versions on the same rows, group by group, with intervals and churn."""

from __future__ import annotations

import click

from hub.commands import open_registry
from hub.output import console, emit_json, table


def _signed(delta: dict) -> str:
    """``+0.031 [−0.004, +0.066]``: the change from A to B and its 95% interval."""
    if delta["delta"] is None:
        return "n/a"
    low, high = delta["interval"]
    interval = "" if low is None else f" [{low:+.3f}, {high:+.3f}]"
    return f"{delta['delta']:+.3f}{interval}"


def _churn(churn: dict) -> str:
    if churn["value"] is None:
        return "n/a"
    low, high = churn["interval"]
    return f"{churn['value']:.1%}" + ("" if low is None else f" [{low:.1%}, {high:.1%}]")


@click.command()
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@click.option("--resamples", default=1000, show_default=True, type=click.IntRange(100, 100_000),
              help="Bootstrap resamples for the intervals.")
@click.option("--seed", default=0, show_default=True, help="Seed of the resampling.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def compare(ctx: click.Context, a: str, b: str, resamples: int, seed: int, as_json: bool) -> None:
    """Compare versions A and B (MODEL:V, MODEL@ALIAS) on A's held-out rows: metric and disparity
    deltas (B − A) with 95% intervals, and the share of decisions that flip, per group."""
    from hub.jobs.comparing import compare as run_compare
    from hub.plugins.manager import installed_plugins

    result = run_compare(installed_plugins(), open_registry(ctx), a, b, seed=seed, resamples=resamples)
    body = result.body
    if as_json:
        emit_json(body)
        return
    out = console()
    out.print(f"[bold]{body['a']}[/] → [bold]{body['b']}[/] on {body['rows']['count']} rows "
              f"({body['rows']['scope']}); B − A with 95% intervals from {resamples} paired resamples.")
    if "warning" in body:
        out.print(f"[red]![/] {body['warning']}")
    metrics = [(key, "n/a" if v["a"] is None else f"{v['a']:.4f}", f"{v['b']:.4f}",
                "n/a" if v["delta"] is None else f"{v['delta']:+.4f}")
               for key, v in body["recorded_test_metrics"].items()]
    if metrics:
        out.print(table("Recorded held-out metrics", ("metric", "A", "B", "B − A"), metrics))
    for column, found in body["columns"].items():
        rows = [(group["group"], str(group["count"]), *(_signed(group[rate]) for rate in
                                                      ("selection_rate", "accuracy", "tpr", "fpr")),
                 _churn(group["churn"])) for group in found["groups"]]
        overall = found["overall"]
        rows.append(("overall", str(body["rows"]["count"]),
                     *(_signed(overall[rate]) for rate in ("selection_rate", "accuracy", "tpr", "fpr")),
                     _churn(overall["churn"])))
        out.print(table(f"{column}: change by group", ("group", "n", "selection rate", "accuracy", "TPR", "FPR",
                                                       "decisions flipped"), rows))
        out.print(table(f"{column}: disparities", ("disparity", "A", "B", "B − A"),
                        [(name, "n/a" if v["a"] is None else f"{v['a']:.3f}",
                          "n/a" if v["b"] is None else f"{v['b']:.3f}", _signed(v))
                         for name, v in found["disparities"].items()]))
