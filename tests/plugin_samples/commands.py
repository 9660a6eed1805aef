"""A plugin adding two commands: one of its own, and one whose name a built-in command has."""

import click

from hub import hookimpl
from hub.specs import CommandSpec


@click.command(help="Greet someone.")
@click.argument("name")
def hello(name):
    click.echo(f"Hello, {name}")


@click.command(help="Fail the way a buggy plugin does.")
def explode():
    raise ValueError("the plugin's own bug")


@hookimpl
def hub_commands():
    return [
        CommandSpec(name="hello", help="Greet someone.", load=lambda: hello),
        CommandSpec(name="explode", help="Fail the way a buggy plugin does.", load=lambda: explode),
        CommandSpec(name="models", help="Shadow a built-in command.", load=lambda: hello),
    ]
