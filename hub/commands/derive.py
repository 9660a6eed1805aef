"""``hub derive``: make a new version from a registered one with a deriver plugin (quantize, mitigate...)."""

from __future__ import annotations

import click

from hub.commands import open_registry
from hub.commands.train import parse_params
from hub.output import console, emit_json, progress_bar, table


def _number(value) -> str:
    return "" if value is None else f"{value:,.4f}" if isinstance(value, float) else f"{value:,}"


def deltas_table(deltas: dict):
    """Parent against derived version: size and latency (derived over parent), then each metric and
    fairness number."""
    size, latency = deltas["size_bytes"], deltas["latency_ms_per_row"]
    rows = [("size (bytes)", _number(size["parent"]), _number(size["derived"]), f"× {_number(size['ratio'])}"),
            ("latency (ms/row)", _number(latency["parent"]), _number(latency["derived"]),
             f"× {_number(latency['ratio'])}")]
    rows += [(key, _number(v["parent"]), _number(v["derived"]), f"{v['delta']:+.4f}")
             for key, v in deltas["metrics"].items()]
    rows += [(f"{evaluator}: {key}", _number(v["parent"]), _number(v["derived"]), f"{v['delta']:+.4f}")
             for evaluator, numbers in deltas["reports"].items() for key, v in numbers.items()]
    return table(f"Against the parent, on its {deltas['rows']} held-out rows", ("", "parent", "derived", "change"),
                 rows)


@click.command()
@click.argument("ref", metavar="MODEL[:VERSION|@ALIAS]")
@click.option("--with", "deriver", required=True, help="Deriver (see 'hub plugins list': derivers).")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="Deriver parameter; repeatable.")
@click.option("--as", "name", metavar="NAME", help="Register as a version of this model [default: the parent's].")
@click.option("--json", "as_json", is_flag=True, help="Print the registered version and the deltas as JSON.")
@click.pass_context
def derive(ctx, ref, deriver, params, name, as_json) -> None:
    """Derive a new version from MODEL, judge it on the parent's held-out rows, and show what changed."""
    from hub.jobs.deriving import derive as run_derive
    from hub.plugins.manager import installed_plugins

    with progress_bar(f"Deriving {ref} with {deriver}") as progress:
        result = run_derive(installed_plugins(), open_registry(ctx), ref, deriver, params=parse_params(params),
                            name=name, progress=progress)
    if as_json:
        emit_json({"version": result.version.as_dict(), "deltas": result.deltas,
                   "reports": {r.evaluator: r.body for r in result.reports}})
        return
    out = console()
    derived = result.version.config["derived"]
    out.print(f"Registered [bold]{result.version.ref}[/]: {derived['relation']} from {derived['from']} "
              f"(license {result.version.license})")
    out.print(deltas_table(result.deltas))
