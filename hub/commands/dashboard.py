"""``hub dashboard``: serve the Streamlit review dashboard for the chosen registry.

Streamlit runs in a child process (``python -m streamlit run``), so the ``hub`` process itself never
imports it; the registry location reaches the app through ``HUB_REGISTRY_URL`` and ``HUB_STORE``.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

import click

from hub.commands import location

SHUTDOWN_GRACE_SECONDS = 10
OFFLINE = (
    "--browser.gatherUsageStats", "false",  # the browser would report usage to Streamlit's servers
    "--server.showEmailPrompt", "false",  # a first run would ask for an email and post it to Streamlit
)
"""Settings that keep Streamlit from contacting any other host. The pages' own assets (favicon,
fonts, scripts) are served by this server; ``tests/test_dashboard_browser.py`` checks every
request a browser makes stays on it."""


def app_path() -> Path:
    """The dashboard's entry script, found without importing the dashboard or Streamlit."""
    spec = importlib.util.find_spec("hub.dashboard")
    if spec is None or not spec.submodule_search_locations:
        raise click.ClickException("The hub.dashboard package is missing; reinstall ecohub.")
    return Path(list(spec.submodule_search_locations)[0]) / "app.py"


def streamlit_command(port: int, host: str) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(app_path()),
        "--server.port", str(port),
        "--server.address", host,
        "--server.headless", "true",
        "--client.toolbarMode", "minimal",  # a review tool: no "Deploy" button or developer menu
        *OFFLINE,
    ]


@click.command()
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 makes the dashboard reachable from other machines.")
@click.pass_context
def dashboard(ctx: click.Context, port: int, host: str) -> None:
    """Browse models, review their SHAP and fairness reports, and train new ones in a browser."""
    where = location(ctx)
    environment = {**os.environ, "HUB_REGISTRY_URL": where.url, "HUB_STORE": where.store}
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    click.echo(f"Registry: {where.url}")
    click.echo(f"Dashboard: http://{shown_host}:{port}  (Ctrl+C to stop)")
    server = subprocess.Popen(streamlit_command(port, host), env=environment)
    # A service manager stops us with SIGTERM; pass it on so Streamlit is not left running.
    previous = signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    try:
        code = server.wait()
    except KeyboardInterrupt:
        # The terminal sent Ctrl+C to Streamlit as well; let it finish shutting down.
        try:
            code = server.wait(timeout=SHUTDOWN_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            code = server.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    ctx.exit(0 if code in (0, -signal.SIGINT, -signal.SIGTERM) else code)
