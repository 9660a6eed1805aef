"""The ``hub`` command line.

Each subcommand lives in its own module under :mod:`hub.commands` and is imported only when it
runs, so ``hub --help`` costs a click import plus the plugin modules, for their commands.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from hub import __version__, config
from hub.commands.builtin import COMMANDS
from hub.errors import HubError



def _plugin_commands() -> dict:
    from hub.plugins.manager import installed_plugins

    return installed_plugins().all("commands")


def _crash_message(error: Exception) -> str:
    """What to say when a command fails with an error nobody anticipated: how to start without plugins."""
    lines = [f"{type(error).__name__}: {error}"]
    culprit = None
    if "hub.plugins.manager" in sys.modules:
        from hub.plugins.manager import installed_plugins

        culprit = installed_plugins().plugin_in_traceback(error.__traceback__)
    if culprit:
        lines.append(f"It was raised inside plugin {culprit.label}. Run without it: "
                     f"HUB_DISABLE_PLUGINS={culprit.name} hub ... (or 'hub plugins disable {culprit.name}').")
    lines.append("If a plugin is at fault, 'hub --no-plugins ...' starts without any; 'hub plugins list' shows "
                 "each plugin's status. HUB_STRICT_PLUGINS=1 shows the full traceback.")
    return "\n".join(lines)


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use, with help text kept in :data:`COMMANDS`.

    Plugins add commands through ``hub_commands``; a built-in command always wins a name.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS) + sorted(set(_plugin_commands()) - set(COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS:
            module_name, attribute = COMMANDS[name][0].split(":")
            return getattr(importlib.import_module(module_name), attribute)
        provided = _plugin_commands().get(name)
        if provided is None:
            return None
        from hub.plugins.manager import installed_plugins, strict

        info = installed_plugins().info(provided.plugin)
        try:
            command = provided.spec.load()
        except Exception as error:
            if strict():
                raise
            raise click.ClickException(
                f"The '{name}' command of plugin {info.label} could not be loaded: {type(error).__name__}: {error}"
            ) from None
        if not isinstance(command, click.Command):
            raise click.ClickException(f"The '{name}' command of plugin {info.label} is a "
                                       f"{type(command).__name__}, not a click command.")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in sorted(COMMANDS)])
        from_plugins = sorted((name, p) for name, p in _plugin_commands().items() if name not in COMMANDS)
        if from_plugins:
            with formatter.section("Commands from plugins"):
                formatter.write_dl([(name, f"{p.spec.help} [plugin {p.plugin}]") for name, p in from_plugins])

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except HubError as error:
            message = error.message + (f"\nHint: {error.hint}" if error.hint else "")
            raise click.ClickException(message) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            from hub.plugins.manager import strict

            if strict():
                raise
            raise click.ClickException(_crash_message(error)) from None


def _forget_loaded_plugins() -> None:
    if "hub.plugins.manager" in sys.modules:
        sys.modules["hub.plugins.manager"].installed_plugins.cache_clear()


def _no_plugins(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value:
        return
    # In the environment, so that processes the hub starts (the dashboard) load none either; put
    # back when the command ends, so that a program running the CLI in-process is left as it was.
    previous = os.environ.get("HUB_LOAD_PLUGINS")
    os.environ["HUB_LOAD_PLUGINS"] = ""
    _forget_loaded_plugins()

    def restore() -> None:
        if previous is None:
            os.environ.pop("HUB_LOAD_PLUGINS", None)
        else:
            os.environ["HUB_LOAD_PLUGINS"] = previous
        _forget_loaded_plugins()

    ctx.call_on_close(restore)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog="Plugins for one run: HUB_LOAD_PLUGINS=a,b loads only those, HUB_DISABLE_PLUGINS=a,b "
                    "leaves those out, HUB_STRICT_PLUGINS=1 raises on any plugin fault.")
@click.version_option(__version__, prog_name="ecohub")
@click.option("--registry", metavar="URL", envvar="HUB_REGISTRY_URL",
              help="SQLAlchemy URL of the registry database [default: sqlite:///registry.db].")
@click.option("--store", metavar="DIR", envvar="HUB_STORE",
              help="Directory of the artifact store [default: hub-store/ beside registry.db].")
@click.option("--no-plugins", is_flag=True, is_eager=True, expose_value=False, callback=_no_plugins,
              help="Load no plugin this run, to recover from a broken one.")
@click.pass_context
def cli(ctx: click.Context, registry: str | None, store: str | None) -> None:
    """ecohub: share machine-learning models and decide whether a shared model is fit to use."""
    ctx.ensure_object(dict)["location"] = config.resolve(registry, store)


def main() -> None:
    from hub.output import stdout_for_core

    with stdout_for_core():
        cli(prog_name="hub")
