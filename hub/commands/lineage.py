"""``hub lineage``: what a version was made from, and what was made from it, at any depth."""

from __future__ import annotations

import click

from hub.commands import open_registry
from hub.output import console, emit_json, table


@click.command()
@click.argument("ref", metavar="MODEL[:VERSION|@ALIAS]")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def lineage(ctx: click.Context, ref: str, as_json: bool) -> None:
    """Ancestors (base models, datasets) and descendants (fine-tunes, adapters, quantized copies) of a version."""
    found = open_registry(ctx).lineage(ref)
    if as_json:
        emit_json(found.as_dict())
        return
    out = console()
    columns = ("depth", "child", "relation", "parent", "parent license", "registered here")
    for title, edges in (("Made from", found.ancestors), ("Made from it", found.descendants)):
        if edges:
            out.print(table(f"{title} ({found.version})", columns, [
                (edge.depth, edge.child, edge.relation, edge.parent, edge.license, "yes" if edge.internal else "no")
                for edge in edges
            ]))
        else:
            out.print(f"{title} ({found.version}): nothing recorded.")
