"""The dashboard as a reviewer sees it, run with Streamlit's AppTest against real registries.

The registry fixture trains and evaluates a real model through ``hub.jobs.training`` and
``hub.jobs.evaluation``, so the pages are checked against the reports the plugins actually write.
"""

from __future__ import annotations

import re

import importlib.util
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from hub import config
from hub.cli import cli
from hub.dashboard import charts, frames
from hub.jobs.evaluation import evaluate
from hub.plugins.manager import installed_plugins
from hub.registry import Registry
from hub.jobs.training import train

APP = Path(list(importlib.util.find_spec("hub.dashboard").submodule_search_locations)[0]) / "app.py"
RUN_TIMEOUT = 120


def make_location(root: Path) -> config.Location:
    return config.resolve(f"sqlite:///{root / 'registry.db'}", root / "hub-store")


@pytest.fixture(scope="module")
def reviewed_registry(tmp_path_factory) -> config.Location:
    """credit-risk v1 with SHAP and fairness reports on sex and age, an unevaluated v2, and loan-screen v1."""
    location = make_location(tmp_path_factory.mktemp("registry"))
    registry, plugins = Registry(location.url, location.store), installed_plugins()
    first = train(plugins, registry, dataset="german-credit", model_type="gradient-boosting", name="credit-risk")
    evaluate(plugins, registry, first.model, first.version, sensitive=["sex", "age"])
    train(plugins, registry, dataset="german-credit", model_type="gradient-boosting", name="credit-risk", seed=1)
    train(plugins, registry, dataset="german-credit", model_type="logistic-regression", name="loan-screen")
    registry.close()
    return location


@pytest.fixture
def reviewed(reviewed_registry, monkeypatch) -> config.Location:
    monkeypatch.setenv("HUB_REGISTRY_URL", reviewed_registry.url)
    monkeypatch.setenv("HUB_STORE", str(reviewed_registry.store))
    return reviewed_registry


@pytest.fixture
def empty(tmp_path, monkeypatch) -> config.Location:
    location = make_location(tmp_path)
    monkeypatch.setenv("HUB_REGISTRY_URL", location.url)
    monkeypatch.setenv("HUB_STORE", str(location.store))
    return location


def open_page(page: str | None = None, **query_params: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=RUN_TIMEOUT).run()
    if page:
        app.query_params.update(query_params)
        app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def texts(app: AppTest) -> str:
    """Every piece of text on the page, as one string to search."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success",
                                  "warning", "error", "metric", "code") for e in getattr(app, kind)]
    return "\n".join(str(part) for part in parts)


def table_with(app: AppTest, column: str):
    return next(frame.value for frame in app.dataframe if column in frame.value.columns)


def widget(elements, label: str):
    return next(element for element in elements if element.label == label)


def test_waterfall_runs_from_the_base_value_through_each_contribution_to_the_output():
    contributions = [{"feature": f"f{i}", "value": i, "shap": (-1) ** i * i / 10} for i in range(1, 13)]
    explanation = {"base_value": 0.5, "output": 0.5 + sum(c["shap"] for c in contributions),
                   "contributions": contributions}

    steps = charts.waterfall_steps(explanation, top=10)

    assert list(steps["label"][:3]) == ["base value E[f(x)]", "f12 = 12", "f11 = 11"]
    assert list(steps["label"][-2:]) == ["2 other features", "output f(x)"]
    assert steps["end"].iloc[-2] == pytest.approx(explanation["output"])
    assert steps["start"].iloc[1:-1].tolist() == pytest.approx(steps["end"].iloc[:-2].tolist())


def test_groups_with_too_few_rows_are_marked_in_the_group_table():
    feature = {"groups": [
        {"group": "19-24", "count": 12, "selection_rate": 0.5, "sufficient": False},
        {"group": "25+", "count": 238, "selection_rate": 0.8, "sufficient": True},
    ], "overall": {"selection_rate": 0.78}}

    table = frames.groups_frame(feature, min_group_size=30)

    assert list(table["Group"]) == ["19-24", "25+", "(all rows)"]
    assert list(table["Enough data"]) == ["no (< 30 positives or negatives)", "yes", "yes"]
    assert table["Count"].iloc[-1] == 250


def test_dashboard_command_serves_the_app_for_the_chosen_registry(tmp_path, monkeypatch):
    started = {}

    class FakeServer:
        def __init__(self, command, env):
            started.update(command=command, env=env)

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr("hub.commands.dashboard.subprocess.Popen", FakeServer)
    location = make_location(tmp_path)

    result = CliRunner().invoke(
        cli, ["--registry", location.url, "--store", str(location.store), "dashboard", "--port", "8765"]
    )

    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8765" in result.output
    command = started["command"]
    assert command[1:4] == ["-m", "streamlit", "run"] and Path(command[4]) == APP
    assert command[command.index("--server.port") + 1] == "8765"
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.headless") + 1] == "true"
    assert started["env"]["HUB_REGISTRY_URL"] == location.url
    assert started["env"]["HUB_STORE"] == str(location.store)
