"""``hub licenses``: the license ids the registry accepts, with what each demands."""

from __future__ import annotations

import click

from hub.output import console, emit_json, table


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def licenses(as_json: bool) -> None:
    """License ids the registry understands and the obligations each carries."""
    from hub.licenses import LICENSES

    if as_json:
        emit_json([vars(item) for item in LICENSES.values()])
        return
    yes = lambda flag: "yes" if flag else "no"  # noqa: E731
    rows = [
        (lic.id, lic.name, yes(lic.commercial), yes(lic.derivatives), yes(lic.share_alike),
         yes(lic.attribution), yes(lic.use_restrictions))
        for lic in LICENSES.values()
    ]
    console().print(table("Licenses", ("id", "name", "commercial", "derivatives", "share-alike",
                                       "attribution", "use restrictions"), rows))
