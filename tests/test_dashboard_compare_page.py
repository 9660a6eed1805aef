"""The Compare page, run with AppTest against a real registry (see dashboard_registries)."""

from __future__ import annotations

import json

import pytest

from dashboard_registries import credit_registry, location, open_page, task_registry, texts, use, widget


@pytest.fixture(scope="module")
def credit_location(tmp_path_factory):
    return credit_registry(tmp_path_factory.mktemp("credit"))


@pytest.fixture
def credit(credit_location, monkeypatch):
    return use(monkeypatch, credit_location)


def test_two_versions_side_by_side_with_deltas_intervals_and_churn(credit):
    app = open_page("views/compare.py", model="credit-risk", version="2")

    assert widget(app.selectbox, "Compare with version").value == 1
    assert [subheader.value for subheader in app.subheader][:2] == ["credit-risk:1 (baseline)",
                                                                    "credit-risk:2 (compared)"]
    flips = widget(app.metric, "Decisions that flip")
    assert 0 < float(flips.value.rstrip("%")) < 100
    assert "Changes are credit-risk:2 − credit-risk:1, with 95% paired bootstrap intervals" in texts(app)
    by_group = next(table.value for table in app.table if "Decisions that flip" in table.value.columns)
    assert list(by_group["Group"]) == ["female", "male"]
    assert all(" to " in cell for cell in by_group["Selection rate change"])
    disparities = next(table.value for table in app.table if "Disparity" in table.value.columns)
    assert "Demographic parity ratio" in set(disparities["Disparity"])
    churn = [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart") if "decisions that flip" in chart.proto.spec]
    assert len(churn) == 2  # one per declared sensitive column: sex and age


def test_ranking_changes_between_the_explanation_reports(credit):
    app = open_page("views/compare.py", model="credit-risk", version="2", against="1")

    ranks = next(frame.value for frame in app.dataframe if "Places climbed" in frame.value.columns)
    assert {"Rank in credit-risk:1", "Rank in credit-risk:2"} <= set(ranks.columns)
    assert len(ranks) == 21 and ranks["Places climbed"].abs().sum() > 0
    recorded = next(frame.value for frame in app.dataframe if "Change" in frame.value.columns)
    assert "Accuracy" in set(recorded["Metric"])


def test_a_version_without_an_explanation_says_how_to_get_one(credit):
    app = open_page("views/compare.py", model="credit-risk", version="3", against="1")

    assert "No explanation report for credit-risk:3: run `hub evaluate credit-risk:3 --evaluator shap`" in texts(app)
    assert widget(app.metric, "Decisions that flip")  # decisions are still compared: they need no report


def test_an_unknown_version_to_compare_with_is_refused(credit):
    app = open_page("views/compare.py", model="credit-risk", version="2", against="7")

    assert "The model 'credit-risk' has no version '7'" in app.error[0].value
    assert not app.metric


def test_a_model_with_one_version_says_there_is_nothing_to_compare(tmp_path_factory, monkeypatch):
    use(monkeypatch, task_registry(tmp_path_factory.mktemp("tasks")))

    app = open_page("views/compare.py", model="income", version="1")

    assert "income has only one version" in texts(app)


def test_an_empty_registry_says_how_to_add_a_model(tmp_path, monkeypatch):
    use(monkeypatch, location(tmp_path))

    app = open_page("views/compare.py")

    assert "has no models yet" in texts(app)
