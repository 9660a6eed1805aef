"""``hub push``: send a version to a Hugging Face-compatible hub, license and lineage in its card."""

from __future__ import annotations

import click

from hub.commands import open_registry, parse_ref
from hub.output import emit_json


@click.command()
@click.argument("ref", metavar="MODEL[:VERSION]")
@click.argument("repo")
@click.option("--endpoint", metavar="URL", envvar="HF_ENDPOINT",
              help="The hub to push to: another 'hub serve', or https://huggingface.co [default].")
@click.option("--token", envvar="HF_TOKEN", help="A write token for that hub [default: HF_TOKEN].")
@click.option("--private", is_flag=True, default=None, help="Create the repository private if it is new.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def push(ctx: click.Context, ref: str, repo: str, endpoint: str | None, token: str | None,
         private: bool | None, as_json: bool) -> None:
    """Push a version to REPO after its publish checks and the license policy pass."""
    from hub.sharing.transfer import push as push_version

    name, version = parse_ref(ref)
    pushed = push_version(open_registry(ctx), name, version, repo, endpoint=endpoint, token=token, private=private)
    if as_json:
        emit_json({"repo": pushed.repo, "commit": pushed.commit, "url": pushed.url})
    else:
        click.echo(f"Pushed {ref} to {pushed.repo} as commit {pushed.commit}: {pushed.url}")
