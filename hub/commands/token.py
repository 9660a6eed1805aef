"""``hub token create|list|revoke``: bearer tokens for ``hub serve``, stored hashed."""

from __future__ import annotations

import secrets

import click

from hub.commands import open_registry
from hub.output import console, emit_json, table


def _tokens(ctx: click.Context):
    from hub.access.tokens import Tokens

    return Tokens(open_registry(ctx).engine)


@click.group()
def token() -> None:
    """Tokens that let callers of 'hub serve' read private models and write."""


@token.command("create")
@click.option("--scope", type=click.Choice(["read", "write", "admin"]), required=True,
              help="read: private models too; write: also push; admin: also settings and the audit trail.")
@click.option("--model", "pattern", default="*", show_default=True, metavar="PATTERN",
              help="Models the token covers, as a glob such as 'team/*'.")
@click.option("--expires", metavar="WHEN", help="A duration (30d, 12h) or a date (2026-12-31); never by default.")
@click.option("--name", help="A name to list and revoke the token by [default: SCOPE-<random>].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def create(ctx: click.Context, scope: str, pattern: str, expires: str | None, name: str | None,
           as_json: bool) -> None:
    """Create a token and print its secret, which is shown this once only."""
    from hub.access.tokens import parse_expiry

    record, secret = _tokens(ctx).create(name or f"{scope}-{secrets.token_hex(3)}", scope, pattern,
                                         parse_expiry(expires))
    if as_json:
        emit_json({**record.as_dict(), "token": secret})
        return
    click.echo(secret)
    click.echo(f"Token '{record.name}' ({scope} on '{pattern}'"
               + (f", expires {record.expires_at:%Y-%m-%d %H:%M} UTC" if record.expires_at else "")
               + "). Keep the secret: it cannot be shown again.", err=True)


@token.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_tokens(ctx: click.Context, as_json: bool) -> None:
    """Every token, active or not; secrets are never shown."""
    records = _tokens(ctx).list()
    if as_json:
        emit_json([record.as_dict() for record in records])
        return
    when = lambda moment: f"{moment:%Y-%m-%d %H:%M}" if moment else ""  # noqa: E731
    console().print(table("Tokens", ("id", "name", "scope", "models", "created", "expires", "status"), [
        (str(r.id), r.name, r.scope, r.model_pattern, when(r.created_at), when(r.expires_at) or "never", r.status)
        for r in records
    ]))


@token.command("revoke")
@click.argument("name")
@click.pass_context
def revoke(ctx: click.Context, name: str) -> None:
    """Revoke a token at once: requests that carry it are refused from now on."""
    _tokens(ctx).revoke(name)
    click.echo(f"Revoked token '{name}'.")
