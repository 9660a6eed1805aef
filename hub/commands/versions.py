"""``hub versions``: every version of a model, with its commit, license, tags and aliases."""

from __future__ import annotations

import click

from hub.commands import open_registry
from hub.output import console, emit_json, table


@click.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def versions(ctx: click.Context, name: str, as_json: bool) -> None:
    """Every version of NAME, oldest first."""
    record = open_registry(ctx).get_model(name)
    if as_json:
        emit_json({"model": record.name, "aliases": record.aliases,
                   "versions": [version.as_dict() for version in record.versions]})
        return
    console().print(table(f"{record.name}: {len(record.versions)} versions", (
        "version", "commit", "created", "by", "license", "aliases", "tags", "made from"), [
        (v.version, v.commit[:12], f"{v.created_at:%Y-%m-%d %H:%M}", v.created_by, v.license, ", ".join(v.aliases),
         ", ".join(f"{key}={value}" for key, value in sorted(v.tags.items())),
         ", ".join(f"{edge.relation} {edge.parent}" for edge in v.lineage))
        for v in record.versions
    ]))
