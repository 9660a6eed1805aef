"""``hub train``: fit a plugin's model type on a plugin's dataset and register the result."""

from __future__ import annotations

import json

import click

from hub.commands import open_registry
from hub.output import console, emit_json, progress_bar, table


def parse_params(pairs: tuple[str, ...]) -> dict:
    """``key=value`` pairs; values are read as JSON when they parse (numbers, booleans), else text."""
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"'{pair}' is not key=value.", param_hint="--param")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


@click.command()
@click.option("--dataset", required=True, help="Dataset name (see 'hub datasets list').")
@click.option("--model", "model_type", required=True, help="Model type (see 'hub model-types list').")
@click.option("--register", "name", required=True, help="Register the result as a new version of this model.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="Model parameter; repeatable.")
@click.option("--seed", default=0, show_default=True, help="Seed for the split and the model.")
@click.option("--test-size", default=0.25, show_default=True, help="Share of rows held out for evaluation.")
@click.option("--json", "as_json", is_flag=True, help="Print the registered version as JSON.")
@click.pass_context
def train(ctx, dataset, model_type, name, params, seed, test_size, as_json) -> None:
    """Train on a stratified split, score the held-out rows, register version N+1."""
    from hub.plugins.manager import installed_plugins
    from hub.jobs.training import train as run_training

    registry = open_registry(ctx)
    with progress_bar(f"Training {model_type} on {dataset}") as progress:
        record = run_training(
            installed_plugins(), registry, dataset=dataset, model_type=model_type, name=name,
            params=parse_params(params), seed=seed, test_size=test_size, progress=progress,
        )
    if as_json:
        emit_json(record.as_dict())
        return
    out = console()
    out.print(f"Registered [bold]{record.ref}[/] (license {record.license}: {record.license_reasons[-1]})")
    out.print(table("Metrics", ("split", *sorted(record.metrics["test"])), [
        (split, *(f"{values[key]:.4f}" for key in sorted(record.metrics["test"])))
        for split, values in sorted(record.metrics.items())
    ]))
