"""``hub license check``: the license policy over a version's whole lineage, step by step."""

from __future__ import annotations

import click

from hub.commands import open_registry
from hub.output import console, emit_json, table


@click.group()
def license() -> None:
    """License reasoning over lineage."""


@license.command("check")
@click.argument("ref", metavar="MODEL[:VERSION|@ALIAS]")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def check(ctx: click.Context, ref: str, as_json: bool) -> None:
    """Print every step of the chain with the reasoning; exit 1 when the policy fails."""
    registry = open_registry(ctx)
    record = registry.resolve(ref)
    result = registry.check_license(record.ref)
    if as_json:
        emit_json({**result.as_dict(), "concluded_license": record.license})
    else:
        out = console()
        out.print(f"[bold]{record.ref}[/] declares {record.declared_license}; concluded license {record.license}")
        for reason in record.license_reasons:
            out.print(f"  {reason}", markup=False, highlight=False)
        for note in result.notes:
            out.print(f"  {note.level}: {note.message}", markup=False, highlight=False)
        if result.steps:
            out.print(table("Lineage, nearest first", ("depth", "child", "license", "relation", "parent",
                                                        "parent license", "verdict", "reasoning"), [
                (step.depth, step.child, step.child_license, step.relation, step.parent, step.parent_license,
                 step.level, "\n".join(f"{f.level}: {f.message}" for f in step.findings))
                for step in result.steps
            ]))
        else:
            out.print("No lineage recorded: nothing to check against.")
        out.print(f"Verdict: [bold]{result.verdict}[/]")
    if result.verdict == "fail":
        ctx.exit(1)
