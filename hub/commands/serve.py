"""``hub serve``: the registry as a Hugging Face-compatible hub, plus ecohub's own JSON API."""

from __future__ import annotations

import click

from hub.commands import open_registry


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 makes the hub reachable from other machines.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the registry to huggingface_hub and transformers, and ecohub's API under /api/ecohub.

    \b
    Read:   hf_hub_download(repo, file, endpoint="http://HOST:PORT"), or HF_ENDPOINT=http://HOST:PORT
    Push:   HF_HUB_DISABLE_XET=1, a token from 'hub token create --scope write', then upload_folder
    API:    http://HOST:PORT/api/ecohub/docs
    """
    from hub.serve.app import create_app
    from hub.serve.runner import run

    registry = open_registry(ctx)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    click.echo(f"Registry: {registry.url}")
    click.echo(f"Hub: http://{shown}:{port}  (HF_ENDPOINT=http://{shown}:{port}; pushes need HF_HUB_DISABLE_XET=1)")
    click.echo(f"API: http://{shown}:{port}/api/ecohub/docs  (Ctrl+C to stop)")
    run(create_app(registry), host, port)
