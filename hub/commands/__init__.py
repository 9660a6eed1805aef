"""One module per ``hub`` subcommand (or group of subcommands), imported only when run."""

from __future__ import annotations

import click

from hub.config import Location


def location(ctx: click.Context) -> Location:
    """The registry location chosen by the global ``--registry``/``--store`` options."""
    return ctx.find_object(dict)["location"]


def open_registry(ctx: click.Context):
    from hub.registry import Registry

    where = location(ctx)
    return Registry(where.url, where.store)


def parse_ref(ref: str) -> tuple[str, int | None]:
    """``NAME`` or ``NAME:VERSION`` (the latest version when none is given)."""
    name, _, version = ref.partition(":")
    if version and not version.isdigit():
        raise click.BadParameter(f"'{ref}' is not NAME or NAME:VERSION (VERSION is a number).")
    return name, int(version) if version else None
