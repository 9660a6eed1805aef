"""One module per ``hub`` subcommand (or group of subcommands), imported only when run."""

from __future__ import annotations

import click

from hub.config import Location


def location(ctx: click.Context) -> Location:
    """The registry location chosen by the global ``--registry``/``--store`` options."""
    return ctx.find_object(dict)["location"]


def open_registry(ctx: click.Context):
    """The chosen registry, wired to the installed plugins' storage backends, listeners and checks."""
    from hub.plugins.events import open_registry as open_with_plugins
    from hub.plugins.manager import installed_plugins

    where = location(ctx)
    return open_with_plugins(where.url, where.store, installed_plugins())


def parse_ref(ref: str) -> tuple[str, int | None]:
    """``NAME`` or ``NAME:VERSION`` (the latest version when none is given)."""
    name, _, version = ref.partition(":")
    if version and not version.isdigit():
        raise click.BadParameter(f"'{ref}' is not NAME or NAME:VERSION (VERSION is a number).")
    return name, int(version) if version else None
