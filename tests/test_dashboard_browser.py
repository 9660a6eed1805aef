"""The dashboard end to end in a real browser: ``hub demo``, ``hub dashboard``, then Chromium.

Leaves a screenshot of the model page in ``test-artifacts/dashboard-model.png`` for a person to look at.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
STARTUP_SECONDS = 60
PAGE_TIMEOUT_MS = 60_000


def hub(*args: str) -> list[str]:
    """The ``hub`` command line, run with the interpreter running the tests."""
    return [sys.executable, "-c", "from hub.cli import main; main()", *args]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(server: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"hub dashboard exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"hub dashboard did not answer within {STARTUP_SECONDS}s:\n{log.read_text()}")


def stop(server: subprocess.Popen) -> None:
    """Stop ``hub dashboard`` and the Streamlit server it started: they share a process group."""
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A working directory where ``hub demo`` has filled the default registry."""
    workdir = tmp_path_factory.mktemp("demo")
    env = {key: value for key, value in os.environ.items() if key not in ("HUB_REGISTRY_URL", "HUB_STORE")}
    subprocess.run(hub("demo"), cwd=workdir, env=env, check=True, capture_output=True, text=True, timeout=600)
    return workdir, env


@pytest.fixture(scope="module")
def dashboard_url(demo_dir):
    workdir, env = demo_dir
    port, log = free_port(), workdir / "dashboard.log"
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        server = subprocess.Popen(hub("dashboard", "--port", str(port)), cwd=workdir, env=env,
                                  stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_healthy(server, url, log)
        yield url
    finally:
        stop(server)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; install Chromium (make system-deps).")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_model_page_shows_the_demo_models_fairness_by_group(dashboard_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(PAGE_TIMEOUT_MS)

    page.goto(f"{dashboard_url}/model?model=credit-risk&version=1")

    by_sex = page.get_by_role("table", name="Outcomes by sex group")
    by_sex.wait_for()  # the first render of a Streamlit page can take longer than expect()'s 5 s
    expect(page.get_by_role("heading", name="credit-risk v1")).to_be_visible()
    expect(by_sex.get_by_role("cell", name="female", exact=True)).to_be_visible()
    expect(by_sex.get_by_role("cell", name="male", exact=True)).to_be_visible()
    expect(page.get_by_role("table", name="Outcomes by age group")).to_be_visible()
    expect(page.get_by_text("Explanation validity")).to_be_visible()
    expect(page.locator("[data-testid=stException]")).to_have_count(0)
    save_whole_page(page, ARTIFACTS / "dashboard-model.png")


def save_whole_page(page, path: Path) -> None:
    """Streamlit scrolls inside its own container, so grow the viewport to the content, then shoot."""
    page.wait_for_load_state("networkidle")
    page.locator("[data-testid=stVegaLiteChart] canvas, [data-testid=stVegaLiteChart] svg").last.wait_for()
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": height + 80})
    page.wait_for_timeout(1000)
    path.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
