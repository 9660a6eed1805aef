"""``hub gates show|set|check``: the gate policy (what a version needs for an alias or a push) as data."""

from __future__ import annotations

from pathlib import Path

import click

from hub.commands import open_registry
from hub.output import console, emit_json, table

MAX_POLICY_BYTES = 256 * 1024


@click.group()
def gates() -> None:
    """Gate policies: what a version needs before it takes an alias or is pushed, per registry or namespace.

    A policy is a YAML or JSON file (docs/gates.md); every change is in the audit log.
    """


@gates.command("show")
@click.argument("model", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def show(ctx: click.Context, model: str | None, as_json: bool) -> None:
    """Print the policy that governs MODEL (its namespace's, else the registry's, else the default)."""
    # A model of the default namespace is governed by the registry's policy, or the default.
    scope, policy = open_registry(ctx).gate_policy(model or "any-model")
    if as_json:
        emit_json({"scope": scope, "policy": policy})
        return
    from hub.registry import card_yaml

    click.echo(f"# gate policy: {scope}")
    click.echo(card_yaml.dump(policy, sort_keys=False, allow_unicode=True), nl=False)


@gates.command("set")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--namespace", help="Set the policy of this namespace only [default: the whole registry].")
@click.pass_context
def set_policy(ctx: click.Context, source: Path, namespace: str | None) -> None:
    """Store the policy in SOURCE (YAML or JSON) for the registry or one namespace."""
    from hub.errors import HubError
    from hub.registry import card_yaml

    if source.stat().st_size > MAX_POLICY_BYTES:
        raise HubError(f"{source} is larger than {MAX_POLICY_BYTES // 1024} KiB; a gate policy is a few lines.")
    try:
        document = card_yaml.load(source.read_text(encoding="utf-8"))
    except (card_yaml.YAMLError, UnicodeDecodeError) as error:
        raise HubError(f"{source} is not YAML or JSON: {error}.", "See docs/gates.md for the format.") from None
    stored = open_registry(ctx).set_gate_policy(document, namespace)
    click.echo(f"Stored the gate policy of {namespace or 'the registry'}: {len(stored['gates'])} gate(s).")


@gates.command("check")
@click.argument("ref", metavar="MODEL[:VERSION|@ALIAS]")
@click.option("--alias", help="Judge the gates of this alias.")
@click.option("--push", "push", is_flag=True, help="Judge the gates of a push.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def check(ctx: click.Context, ref: str, alias: str | None, push: bool, as_json: bool) -> None:
    """Judge a version against its gates, from its canonical reports; exits 1 unless every one passes."""
    if bool(alias) == push:
        raise click.UsageError("Give exactly one of --alias NAME or --push.")
    registry = open_registry(ctx)
    version = registry.resolve(ref)
    results = registry.gate(version, "push" if push else "alias", alias or "")
    passed = all(result.status == "pass" for result in results)
    if as_json:
        emit_json({"version": version.ref, "passed": passed, "results": [r.as_dict() for r in results]})
    else:
        colour = {"pass": "green", "fail": "red", "inconclusive": "yellow"}
        console().print(table(f"Gates of {version.ref} for {'push' if push else '@' + alias}",
                              ("gate", "requirement", "verdict", "detail"),
                              [(r.gate, r.requirement, f"[{colour[r.status]}]{r.status}[/]", r.detail)
                               for r in results]))
    ctx.exit(0 if passed else 1)


