"""``hub push``: send a version to a Hugging Face-compatible hub with its record: card, reports, verdicts."""

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
@click.option("--private", is_flag=True, default=None,
              help="Create the repository private if it is new. A version failing a publish check may be pushed "
                   "to a private repository for review; its card says so.")
@click.option("--justification", metavar="TEXT",
              help="Push even though a check or the license policy fails; recorded in the audit log and the card.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def push(ctx: click.Context, ref: str, repo: str, endpoint: str | None, token: str | None,
         private: bool | None, justification: str | None, as_json: bool) -> None:
    """Push a version and its record to REPO after its publish checks and the license policy pass."""
    from hub.sharing.transfer import push as push_version

    name, version = parse_ref(ref)
    pushed = push_version(open_registry(ctx), name, version, repo, endpoint=endpoint, token=token, private=private,
                          justification=justification)
    if as_json:
        emit_json({"repo": pushed.repo, "commit": pushed.commit, "url": pushed.url, "review": pushed.review,
                   "overridden": pushed.overridden})
    else:
        marked = " for review (private; its card says which checks fail)" if pushed.review else ""
        overridden = f", overriding: {'; '.join(pushed.overridden)}" if pushed.overridden else ""
        click.echo(f"Pushed {ref} to {pushed.repo}{marked} as commit {pushed.commit}{overridden}: {pushed.url}")
