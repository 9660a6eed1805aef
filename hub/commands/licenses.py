"""``hub licenses``: the license ids models most often carry, with what each demands."""

from __future__ import annotations

import click

from hub.output import console, emit_json, table


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def licenses(as_json: bool) -> None:
    """Common license ids (Hugging Face's), their canonical keys and what each demands.

    Any ScanCode key or SPDX id, and expressions joining them with AND and OR, are accepted too.
    """
    from hub.registry.licenses import common

    found = common()
    if as_json:
        emit_json([{**vars(item), "traits": sorted(item.traits)} for item in found])
        return
    console().print(table("Licenses", ("id", "key", "name", "category", "demands"), [
        (lic.hf_id, lic.key, lic.name, lic.category, ", ".join(sorted(lic.traits)) or "nothing")
        for lic in found
    ]))
