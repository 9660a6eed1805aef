"""``hub review MODEL[:VERSION]``: the review checklist of a version in the terminal."""

from __future__ import annotations

import click

from hub.commands import open_registry, parse_ref
from hub.output import console, emit_json, table

from ecohub_review.checklist import blocking_failures, checklist


@click.command(help="Review checklist of a version: license, data, explanation, fairness.")
@click.argument("ref", metavar="MODEL[:VERSION]")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def review(ctx: click.Context, ref: str, as_json: bool) -> None:
    registry = open_registry(ctx)
    name, number = parse_ref(ref)
    version = registry.get_version(name, number)
    items = checklist(version, registry.read_report)
    failures = blocking_failures(items)
    if as_json:
        emit_json({"version": version.ref, "ready_for_production": not failures,
                   "items": [item.as_dict() for item in items]})
        return
    mark = {True: "[green]pass[/]", False: "[red]fail[/]"}
    rows = [(item.name, mark[item.passed] if item.blocking or item.passed else "[yellow]note[/]", item.detail)
            for item in items]
    out = console()
    out.print(table(f"Review of {version.ref}", ("item", "verdict", "detail"), rows))
    out.print(f"Ready for production: [bold]{'yes' if not failures else 'no'}[/]")
