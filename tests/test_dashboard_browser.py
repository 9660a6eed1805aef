"""The dashboard end to end in a real browser: a registry filled with the ``hub`` command line,
``hub dashboard``, then Debian's Chromium.

One registry (two evaluated versions of credit-risk) and one dashboard serve the whole module. Each flow saves screenshots in
``test-artifacts/`` for a person to look at. :class:`Dashboard` holds what every flow needs: open
a page by name with its query parameters, wait for Streamlit to finish running, pick from a
select box, save a screenshot, and the log of every request the browser made.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlparse

import pytest
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1440, "height": 900}
STARTUP_SECONDS = 60
PAGE_TIMEOUT_MS = 60_000
PAGES = ("registry", "model", "explanations", "fairness", "compare", "signoff", "train", "plugins")
LOCAL_SCHEMES = ("data", "blob", "about")


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
    """A working directory whose default registry holds credit-risk v1 and v2, both evaluated on
    their declared sensitive columns: what a reviewer compares and signs off. (``hub demo`` itself
    is exercised by the main-job tests; it takes minutes that these flows do not need.)"""
    workdir = tmp_path_factory.mktemp("demo")
    env = {key: value for key, value in os.environ.items() if key not in ("HUB_REGISTRY_URL", "HUB_STORE")}
    for seed in ("0", "1"):
        for command in (("train", "--dataset", "german-credit", "--model", "gradient-boosting",
                         "--register", "credit-risk", "--seed", seed), ("evaluate", "credit-risk")):
            subprocess.run(hub(*command), cwd=workdir, env=env, check=True, capture_output=True, text=True,
                           timeout=300)
    return workdir, env


def models(demo_dir) -> dict[str, list[int]]:
    """The demo registry's models and their version numbers, as ``hub models list`` reports them."""
    workdir, env = demo_dir
    listing = subprocess.run(hub("models", "list", "--json"), cwd=workdir, env=env, check=True, capture_output=True,
                             text=True, timeout=60)
    return {model["name"]: [v["version"] for v in model.get("versions", [])] or [model.get("latest_version")]
            for model in json.loads(listing.stdout)}


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


class Dashboard:
    """One browser tab on the dashboard, with the log of every request it made."""

    def __init__(self, page: Page, url: str):
        self.page, self.url = page, url
        self.requests: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))

    def goto(self, name: str, **params: str) -> Page:
        """Open a page by its URL path (``"fairness"``, ``model="credit-risk", version="1"``) and wait for it.
        The default page, ``registry``, is served at the root."""
        self.page.goto(f"{self.url}/{'' if name == 'registry' else name}" + (f"?{urlencode(params)}" if params else ""))
        self.settled()
        expect(self.page.get_by_text("Page not found")).to_have_count(0)
        return self.page

    def settled(self) -> None:
        """Wait until Streamlit has finished running the page's script (fragments may run again later)."""
        self.page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for()
        # Elements of the previous run (a widget whose key changed) linger as stale until cleared.
        expect(self.page.locator("[data-stale=true]")).to_have_count(0)
        expect(self.page.locator("[data-testid=stException]")).to_have_count(0)

    def choose(self, label: str, option: str) -> None:
        """Pick ``option`` in the select box labelled ``label``."""
        self.page.locator("[data-testid=stSelectbox]").filter(has_text=label).first.click()
        self.page.get_by_role("option", name=option).first.click()
        self.settled()

    def fill(self, label: str, value: str) -> None:
        """Type into an input; Tab commits it without submitting the form it is in."""
        field = self.page.get_by_label(label, exact=True)
        field.fill(value)
        field.press("Tab")

    def shot(self, name: str) -> None:
        """Save the whole page: Streamlit scrolls inside its own container, so grow the viewport first."""
        height = self.page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
        self.page.set_viewport_size({"width": VIEWPORT["width"], "height": max(height + 80, VIEWPORT["height"])})
        self.page.wait_for_timeout(300)
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        self.page.set_viewport_size(VIEWPORT)

    def elsewhere(self) -> list[str]:
        """Every request that went anywhere but this dashboard's own server."""
        own = urlparse(self.url).netloc
        return [url for url in self.requests
                if urlparse(url).scheme not in LOCAL_SCHEMES and urlparse(url).netloc != own]


@pytest.fixture
def dashboard(browser, dashboard_url):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield Dashboard(page, dashboard_url)
    finally:
        context.close()


def test_every_page_loads_only_from_the_dashboard_itself(dashboard):
    for name in PAGES:
        dashboard.goto(name, **({"model": "credit-risk", "version": "1"} if name != "train" else {}))
        dashboard.page.wait_for_load_state("networkidle")
    dashboard.shot("dashboard-plugins")

    assert dashboard.elsewhere() == []
    favicon = dashboard.page.locator("link[rel='shortcut icon']").get_attribute("href")
    assert urlparse(favicon).netloc in ("", urlparse(dashboard.url).netloc), favicon
    assert len(dashboard.requests) > len(PAGES)  # the log did record the pages' own requests


def test_train_shows_live_progress_and_cancel_registers_nothing(dashboard, demo_dir):
    page = dashboard.goto("train")
    dashboard.choose("Dataset", "german-credit  (tabular-classification)")
    dashboard.choose("Model type", "mlp")
    dashboard.fill("Registered name", "browser-cancelled")
    dashboard.fill("Max training rows", "200")
    dashboard.fill("epochs", "5000")
    dashboard.fill("patience", "5000")

    page.get_by_role("button", name="Train and register").click()
    expect(page.get_by_text("Validation loss", exact=True)).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    first_step = page.locator("[data-testid=stMetric]").filter(has_text="Step").inner_text()
    page.locator("[data-testid=stVegaLiteChart]").first.wait_for()
    page.wait_for_timeout(1500)
    dashboard.shot("train-progress")
    later_step = page.locator("[data-testid=stMetric]").filter(has_text="Step").inner_text()
    page.get_by_role("button", name="Cancel training").click()
    expect(page.get_by_text("was cancelled: no version was registered")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    dashboard.shot("train-cancelled")

    assert first_step != later_step  # the chart and figures moved while the page sat still
    assert "browser-cancelled" not in models(demo_dir)
    assert dashboard.elsewhere() == []


def test_train_registers_then_evaluates_with_progress(dashboard, demo_dir):
    page = dashboard.goto("train")
    dashboard.choose("Dataset", "german-credit  (tabular-classification)")
    dashboard.choose("Model type", "logistic-regression")
    dashboard.fill("Registered name", "browser-screen")
    dashboard.fill("Max training rows", "300")

    page.get_by_role("button", name="Train and register").click()
    expect(page.get_by_text("Registered browser-screen:1")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    page.get_by_role("button", name="Run evaluators").click()
    expect(page.get_by_text("s elapsed")).to_be_visible()
    dashboard.shot("evaluate-progress")
    expect(page.get_by_text("Evaluated browser-screen:1")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    dashboard.shot("evaluate-done")

    assert models(demo_dir)["browser-screen"] == [1]
    expect(page.get_by_role("link", name="Open browser-screen:1 for review")).to_be_visible()


def test_a_reviewer_searches_reads_fairness_moves_the_threshold_compares_and_signs_off(dashboard, demo_dir):
    page = dashboard.goto("registry")
    search = page.get_by_role("textbox", name="Search")
    search.fill("dataset:german-credit")
    search.press("Enter")
    dashboard.settled()
    assert "q=dataset" in page.url
    expect(page.get_by_role("link", name="credit-risk v2")).to_be_visible()
    dashboard.shot("review-1-search")

    page.get_by_role("link", name="credit-risk v2").click()
    page.wait_for_url("**/model?**")
    dashboard.settled()
    assert "model=credit-risk" in page.url and "version=2" in page.url  # the permalink, as shared
    expect(page.get_by_role("heading", name="credit-risk v2")).to_be_visible()
    dashboard.shot("review-2-version")

    page.get_by_role("link", name="Open the fairness report").click()
    page.wait_for_url("**/fairness?**")
    dashboard.settled()
    assert "/fairness" in page.url and "version=2" in page.url
    caption = page.get_by_text("Selection-rate ratio at").first
    before = caption.inner_text()
    slider = page.get_by_role("slider", name="Decision threshold").first
    slider.focus()
    for _ in range(5):
        slider.press("ArrowRight")
    dashboard.settled()
    expect(caption).not_to_have_text(before)  # the groups' rates moved with the threshold
    dashboard.shot("review-3-fairness-threshold")

    page = dashboard.goto("compare", model="credit-risk", version="2", against="1")
    expect(page.get_by_text("Decisions that flip").first).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    dashboard.shot("review-4-compare")

    page = dashboard.goto("signoff", model="credit-risk", version="2")
    page.get_by_text("Approve", exact=True).click()
    page.get_by_role("textbox", name="Comment").fill("Fairness intervals read; churn by group acceptable.")
    page.get_by_role("textbox", name="Reviewer").fill("browser-reviewer")
    page.get_by_role("button", name="Record decision").click()
    dashboard.settled()
    expect(page.get_by_text("Recorded: browser-reviewer approved credit-risk:2")).to_be_visible()
    dashboard.shot("review-5-signed-off")

    page = dashboard.goto("model", model="credit-risk", version="2")
    expect(page.get_by_text("browser-reviewer").first).to_be_visible()
    workdir, env = demo_dir
    audit = subprocess.run(hub("audit", "--json"), cwd=workdir, env=env, check=True, capture_output=True,
                           text=True, timeout=60)
    decision = next(entry for entry in json.loads(audit.stdout) if entry["action"] == "signoff")
    assert decision["target"] == "credit-risk:2" and decision["details"]["decision"] == "approve"
    assert decision["details"]["reports"], "the decision names the reports the reviewer saw"
    assert dashboard.elsewhere() == []
