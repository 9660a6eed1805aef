"""``hub review MODEL[:VERSION]``: the review checklist of a version in the terminal, from its canonical reports."""

from __future__ import annotations

import click

from hub.commands import open_registry, parse_ref
from hub.output import console, emit_json, table

from ecohub_review.checklist import GATED_ALIAS, blocking_failures, checklist


@click.command(help="Review checklist of a version: license, data, and its gates, from its canonical reports.")
@click.argument("ref", metavar="MODEL[:VERSION]")
@click.option("--alias", "alias", default=GATED_ALIAS, show_default=True, help="The alias whose gates to review.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def review(ctx: click.Context, ref: str, alias: str, as_json: bool) -> None:
    registry = open_registry(ctx)
    name, number = parse_ref(ref)
    version = registry.get_version(name, number)
    items = checklist(version, registry, "alias", alias)
    failures = blocking_failures(items)
    if as_json:
        emit_json({"version": version.ref, "alias": alias, "ready": not failures,
                   "ready_for_production": not failures, "items": [item.as_dict() for item in items]})
        return
    mark = {"pass": "[green]pass[/]", "fail": "[red]fail[/]", "inconclusive": "[yellow]inconclusive[/]",
            "note": "[blue]note[/]"}
    rows = [(item.name, mark[item.status], item.detail) for item in items]
    out = console()
    out.print(table(f"Review of {version.ref} for @{alias}", ("item", "verdict", "detail"), rows))
    out.print(f"Ready for {alias}: [bold]{'yes' if not failures else 'no'}[/]"
              + ("" if not failures else " (inconclusive items may go ahead with 'hub alias set ... "
                                         "--justification TEXT', which the audit log records)"))
