"""``hub audit``: the append-only log of who registered, promoted, edited or overrode what, when and why.

It holds what ``hub serve`` allowed and refused too: each row says which, and why (for a refused
token, expired, revoked, unknown or malformed, with the token's id in ``--json``).
"""

from __future__ import annotations

import click

from hub.commands import open_registry
from hub.output import console, emit_json, table


@click.command()
@click.argument("target", required=False, metavar="[MODEL[:VERSION]]")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000), help="Newest events to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def audit(ctx: click.Context, target: str | None, limit: int, as_json: bool) -> None:
    """The newest events first, for the whole registry or one model (its versions and aliases)."""
    events = open_registry(ctx).audit_log(target, limit=limit)
    if as_json:
        emit_json([{**event.as_dict(), "allowed": event.allowed} for event in events])
        return
    console().print(table("Audit log", ("when", "who", "what", "target", "outcome", "why"), [
        (f"{event.at:%Y-%m-%d %H:%M:%S}", event.actor, event.action, event.target,
         "allowed" if event.allowed else "refused", event.reason)
        for event in events
    ]))
