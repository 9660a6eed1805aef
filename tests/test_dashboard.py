"""Dashboard pieces that need no running page: chart and table builders, and ``hub dashboard``.

Each page is tested with AppTest in its own ``test_dashboard_<page>_page.py`` and in a real
browser in ``test_dashboard_browser.py``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub import config
from hub.cli import cli
from hub.dashboard import charts, frames

APP = Path(list(importlib.util.find_spec("hub.dashboard").submodule_search_locations)[0]) / "app.py"


def make_location(root: Path) -> config.Location:
    return config.resolve(f"sqlite:///{root / 'registry.db'}", root / "hub-store")


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
