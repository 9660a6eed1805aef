"""``hub alias set|rm``: point a name such as ``production`` at a version, or remove it.

Moving an alias runs the license policy over the version's lineage and every installed publish
check; a failure, or a protected alias moved by someone who is not an admin, needs
``--justification``, which the audit log records.
"""

from __future__ import annotations

import click

from hub.commands import open_registry
from hub.output import console, emit_json


@click.group()
def alias() -> None:
    """Aliases: names such as production and staging that point at a version."""


@alias.command("set")
@click.argument("ref", metavar="MODEL[:VERSION]")
@click.argument("name", metavar="ALIAS")
@click.option("--justification", help="Why to go ahead despite a failed check or a protected alias (audited).")
@click.option("--json", "as_json", is_flag=True, help="Print the version the alias now points at as JSON.")
@click.pass_context
def set_alias(ctx: click.Context, ref: str, name: str, justification: str | None, as_json: bool) -> None:
    """Point MODEL@ALIAS at VERSION (the latest when none is given)."""
    from hub.registry.naming import parse_ref

    target = parse_ref(ref)
    if target.alias:
        raise click.BadParameter(f"'{ref}' names an alias; give MODEL or MODEL:VERSION.", param_hint="REF")
    record = open_registry(ctx).set_alias(target.name, name, target.version, justification=justification)
    if as_json:
        emit_json(record.as_dict())
        return
    console().print(f"{record.model}@{name} -> {record.ref} (commit {record.commit[:12]})")


@alias.command("rm")
@click.argument("model")
@click.argument("name", metavar="ALIAS")
@click.option("--justification", help="Why, for a protected alias when you are not an admin (audited).")
@click.pass_context
def remove_alias(ctx: click.Context, model: str, name: str, justification: str | None) -> None:
    """Remove MODEL@ALIAS."""
    open_registry(ctx).remove_alias(model, name, justification=justification)
    console().print(f"Removed {model}@{name}.")
