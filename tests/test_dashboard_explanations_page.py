"""The Explanations page, run with AppTest against real registries (see dashboard_registries)."""

from __future__ import annotations

import pytest

from dashboard_registries import credit_registry, open_page, task_registry, text_registry, texts, use, widget
from hub.dashboard import explanations
from hub.dashboard.explanations import BY_GROUP, BY_NUMBER
from hub.jobs.evaluation import evaluate
from hub.plugins.manager import installed_plugins
from hub.registry import Registry


@pytest.fixture(scope="module")
def credit_location(tmp_path_factory):
    """The credit registry, with credit-risk v3 explained on a 20-row sample only, so that most of
    its evaluation rows are not in its report."""
    where = credit_registry(tmp_path_factory.mktemp("credit"))
    registry = Registry(where.url, where.store)
    evaluate(installed_plugins(), registry, "credit-risk", 3, evaluators=["shap"], options={"shap": {"sample_rows": 20}})
    registry.close()
    return where


@pytest.fixture
def credit(credit_location, monkeypatch):
    return use(monkeypatch, credit_location)


@pytest.fixture(scope="module")
def tasks_location(tmp_path_factory):
    return task_registry(tmp_path_factory.mktemp("tasks"))


@pytest.fixture
def tasks(tasks_location, monkeypatch):
    return use(monkeypatch, tasks_location)


def test_the_validity_panel_says_how_far_to_trust_the_values(credit):
    app = open_page("views/explanations.py", model="credit-risk", version="1")

    panel = app.success[0].value
    assert "Explainer `TreeExplainer` (GradientBoostingClassifier is a tree ensemble shap reads exactly)" in panel
    assert "estimand `interventional`" in panel and "100 background rows (two halves, seeds 0, 1)" in panel
    assert "Additivity check **passed**" in panel
    assert "Additivity compares base value + sum of SHAP values against the model's own output" in texts(app)
    assert "Rank stability across background seeds 0, 1:** top-5 agreement" in texts(app)


def test_a_row_picked_for_a_reason_shows_its_true_label_and_why(credit):
    app = open_page("views/explanations.py", model="credit-risk", version="1")

    rows = widget(app.selectbox, "Explained row")
    assert any("most positive" in option for option in rows.options)
    assert any("borderline" in option for option in rows.options)
    assert "true credit_risk: **" in texts(app) and "picked as *most" in texts(app)
    first = next(frame.value for frame in app.dataframe if "SHAP" in frame.value.columns)

    rows.select_index(1).run()

    assert not next(frame.value for frame in app.dataframe if "SHAP" in frame.value.columns).equals(first)


def test_a_row_is_chosen_by_sensitive_group(credit):
    app = open_page("views/explanations.py", model="credit-risk", version="1")

    widget(app.segmented_control, "Choose a row").set_value(BY_GROUP).run()

    options = widget(app.selectbox, "Explained row").options
    assert any("typical row of sex = female" in option for option in options)
    assert any("typical row of sex = male" in option for option in options)


def test_any_explained_row_is_shown_by_its_number(credit):
    app = open_page("views/explanations.py", model="credit-risk", version="1")
    widget(app.segmented_control, "Choose a row").set_value(BY_NUMBER).run()

    app.number_input[0].set_value(201).run()

    assert "**Row 201**" in texts(app) and "true credit_risk: **" in texts(app)
    assert len(next(frame.value for frame in app.dataframe if "SHAP" in frame.value.columns)) == 21


def test_a_row_missing_from_the_report_is_explained_on_request(credit):
    registry = Registry(credit.url, credit.store)
    (report,) = registry.get_version("credit-risk", 3).reports
    explained = set(registry.read_report(report)["rows"]["positions"])
    registry.close()
    missing = next(row for row in range(250) if row not in explained)
    app = open_page("views/explanations.py", model="credit-risk", version="3")
    widget(app.segmented_control, "Choose a row").set_value(BY_NUMBER).run()
    app.number_input[0].set_value(missing).run()
    assert f"The report did not explain row {missing}" in texts(app)

    widget(app.button, f"Explain row {missing}").click().run()

    assert not app.exception, [e.value for e in app.exception]
    assert f"**Row {missing}**, picked as *requested*" in texts(app)
    assert len(Registry(credit.url, credit.store).get_version("credit-risk", 3).reports) == 2


def test_a_version_without_an_explanation_says_how_to_get_one(credit):
    app = open_page("views/explanations.py", model="credit-fair", version="1")

    assert "credit-fair:1 has no explanation report. Run `hub evaluate credit-fair:1 --evaluator shap`" in texts(app)


def test_an_unknown_version_is_refused_not_replaced(credit):
    app = open_page("views/explanations.py", model="credit-risk", version="12")

    assert "The model 'credit-risk' has no version '12' (it has 1, 2, 3)" in app.error[0].value
    assert not app.header


def test_a_multi_class_version_shows_importance_per_class(tasks):
    app = open_page("views/explanations.py", model="housing", version="1")

    assert "**By class** (" in texts(app)
    assert "predicted **" in texts(app)


def test_a_regression_version_explains_in_the_targets_units(tasks):
    app = open_page("views/explanations.py", model="income", version="1")

    assert "in income (the target's units)" in texts(app)
    assert "picked as *typical prediction*" in texts(app) and "true income: **" in texts(app)


def test_tokens_are_escaped_and_shaded_by_their_sign():
    html = explanations.highlighted_html(["win", "<b>", "free"], [0.5, -0.25, 0.0])

    assert "&lt;b&gt;" in html and "<b>" not in html
    assert "rgba(214, 96, 77, 0.90)" in html and "rgba(67, 147, 195, 0.53)" in html


@pytest.mark.slow
def test_a_text_version_highlights_the_tokens_of_each_explained_text(tmp_path_factory, monkeypatch):
    use(monkeypatch, text_registry(tmp_path_factory.mktemp("text")))

    app = open_page("views/explanations.py", model="sms-spam", version="1")

    assert "Which tokens moved each explained text" in [header.value for header in app.subheader]
    assert "Mean absolute SHAP value of each token" in texts(app)
    assert "group: no group columns" in texts(app) and "true label **" in texts(app)
    assert any("<span title=" in element.proto.body for element in app.html)
