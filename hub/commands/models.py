"""``hub models list|show``: what the registry holds."""

from __future__ import annotations

import click

from hub.commands import open_registry
from hub.output import console, emit_json, table

HEADLINE_METRICS = ("accuracy", "roc_auc", "f1")


def _trained_on(version) -> str:
    return ", ".join(use.dataset for use in version.datasets if use.role == "train")


def _headline(version) -> str:
    test = version.metrics.get("test", {})
    return ", ".join(f"{key} {test[key]:.3f}" for key in HEADLINE_METRICS if key in test)


def _report_names(version) -> str:
    return ", ".join(sorted({report.evaluator for report in version.reports}))


@click.group()
def models() -> None:
    """Registered models."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_models(ctx: click.Context, as_json: bool) -> None:
    """Every registered model with its latest version."""
    records = open_registry(ctx).list_models()
    if as_json:
        emit_json([record.as_dict() for record in records])
        return
    if not records:
        console().print("The registry is empty. Run [bold]hub demo[/] or [bold]hub train[/] to add a model.")
        return
    rows = []
    for record in records:
        latest = record.latest
        rows.append((record.name, len(record.versions), latest.version, latest.license, latest.model_type,
                     _trained_on(latest), _headline(latest), _report_names(latest)))
    console().print(table("Models", ("name", "versions", "latest", "license", "model type", "trained on",
                                     "test metrics", "reports"), rows))


@models.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def show_model(ctx: click.Context, name: str, as_json: bool) -> None:
    """One model: its versions, license, training data, metrics and reports."""
    record = open_registry(ctx).get_model(name)
    if as_json:
        emit_json(record.as_dict())
        return
    out = console()
    out.print(f"[bold]{record.name}[/]  {record.description}")
    out.print(table("Versions", ("version", "created", "license", "model type", "trained on", "test metrics",
                                 "reports"), [
        (v.version, v.created_at.strftime("%Y-%m-%d %H:%M"), v.license, v.model_type, _trained_on(v),
         _headline(v), _report_names(v))
        for v in record.versions
    ]))
    latest = record.latest
    out.print(f"\n[bold]Version {latest.version}[/] ({latest.framework}, trainer {latest.trainer}, seed "
              f"{latest.config.get('seed')})")
    out.print(f"License {latest.license}: " + "; ".join(latest.license_reasons))
    out.print(table("Metrics", ("split", *sorted(latest.metrics.get("test", {}))), [
        (split, *(f"{values.get(key, float('nan')):.4f}" for key in sorted(latest.metrics.get("test", {}))))
        for split, values in sorted(latest.metrics.items())
    ]))
    out.print(table("Files", ("path", "size", "sha256"), [(f.path, f.size, f.sha256) for f in latest.files]))
    if latest.reports:
        out.print(table("Reports", ("evaluator", "kind", "dataset", "created"), [
            (r.evaluator, r.kind, r.dataset, r.created_at.strftime("%Y-%m-%d %H:%M")) for r in latest.reports
        ]))
