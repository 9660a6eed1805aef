"""``hub demo``: the main job on the embedded defaults, end to end: a tabular model, then a foundation model."""

from __future__ import annotations

import click

from hub.commands import location, open_registry
from hub.output import console, progress_bar

DEMO = {"dataset": "german-credit", "model_type": "gradient-boosting", "name": "credit-risk",
        "sensitive": ("sex", "age")}
# Sized so the whole demo stays within minutes on two CPU cores: 800 training rows, two epochs,
# scored on a tenth of the messages (558) held out.
FOUNDATION = {"base": "sentence-transformers/all-MiniLM-L6-v2", "dataset": "sms-spam", "model_type": "text-finetune",
              "name": "sms-spam-filter", "max_rows": 800, "test_size": 0.1,
              "params": {"epochs": 2, "learning_rate": 1e-4, "max_length": 64}}


@click.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Train gradient boosting on German Credit (SHAP and fairness reports), then fine-tune MiniLM on SMS spam."""
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
    foundation_model(plugins, registry, out)
    out.rule()
    out.print(f"Registry: {location(ctx).url}")
    out.print("Review it in the dashboard: [bold]hub dashboard[/] (or [bold]make dashboard[/]), "
              "then open http://127.0.0.1:8501")


def foundation_model(plugins, registry, out) -> None:
    """Register the base once, fine-tune it on a capped slice of SMS spam, and show lineage and licenses."""
    from hub.commands.models import stored_beyond_parents
    from hub.commands.train import training_display
    from hub.jobs.training import register_base_model, train

    out.rule("Foundation model: fine-tuning MiniLM to filter SMS spam")
    base = register_base_model(plugins, registry, FOUNDATION["base"])
    out.print(f"Base [bold]{base.ref}[/], license {base.license}, source {base.config.get('source', '')}")
    with training_display(f"Fine-tuning {base.model} on {FOUNDATION['dataset']}") as (progress, on_event):
        record = train(plugins, registry, dataset=FOUNDATION["dataset"], model_type=FOUNDATION["model_type"],
                       name=FOUNDATION["name"], base=base.ref, params=FOUNDATION["params"],
                       max_rows=FOUNDATION["max_rows"], test_size=FOUNDATION["test_size"],
                       progress=progress, on_event=on_event)
    test = record.metrics["test"]
    out.print(f"Registered [bold]{record.ref}[/] on {record.config['split']['test_rows']} held-out messages: "
              + ", ".join(f"{key} {test[key]:.3f}" for key in ("accuracy", "f1", "roc_auc") if key in test))
    out.print("Lineage:")
    for edge in registry.lineage(record.ref).ancestors:
        out.print(f"  {edge.child} --{edge.relation}--> {edge.parent} ({edge.license})", markup=False, highlight=False)
    out.print(f"  {base.ref} is a copy of {base.config.get('source', '')}", markup=False, highlight=False)
    logical = registry.store.logical_size(f.sha256 for f in record.files)
    out.print(f"Storage: {logical:,} bytes as pulled, {stored_beyond_parents(registry, record):,} stored beyond the base "
              "(the store keeps each safetensors tensor once, so unchanged ones cost nothing)")
    check = registry.check_license(record.ref)
    out.print(f"License chain: {record.license} (verdict {check.verdict})", markup=False, highlight=False)
    for reason in record.license_reasons:
        out.print(f"  {reason}", markup=False, highlight=False)
    out.print(f"Load it from 'hub serve' with transformers: pipeline('text-classification', model='{record.model}')",
              markup=False, highlight=False)
