"""``hub train``: fit a plugin's model type on a plugin's dataset and register the result."""

from __future__ import annotations

import contextlib
import json
from typing import Iterator

import click

from hub.commands import open_registry
from hub.output import console, emit_json


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


@contextlib.contextmanager
def training_display(title: str) -> Iterator[tuple]:
    """Two live bars on stderr: the job's stages, and, once the trainer reports steps, the steps with
    the latest loss, learning rate, validation metric and the trainer's ETA. Yields the job's progress
    callback and the training-event callback."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"), TimeElapsedColumn(), console=Console(stderr=True),
    ) as bar:
        job = bar.add_task(title, total=100, status="")
        steps: list = []
        latest: dict[str, str] = {}

        def progress(message: str, fraction: float) -> None:
            bar.update(job, description=message, completed=round(100 * fraction))

        def on_event(event) -> None:
            if not steps:
                steps.append(bar.add_task("steps", total=max(event.total_steps, 1), status=""))
            if event.loss is not None:
                latest["loss"] = f"loss {event.loss:.4f}"
            if event.learning_rate is not None:
                latest["lr"] = f"lr {event.learning_rate:.2e}"
            for key, value in (event.metric or {}).items():
                latest[key] = f"{key} {value:.4f}"
            if event.eta_seconds is not None:
                latest["eta"] = f"ETA {event.eta_seconds:.0f}s"
            status = " ".join([f"epoch {event.epoch}", *latest.values()])
            bar.update(steps[0], total=max(event.total_steps, 1), completed=event.step, status=status)

        yield progress, on_event


@click.command()
@click.option("--dataset", required=True, help="Dataset name (see 'hub datasets list').")
@click.option("--model", "model_type", required=True, help="Model type (see 'hub model-types list').")
@click.option("--register", "name", required=True, help="Register the result as a new version of this model.")
@click.option("--base", metavar="NAME[:V|@ALIAS]",
              help="Registered version to adapt (model types that fine-tune a base need one; never downloaded).")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="Model parameter; repeatable.")
@click.option("--epochs", type=click.IntRange(min=1), help="Passes over the training rows (the 'epochs' parameter).")
@click.option("--max-steps", type=click.IntRange(min=1),
              help="Stop after this many optimiser steps (the 'max_steps' parameter).")
@click.option("--max-rows", type=click.IntRange(min=2),
              help="Train on a seeded, stratified sample of this many training rows, for a quick run.")
@click.option("--seed", default=0, show_default=True, help="Seed for the split and the model.")
@click.option("--test-size", default=0.25, show_default=True, help="Share of rows held out for evaluation.")
@click.option("--json", "as_json", is_flag=True, help="Print the registered version as JSON.")
@click.pass_context
def train(ctx, dataset, model_type, name, base, params, epochs, max_steps, max_rows, seed, test_size,
          as_json) -> None:
    """Train on a split of the dataset, score the held-out rows, register version N+1.

    Ctrl-C or SIGTERM stops cleanly: nothing is registered and temporary files are removed.
    """
    from hub.jobs.training import main_process, train as run_training
    from hub.plugins.manager import installed_plugins
    from hub.specs import no_events, no_progress

    params = parse_params(params)
    params.update({key: value for key, value in (("epochs", epochs), ("max_steps", max_steps)) if value})
    registry = open_registry(ctx)
    # Under torchrun one display is enough: the other processes train quietly.
    display = training_display(f"Training {model_type} on {dataset}") if main_process() else \
        contextlib.nullcontext((no_progress, no_events))
    with display as (progress, on_event):
        record = run_training(
            installed_plugins(), registry, dataset=dataset, model_type=model_type, name=name, params=params,
            seed=seed, test_size=test_size, base=base, max_rows=max_rows, progress=progress, on_event=on_event,
        )
    if record is None:
        return
    if as_json:
        emit_json(record.as_dict())
        return
    from hub.commands.models import metrics_table

    out = console()
    out.print(f"Registered [bold]{record.ref}[/] (license {record.license}: {record.license_reasons[-1]})")
    out.print(metrics_table(record))

