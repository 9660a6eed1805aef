"""How long the dashboard takes to draw a version whose fairness report covers a million rows.

    HUB_DATA_DIR=/work/shared/data .venv/bin/python benchmarks/dashboard.py
    HUB_DATA_DIR=/work/shared/data .venv/bin/python benchmarks/dashboard.py --rows 100000 --repeat 3  # a quick look

The registry: a logistic regression trained on Adult by ``hub.jobs.training`` (credit-style
``adult-income`` v1), whose canonical fairness report is the fairlearn plugin's report on
``--rows`` rows: Adult test-split predictions resampled with replacement, as
``benchmarks/fairness.py`` makes them (sex, race and sex × race, 1,000-resample intervals,
threshold curves and calibration), stored with ``Registry.add_report`` as ``hub evaluate`` stores
its reports. Its SHAP report comes from ``hub.jobs.evaluation`` on the declared evaluation.

Timed with Streamlit's AppTest (the same script runner ``streamlit run`` uses, without a browser),
in one process: the Fairness page and the Model page of that version, each opened cold (a fresh
session: the report's JSON is read from the store and parsed) and warm (the same session drawn
again, report bodies cached by checksum), median of ``--repeat`` runs. Target: under 2 s.

Then in a browser, as a reviewer sees it: ``hub dashboard`` serving that registry and Debian's
Chromium (headless, 1440×900) opening each page's permalink in a new tab, timed until Streamlit
has finished the script and every chart is drawn (the websocket, the script and Vega together).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

TARGET_SECONDS = 2.0
HERE = Path(__file__).resolve().parent


def fairness_benchmark():
    """``benchmarks/fairness.py`` as a module: its rows and its call of the evaluator."""
    spec = importlib.util.spec_from_file_location("fairness_benchmark", HERE / "fairness.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(root: Path, rows: int) -> tuple[str, str, int]:
    from hub import config
    from hub.jobs.evaluation import evaluate
    from hub.jobs.training import train
    from hub.plugins.manager import installed_plugins
    from hub.registry import Registry

    where = config.resolve(f"sqlite:///{root / 'registry.db'}", root / "hub-store")
    registry, plugins = Registry(where.url, where.store), installed_plugins()
    version = train(plugins, registry, dataset="adult", model_type="logistic-regression", name="adult-income",
                    max_rows=5000)
    evaluate(plugins, registry, version.model, version.version, evaluators=["shap"])
    bench = fairness_benchmark()
    frame = bench.resampled(bench.adult_predictions(), rows, seed=1)
    seconds, body = bench.ours(frame)
    body = json.loads(json.dumps(body))
    body["provenance"] = {"model": version.model, "version": version.version, "dataset": "adult", "rows": rows,
                          "scope": f"{rows:,} resampled Adult test-split predictions", "decision_threshold": 0.5,
                          "sensitive_features": ["sex", "race"], "role": "canonical", "rows_sha256": "0" * 64}
    report = registry.add_report(version.model, version.version, evaluator="fairlearn", kind="fairness",
                                 plugin="fairlearn", dataset="adult", body=body, role="canonical",
                                 rows_sha256="0" * 64, sensitive=["sex", "race"])
    print(f"registry: {version.ref}, fairness report on {rows:,} rows computed in {seconds:.2f} s, "
          f"{report.size / 1024:.0f} KiB of JSON")
    registry.close()
    return where.url, str(where.store), version.version


def timed(page: str, version: int, repeat: int) -> tuple[float, float]:
    """Median seconds to draw ``page`` in a fresh session (cold) and again in the same one (warm)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    app_file = Path(importlib.util.find_spec("hub.dashboard").submodule_search_locations[0]) / "app.py"
    cold, warm = [], []
    for _ in range(repeat):
        st.cache_data.clear()
        app = AppTest.from_file(str(app_file), default_timeout=120).run()
        app.query_params.update(model="adult-income", version=str(version))
        started = time.perf_counter()
        app.switch_page(page).run()
        cold.append(time.perf_counter() - started)
        if app.exception:
            sys.exit(f"{page} raised: {[e.value for e in app.exception]}")
        started = time.perf_counter()
        app.run()
        warm.append(time.perf_counter() - started)
    return statistics.median(cold), statistics.median(warm)


def serving(url: str, store: str):
    """``hub dashboard`` on a free loopback port for the registry; returns (process, address)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-c", "from hub.cli import main; main()", "--registry", url,
                               "--store", store, "dashboard", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    address = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"{address}/_stcore/health", timeout=1):
                return server, address
        except OSError:
            time.sleep(0.1)
    os.killpg(server.pid, signal.SIGTERM)
    sys.exit("hub dashboard did not start within 60 s")


def browser_timed(address: str, page: str, version: int, repeat: int) -> float:
    """Median seconds from opening ``page``'s permalink in a new tab to every chart drawn."""
    from playwright.sync_api import sync_playwright

    seconds = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                              args=["--no-sandbox", "--disable-gpu"])
        for _ in range(repeat + 1):  # the first opening warms the server's imports; not counted
            tab = chromium.new_context(viewport={"width": 1440, "height": 900}).new_page()
            started = time.perf_counter()
            tab.goto(f"{address}/{page}?model=adult-income&version={version}")
            tab.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(timeout=120_000)
            tab.wait_for_function("[...document.querySelectorAll('[data-testid=stVegaLiteChart]')]"
                                  ".every(chart => chart.querySelector('canvas, svg'))", timeout=120_000)
            seconds.append(time.perf_counter() - started)
            tab.context.close()
        chromium.close()
    return statistics.median(seconds[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-bench-dashboard-") as folder:
        url, store, version = build(Path(folder), args.rows)
        os.environ.update(HUB_REGISTRY_URL=url, HUB_STORE=store)
        for page, name in (("views/fairness.py", "Fairness page"), ("views/model.py", "Model page")):
            cold, warm = timed(page, version, args.repeat)
            verdict = "within" if max(cold, warm) < TARGET_SECONDS else "OVER"
            print(f"{name:<14} cold {cold:.2f} s, warm {warm:.2f} s (median of {args.repeat}); "
                  f"target {TARGET_SECONDS:.0f} s: {verdict} ({TARGET_SECONDS / max(cold, warm):.1f}x headroom)")
        server, address = serving(url, store)
        try:
            for page, name in (("fairness", "Fairness page"), ("model", "Model page")):
                seconds = browser_timed(address, page, version, args.repeat)
                verdict = "within" if seconds < TARGET_SECONDS else "OVER"
                print(f"{name:<14} in Chromium, permalink opened to every chart drawn: {seconds:.2f} s "
                      f"(median of {args.repeat}); target {TARGET_SECONDS:.0f} s: {verdict}")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
