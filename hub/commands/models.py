"""``hub models list|show``: what the registry holds."""

from __future__ import annotations

import click

from hub.commands import open_registry
from hub.commands.derive import deltas_table
from hub.output import console, emit_json, table

# Binary, multi-class and regression versions each have some of these; a listing shows those it has.
HEADLINE_METRICS = ("accuracy", "roc_auc", "f1", "f1_macro", "mae", "rmse", "r2")


def _trained_on(version) -> str:
    return ", ".join(use.dataset for use in version.datasets if use.role == "train")


def _headline(version) -> str:
    test = version.metrics.get("test", {})
    return ", ".join(f"{key} {test[key]:.3f}" for key in HEADLINE_METRICS if key in test)


def _report_names(version) -> str:
    return ", ".join(sorted({report.evaluator for report in version.reports}))


def stored_beyond_parents(registry, version) -> int:
    """Bytes the store holds for ``version`` beyond what its registered parent models already hold:
    what a fine-tune, adapter or quantization really added (a head-only fine-tune adds its head, an
    adapter only itself), since the store keeps each file and each safetensors tensor once."""
    parents = [file.sha256 for edge in version.lineage if edge.kind == "model" and edge.internal
               for file in registry.resolve(edge.parent).files]
    files = [file.sha256 for file in version.files]
    return registry.store.stored_size(parents + files) - registry.store.stored_size(parents)


def _storage(registry, record) -> dict:
    """Bytes of files as pulled against bytes the store holds, which counts shared files and tensors once."""
    store = registry.store
    latest = [file.sha256 for file in record.latest.files]
    every = [file.sha256 for version in record.versions for file in version.files]
    return {
        "latest": {"logical_bytes": store.logical_size(latest), "stored_bytes": store.stored_size(latest)},
        "all_versions": {"logical_bytes": store.logical_size(every), "stored_bytes": store.stored_size(every)},
        "versions": {str(version.version): {
            "logical_bytes": store.logical_size(file.sha256 for file in version.files),
            "stored_beyond_parents_bytes": stored_beyond_parents(registry, version)} for version in record.versions},
    }


def metrics_table(version):
    """One row per split, one column per metric; per-class metrics have their own table."""
    keys = sorted({key for values in version.metrics.values() for key in values if "[" not in key})
    return table("Metrics", ("split", *keys), [
        (split, *(f"{values[key]:.4f}" if key in values else "" for key in keys))
        for split, values in sorted(version.metrics.items())
    ])


def _per_class(version):
    """Precision and recall of each class on the held-out rows (multi-class versions), or None."""
    test = version.metrics.get("test", {})
    labels = [key[len("precision["):-1] for key in test if key.startswith("precision[")]
    if not labels:
        return None
    return table("Per class (test)", ("class", "precision", "recall"), [
        (label, f"{test[f'precision[{label}]']:.4f}", f"{test.get(f'recall[{label}]', float('nan')):.4f}")
        for label in labels
    ])


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
    registry = open_registry(ctx)
    record = registry.get_model(name)
    storage = _storage(registry, record)
    if as_json:
        emit_json({**record.as_dict(), "storage": storage})
        return
    out = console()
    out.print(f"[bold]{record.name}[/]  {record.description}")
    sizes = storage["versions"]
    out.print(table("Versions", ("version", "created", "license", "model type", "trained on", "test metrics",
                                 "reports", "bytes as pulled", "stored beyond parents"), [
        (v.version, v.created_at.strftime("%Y-%m-%d %H:%M"), v.license, v.model_type, _trained_on(v),
         _headline(v), _report_names(v), f"{sizes[str(v.version)]['logical_bytes']:,}",
         f"{sizes[str(v.version)]['stored_beyond_parents_bytes']:,}")
        for v in record.versions
    ]))
    latest = record.latest
    out.print(f"\n[bold]Version {latest.version}[/] ({latest.framework}, trainer {latest.trainer}, seed "
              f"{latest.config.get('seed')})")
    out.print(f"License {latest.license}: " + "; ".join(latest.license_reasons))
    out.print(metrics_table(latest))
    per_class = _per_class(latest)
    if per_class:
        out.print(per_class)
    if "deltas" in latest.config:
        derived = latest.config["derived"]
        out.print(f"Derived: {derived['relation']} from {derived['from']} with {derived['deriver']}")
        out.print(deltas_table(latest.config["deltas"]))
    out.print(table("Files", ("path", "size", "sha256"), [(f.path, f.size, f.sha256) for f in latest.files]))
    out.print(f"Storage: version {latest.version} is {storage['latest']['logical_bytes']:,} bytes as pulled, "
              f"{storage['latest']['stored_bytes']:,} stored; all {len(record.versions)} versions are "
              f"{storage['all_versions']['logical_bytes']:,} bytes as pulled, "
              f"{storage['all_versions']['stored_bytes']:,} stored.")
    if latest.reports:
        out.print(table("Reports", ("evaluator", "kind", "dataset", "created"), [
            (r.evaluator, r.kind, r.dataset, r.created_at.strftime("%Y-%m-%d %H:%M")) for r in latest.reports
        ]))


@models.command("search")
@click.argument("expression", default="")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000), help="Models per page.")
@click.option("--after", metavar="CURSOR", help="The cursor a previous page printed, for the next page.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def search_models(ctx: click.Context, expression: str, limit: int, after: str | None, as_json: bool) -> None:
    """Models with a version matching EXPRESSION, in name order, with their latest version and aliases.

    \b
    Filters, joined by AND, OR and parentheses (side by side means AND):
      name:acme/*  tag:team=risk  license:apache-2.0  task:text-generation  framework:sklearn
      dataset:german-credit  created>=2025-01-31  base:acme/llama  ancestor:acme/llama (at any depth)
      alias:production (the version the alias points at)
    """
    page = open_registry(ctx).search(expression, limit=limit, after=after)
    if as_json:
        emit_json(page.as_dict())
        return
    if not page.models:
        console().print("No model matches.")
        return
    console().print(table("Models", ("name", "latest", "license", "task", "framework", "aliases", "registered"), [
        (m.name, m.latest.version, m.latest.license, m.latest.task, m.latest.framework,
         ", ".join(f"{alias}={number}" for alias, number in m.aliases.items()),
         f"{m.latest.created_at:%Y-%m-%d %H:%M}")
        for m in page.models
    ]))
    if page.next_cursor:
        console().print(f"More: hub models search {expression!r} --after {page.next_cursor}")
