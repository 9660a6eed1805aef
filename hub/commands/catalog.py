"""``hub datasets|model-types|trainers|evaluators list``: what the installed plugins provide.

All four listings come from one table of columns, so they look and behave alike.
"""

from __future__ import annotations

from typing import Any, Callable

import click

from hub.output import console, emit_json, table

Column = tuple[str, Callable[[Any], Any]]

LISTINGS: dict[str, tuple[str, str, list[Column]]] = {
    "datasets": ("datasets", "Datasets", [
        ("task", lambda s: s.task),
        ("target", lambda s: s.target),
        ("positive", lambda s: s.positive_label),
        ("sensitive", lambda s: ", ".join(s.sensitive_features)),
        ("license", lambda s: s.license),
        ("description", lambda s: s.description),
    ]),
    "model_types": ("models", "Model types", [
        ("framework", lambda s: s.framework),
        ("tasks", lambda s: ", ".join(s.tasks)),
        ("defaults", lambda s: ", ".join(f"{k}={v}" for k, v in s.default_params.items())),
        ("description", lambda s: s.description),
    ]),
    "trainers": ("trainers", "Trainers", [
        ("framework", lambda s: s.framework),
        ("description", lambda s: s.description),
    ]),
    "evaluators": ("evaluators", "Evaluators", [
        ("kind", lambda s: s.kind),
        ("frameworks", lambda s: ", ".join(s.frameworks) or "any"),
        ("description", lambda s: s.description),
    ]),
}


def _listing_group(attribute: str) -> click.Group:
    kind, title, columns = LISTINGS[attribute]

    @click.group(name=attribute.replace("_", "-"), help=f"{title} the installed plugins provide.")
    def group() -> None:
        pass

    @group.command("list", help=f"{title} with the plugin providing each.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    def list_command(as_json: bool) -> None:
        from hub.plugins.manager import installed_plugins

        provided = sorted(installed_plugins().all(kind).items())
        if as_json:
            emit_json([
                {"name": name, "plugin": p.plugin, **{header: get(p.spec) for header, get in columns}}
                for name, p in provided
            ])
            return
        rows = [(name, p.plugin, *(get(p.spec) for _, get in columns)) for name, p in provided]
        console().print(table(title, ("name", "plugin", *(header for header, _ in columns)), rows))

    return group


datasets = _listing_group("datasets")
model_types = _listing_group("model_types")
trainers = _listing_group("trainers")
evaluators = _listing_group("evaluators")
