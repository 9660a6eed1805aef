"""``hub card show|edit``: a version's model card, a Hugging Face README.md written from the registry."""

from __future__ import annotations

from pathlib import Path

import click

from hub.commands import open_registry
from hub.output import emit_json


@click.group()
def card() -> None:
    """Model cards: show one, or edit its text and free-form metadata."""


@card.command("show")
@click.argument("ref", metavar="MODEL[:VERSION|@ALIAS]")
@click.option("--json", "as_json", is_flag=True, help="Print the front matter and the text as JSON.")
@click.pass_context
def show_card(ctx: click.Context, ref: str, as_json: bool) -> None:
    """Print the model card (README.md with YAML front matter)."""
    from hub.registry.cards import parse

    text = open_registry(ctx).card(ref)
    if as_json:
        metadata, body = parse(text)
        emit_json({"metadata": metadata, "body": body})
        return
    click.echo(text, nl=False)


@card.command("edit")
@click.argument("ref", metavar="MODEL[:VERSION|@ALIAS]")
@click.option("--file", "source", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Take the edited card from this file instead of opening $EDITOR.")
@click.pass_context
def edit_card(ctx: click.Context, ref: str, source: Path | None) -> None:
    """Edit the card's text and metadata; what the registry records (license, lineage, ...) stays as it is."""
    registry = open_registry(ctx)
    text = source.read_text() if source else click.edit(registry.card(ref), extension=".md")
    if text is None:
        click.echo("No change.")
        return
    registry.edit_card(ref, text)
    click.echo(f"Saved the card of {registry.resolve(ref).ref}.")
