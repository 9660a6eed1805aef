"""``hub report MODEL[:VERSION] --html FILE``: a version's review as one self-contained offline HTML file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from hub.commands import open_registry


@click.command()
@click.argument("ref", metavar="MODEL[:VERSION|@ALIAS]")
@click.option("--html", "target", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the HTML page here (replaced atomically if it exists).")
@click.option("--alias", default="production", show_default=True, help="Show the gates of this alias.")
@click.pass_context
def report(ctx: click.Context, ref: str, target: Path, alias: str) -> None:
    """Write the review of a version (gates, metrics, canonical fairness and explanation reports,
    threshold curves) as one HTML file with inline CSS and SVG: it needs no network to open."""
    from hub.registry.report_html import render

    registry = open_registry(ctx)
    version = registry.resolve(ref)
    page = render(registry, version, alias=alias)
    target = target.resolve()
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(page)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    click.echo(f"Wrote the review of {version.ref} to {target} ({len(page.encode()) // 1024} KiB).")
