"""``hub demo``: the main job on the embedded defaults, end to end."""

from __future__ import annotations

import click

from hub.commands import location, open_registry
from hub.output import console, progress_bar

DEMO = {"dataset": "german-credit", "model_type": "gradient-boosting", "name": "credit-risk",
        "sensitive": ("sex", "age")}


@click.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Train gradient boosting on German Credit, register it as credit-risk, run SHAP and fairness."""
    from hub.jobs.evaluation import evaluate
    from hub.plugins.manager import installed_plugins
    from hub.jobs.training import train

    plugins, registry, out = installed_plugins(), open_registry(ctx), console()
    with progress_bar("Training") as progress:
        record = train(plugins, registry, dataset=DEMO["dataset"], model_type=DEMO["model_type"],
                       name=DEMO["name"], progress=progress)
    out.print(f"Registered [bold]{record.ref}[/], license {record.license}, "
              f"test accuracy {record.metrics['test']['accuracy']:.3f}, ROC AUC {record.metrics['test']['roc_auc']:.3f}")
    with progress_bar("Evaluating") as progress:
        results = evaluate(plugins, registry, record.model, record.version, sensitive=DEMO["sensitive"],
                           progress=progress)
    for result in results:
        out.rule(f"{result.evaluator} ({result.report.kind})")
        out.print(result.summary, markup=False, highlight=False)
    out.rule()
    out.print(f"Registry: {location(ctx).url}")
    out.print("Review it in the dashboard: [bold]hub dashboard[/] (or [bold]make dashboard[/]), "
              "then open http://127.0.0.1:8501")
