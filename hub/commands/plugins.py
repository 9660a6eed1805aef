"""``hub plugins``: what is installed, what each plugin provides, and whether it loaded."""

from __future__ import annotations

import click

from hub.output import console, emit_json, table


@click.group()
def plugins() -> None:
    """Installed plugins."""


@plugins.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_plugins(as_json: bool) -> None:
    """Every plugin with its version, hooks, what it provides and its status."""
    from hub.plugins import installed_plugins

    infos = sorted(installed_plugins().infos.values(), key=lambda info: info.name)
    if as_json:
        emit_json([info.as_dict() for info in infos])
        return
    rows = []
    for info in infos:
        provides = "; ".join(f"{noun}: {', '.join(names)}" for noun, names in info.provides.items())
        status = info.status if not info.errors else f"{info.status}: {' | '.join(info.errors)}"
        rows.append((info.name, info.package, info.version, ", ".join(info.hooks), provides, status))
    console().print(table("Plugins", ("name", "package", "version", "hooks", "provides", "status"), rows))
