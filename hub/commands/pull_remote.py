"""``hub pull-remote``: register a model from a Hugging Face-compatible hub, with its record or its card."""

from __future__ import annotations

import click

from hub.commands import open_registry
from hub.output import emit_json


@click.command("pull-remote")
@click.argument("source", metavar="REPO[@REVISION]")
@click.option("--as", "name", required=True, help="The registry model to add the version to.")
@click.option("--endpoint", metavar="URL", envvar="HF_ENDPOINT",
              help="The hub to pull from: another 'hub serve', or https://huggingface.co [default].")
@click.option("--token", envvar="HF_TOKEN", help="A token for private repositories [default: HF_TOKEN].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def pull_remote(ctx: click.Context, source: str, name: str, endpoint: str | None, token: str | None,
                as_json: bool) -> None:
    """Download REPO (at REVISION, default main) and register it as the next version of --as.

    A repository pushed from ecohub brings its record (.ecohub/): reports, metrics, datasets,
    lineage and training configuration, each file checked against its digest. Its reports are
    marked imported, with where they came from; the gate policy decides whether they count here.
    """
    from hub.sharing.transfer import pull

    repo, _, revision = source.partition("@")
    version = pull(open_registry(ctx), repo, revision or None, name, endpoint=endpoint, token=token)
    if as_json:
        emit_json(version.as_dict())
    else:
        imported = f", with {len(version.reports)} imported reports" if version.reports else ""
        click.echo(f"Registered {version.ref} from {repo}, licensed {version.license}{imported}.")
