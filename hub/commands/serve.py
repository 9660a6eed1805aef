"""``hub serve``: the registry as a Hugging Face-compatible hub, plus ecohub's own JSON API."""

from __future__ import annotations

import click

from hub.commands import open_registry


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 makes the hub reachable from other machines.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--max-header-bytes", metavar="SIZE",
              help="Largest request line and headers, answered 431 past it [env HUB_SERVE_MAX_HEADER_BYTES; 64KiB].")
@click.option("--max-body-bytes", metavar="SIZE",
              help="Largest JSON body or commit line, answered 413 past it; LFS uploads are bounded by their signed "
                   "size instead [env HUB_SERVE_MAX_BODY_BYTES; 4MiB].")
@click.option("--staging", metavar="DIR", type=click.Path(file_okay=False),
              help="Where uploads wait for their commit; what a killed server left there is removed at start "
                   "[env HUB_SERVE_STAGING; a folder in the system's temporary directory].")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, max_header_bytes: str | None, max_body_bytes: str | None,
          staging: str | None) -> None:
    """Serve the registry to huggingface_hub and transformers, and ecohub's API under /api/ecohub.

    \b
    Read:   hf_hub_download(repo, file, endpoint="http://HOST:PORT"), or HF_ENDPOINT=http://HOST:PORT
    Push:   HF_HUB_DISABLE_XET=1, a token from 'hub token create --scope write', then upload_folder
    API:    http://HOST:PORT/api/ecohub/docs
    """
    from hub.config import serve_settings
    from hub.serve.app import create_app
    from hub.serve.runner import run

    settings = serve_settings(max_header_bytes, max_body_bytes, staging)
    registry = open_registry(ctx)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    click.echo(f"Registry: {registry.url}")
    click.echo(f"Hub: http://{shown}:{port}  (HF_ENDPOINT=http://{shown}:{port}; pushes need HF_HUB_DISABLE_XET=1)")
    click.echo(f"API: http://{shown}:{port}/api/ecohub/docs  (Ctrl+C to stop)")
    click.echo(f"Limits: headers {settings.max_header_bytes} bytes, bodies {settings.max_body_bytes} bytes; "
               f"staging in {settings.staging}  (see docs/security.md)")
    run(create_app(registry, settings), host, port)
