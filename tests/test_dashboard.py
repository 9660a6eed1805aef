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


def test_registry_page_lists_each_model_with_license_and_training_data(reviewed):
    app = open_page()

    models = table_with(app, "Trained on")
    assert list(models["Model"]) == ["credit-risk", "loan-screen"]
    assert models.loc[0, "License"] == "cc-by-4.0"
    assert models.loc[0, "Model type"] == "gradient-boosting"
    assert models.loc[0, "Trained on"] == "german-credit"
    assert models.loc[0, "Version"] == "v2 of 2"
    assert 0.5 < models.loc[0, "Test Accuracy"] <= 1
    versions = app.dataframe[-1].value
    assert list(versions["Version"]) == [2, 1, 1]
    assert list(versions["Reports"]) == ["none", "fairlearn, shap", "none"]
    assert [link.label.split(":")[0] for link in app.get("page_link")] == ["credit-risk v2", "loan-screen v1"]


def test_model_page_from_a_link_shows_license_lineage_and_metrics(reviewed):
    app = open_page("views/model.py", model="credit-risk", version="1")

    assert app.title[0].value == "credit-risk v1"
    assert widget(app.selectbox, "Version").value == 1
    assert widget(app.metric, "License").value == "cc-by-4.0"
    assert "the model carries the strictest input license, cc-by-4.0" in texts(app)
    assert widget(app.metric, "Trained on").value == "german-credit"
    assert "250 held out" in texts(app)
    assert float(widget(app.metric, "Held-out Accuracy").value) > 0.5


def test_model_page_shows_fairness_by_group_with_the_plain_language_reading(reviewed):
    app = open_page("views/model.py", model="credit-risk", version="1")

    assert "Fairness (Fairlearn)" in [header.value for header in app.header]
    by_sex = next(table.value for table in app.table if "female" in set(table.value["Group"]))
    assert list(by_sex["Group"]) == ["female", "male", "(all rows)"]
    assert by_sex["Count"].iloc[:2].sum() == 250
    enough = dict(zip(by_sex["Group"], by_sex["Enough data"]))
    assert enough["male"] == "yes"
    assert enough["female"] == "no (< 30 positives or negatives)"  # 23 truly negative women in 250 rows
    readings = [info.value for info in app.info]
    assert any("four-fifths rule" in reading and "female" in reading for reading in readings)
    assert "age is continuous, so it was cut into" in texts(app)
    assert re.search(r"sex: (passes|fails|inconclusive on) four-fifths, DP ratio", texts(app))
    assert {"Demographic parity difference", "Demographic parity ratio", "Equalized odds difference"} <= {
        metric.label for metric in app.metric
    }


def test_model_page_shows_shap_importance_and_a_waterfall_for_each_explained_row(reviewed):
    app = open_page("views/model.py", model="credit-risk", version="1")

    assert "Explanation (SHAP)" in [header.value for header in app.header]
    assert "Additivity check **passed**" in app.success[0].value
    assert "SHAP additivity passed" in texts(app)
    assert "TreeExplainer" in app.success[0].value
    rows = widget(app.selectbox, "Explained row")
    assert len(rows.options) >= 2
    first = table_with(app, "SHAP")

    rows.select_index(1).run()

    assert not table_with(app, "SHAP").equals(first)


def test_model_page_defaults_to_the_latest_version_and_says_when_it_has_no_reports(reviewed):
    app = open_page("views/model.py")

    assert app.title[0].value == "credit-risk v2"
    assert "No reports yet. Run `hub evaluate credit-risk:2`" in texts(app)


def test_choosing_another_model_starts_at_its_latest_version(reviewed):
    app = open_page("views/model.py", model="credit-risk", version="1")

    widget(app.selectbox, "Model").select("loan-screen").run()
    assert app.title[0].value == "loan-screen v1"
    widget(app.selectbox, "Model").select("credit-risk").run()

    assert app.title[0].value == "credit-risk v2"
    assert widget(app.selectbox, "Version").value == 2


def test_an_empty_registry_says_how_to_add_a_model(empty):
    for page in (None, "views/model.py"):
        app = open_page(page)

        assert "has no models yet. Run `hub demo`" in texts(app)
        assert "Train page" in texts(app)


def test_train_page_trains_registers_and_evaluates_with_progress(empty):
    app = open_page("views/train.py")
    datasets = table_with(app, "Dataset")
    assert datasets.set_index("Dataset").loc["german-credit", "Plugin"] == "datasets"
    assert "gradient-boosting" in set(table_with(app, "Model type")["Model type"])

    widget(app.selectbox, "Dataset").select("german-credit")
    widget(app.selectbox, "Model type").select("gradient-boosting")
    widget(app.text_input, "Registered name").input("credit-check")
    widget(app.button, "Train and register").click().run()

    assert not app.exception, [e.value for e in app.exception]
    assert app.get("progress")[0].proto.value == 100
    assert "Registered **credit-check:1** (license cc-by-4.0)" in app.success[0].value
    assert Registry(empty.url, empty.store).get_version("credit-check", 1).model_type == "gradient-boosting"

    widget(app.button, "Run evaluators").click().run()

    assert not app.exception, [e.value for e in app.exception]
    assert {"**fairlearn**", "**shap**"} <= {markdown.value for markdown in app.markdown}
    reports = Registry(empty.url, empty.store).get_version("credit-check", 1).reports
    assert {report.evaluator for report in reports} == {"fairlearn", "shap"}


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
