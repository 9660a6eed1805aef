"""The ``hub`` command line.

Each subcommand lives in its own module under :mod:`hub.commands` and is imported only when it
runs, so ``hub --help`` costs a click import and nothing more.
"""

from __future__ import annotations

import importlib

import click

from hub import __version__, config
from hub.errors import HubError

COMMANDS: dict[str, tuple[str, str]] = {
    "plugins": ("hub.commands.plugins:plugins", "List installed plugins, their hooks and their status."),
    "datasets": ("hub.commands.catalog:datasets", "Datasets the installed plugins provide."),
    "model-types": ("hub.commands.catalog:model_types", "Kinds of model the installed plugins can train."),
    "trainers": ("hub.commands.catalog:trainers", "Trainers the installed plugins provide."),
    "evaluators": ("hub.commands.catalog:evaluators", "Report types the installed plugins can produce."),
    "licenses": ("hub.commands.licenses:licenses", "License ids the registry understands."),
    "models": ("hub.commands.models:models", "Registered models: list them or show one."),
    "train": ("hub.commands.train:train", "Train a model on a dataset and register it as a new version."),
    "evaluate": ("hub.commands.evaluate:evaluate", "Run SHAP, fairness and other reports on a version."),
    "demo": ("hub.commands.demo:demo", "Train and evaluate the demo model into the default registry."),
    "dashboard": ("hub.commands.dashboard:dashboard", "Open the review dashboard in a browser."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use, with help text kept in COMMANDS."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[name][0].split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in self.list_commands(ctx)])

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except HubError as error:
            message = error.message + (f"\nHint: {error.hint}" if error.hint else "")
            raise click.ClickException(message) from None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ecohub")
@click.option("--registry", metavar="URL", envvar="HUB_REGISTRY_URL",
              help="SQLAlchemy URL of the registry database [default: sqlite:///registry.db].")
@click.option("--store", metavar="DIR", envvar="HUB_STORE",
              help="Directory of the artifact store [default: hub-store/ beside registry.db].")
@click.pass_context
def cli(ctx: click.Context, registry: str | None, store: str | None) -> None:
    """ecohub: share machine-learning models and decide whether a shared model is fit to use."""
    ctx.ensure_object(dict)["location"] = config.resolve(registry, store)


def main() -> None:
    cli(prog_name="hub")
