"""``hub gc``: remove what no version or report refers to, safely while others keep working."""

from __future__ import annotations

import click

from hub.commands import open_registry
from hub.output import console, emit_json
from hub.registry.maintenance import DEFAULT_GRACE_SECONDS, collect_garbage


@click.command()
@click.option("--grace", default=DEFAULT_GRACE_SECONDS, show_default=True, type=click.FloatRange(min=0),
              metavar="SECONDS",
              help="Keep anything written more recently than this, so registrations in progress keep their files.")
@click.option("--dry-run", is_flag=True, help="Say what would be removed, and remove nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def gc(ctx: click.Context, grace: float, dry_run: bool, as_json: bool) -> None:
    """Remove unreferenced stored files, chunks and leftover uploads older than the grace period."""
    result = collect_garbage(open_registry(ctx), grace, dry_run=dry_run)
    if as_json:
        emit_json(result.as_dict())
        return
    verb = "Would remove" if dry_run else "Removed"
    console().print(f"{verb} {len(result.files)} files, {len(result.chunks)} chunks and "
                    f"{len(result.temporaries)} leftover uploads: {result.freed_bytes:,} bytes.")
