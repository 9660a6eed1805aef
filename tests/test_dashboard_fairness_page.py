"""The Fairness page and its charts, run with AppTest against real registries (see dashboard_registries)."""

from __future__ import annotations

import json

import pytest

from dashboard_registries import credit_registry, open_page, task_registry, texts, use, widget
from hub.dashboard import charts, fairness

COMPAS_RACES = ["African-American", "Caucasian", "Hispanic", "Other", "Asian", "Native American"]


@pytest.fixture(scope="module")
def credit_location(tmp_path_factory):
    return credit_registry(tmp_path_factory.mktemp("credit"))


@pytest.fixture
def credit(credit_location, monkeypatch):
    return use(monkeypatch, credit_location)


@pytest.fixture(scope="module")
def tasks_location(tmp_path_factory):
    return task_registry(tmp_path_factory.mktemp("tasks"))


@pytest.fixture
def tasks(tasks_location, monkeypatch):
    return use(monkeypatch, tasks_location)


def race_groups(count: int) -> list[dict]:
    return [{"group": race, "count": 100 + index, "selection_rate": 0.3 + 0.05 * index, "tpr": 0.5, "fpr": 0.2,
             "intervals": {"selection_rate": [0.2, 0.4]}, "sufficient": index != 5}
            for index, race in enumerate(COMPAS_RACES[:count])]


@pytest.mark.parametrize("count", [5, 6])
def test_every_group_gets_its_own_labelled_band_in_the_rates_chart(count):
    spec = charts.group_rates_chart(race_groups(count), 0.4).to_dict()
    bars = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "bar")
    y = bars["encoding"]["y"]

    assert y["field"] == "group" and y["sort"] == COMPAS_RACES[:count]
    assert y["axis"]["labelOverlap"] is False and y["axis"]["labelLimit"] >= 200
    assert spec["height"] >= count * charts.ROW_HEIGHT  # a band per group, never squeezed into the width
    shown = {row["group"] for row in spec["datasets"][spec["layer"][0]["data"]["name"]]}
    assert shown == set(COMPAS_RACES[:count])


def test_badges_give_each_columns_verdicts_and_thin_groups():
    feature = {"feature": "race", "demographic_parity_ratio": 0.71, "four_fifths_passed": False,
               "groups": race_groups(6),
               "verdicts": [{"rule": "four-fifths rule", "metric": "demographic_parity_ratio", "verdict": "fail"},
                            {"rule": "equalized odds", "metric": "equalized_odds_difference", "value": 0.05,
                             "verdict": "pass"}]}

    assert fairness.badges({"features": [feature]}) == [
        ":red-badge[:material/close: race: fails four-fifths, DP ratio 0.71]",
        ":green-badge[:material/check: race: equalized odds pass, 0.050]",
        ":orange-badge[:material/error: race: 1 group(s) too small to judge]",
    ]


def test_the_canonical_report_comes_first_with_intervals_and_verdicts(credit):
    app = open_page("views/fairness.py", model="credit-risk", version="1")

    report = widget(app.selectbox, "Report")
    assert "canonical: decides verdicts" in report.options[0]
    assert "additional: other columns, bins or data; decides nothing" in report.options[1]
    by_sex = next(table.value for table in app.table if "Selection rate 95%" in table.value.columns)
    assert list(by_sex["Group"]) == ["female", "male", "(all rows)"]
    assert all(" to " in cell for cell in by_sex["Selection rate 95%"])
    assert "**four-fifths rule** (`demographic_parity_ratio` >= 0.8)" in texts(app)
    assert "**equalized odds**" in texts(app)
    assert any(word in texts(app) for word in (":green-badge[:material/check: pass]",
                                               ":red-badge[:material/close: fail]",
                                               ":orange-badge[:material/help: inconclusive]"))


def test_another_report_is_selectable_and_labelled_as_deciding_nothing(credit):
    app = open_page("views/fairness.py", model="credit-risk", version="1")

    widget(app.selectbox, "Report").select_index(1).run()

    assert not app.exception
    assert "This is not the canonical report: additional" in texts(app)
    assert "By age" not in texts(app) and "By sex" in texts(app)
    assert app.query_params["report"]


def test_intersections_are_drawn_as_a_heatmap(credit):
    app = open_page("views/fairness.py", model="credit-risk", version="1")

    assert "Intersections" in [header.value for header in app.subheader]
    assert "**sex × age**" in texts(app)
    heatmaps = [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart") if '"rect"' in chart.proto.spec]
    cells = next(layer for layer in heatmaps[0]["layer"] if layer["mark"]["type"] == "rect")
    assert (cells["encoding"]["y"]["field"], cells["encoding"]["x"]["field"]) == ("sex", "age")
    assert cells["encoding"]["x"]["sort"] == ["under 25", "25 to under 60", "60 and over"]


def test_the_threshold_slider_moves_each_groups_rates(credit):
    app = open_page("views/fairness.py", model="credit-risk", version="1")
    slider = widget(app.select_slider, "Decision threshold")
    before = next(table.value for table in app.table if "Selection rate change" in table.value.columns)
    assert slider.value == 0.5 and (before["Selection rate change"] == 0).all()

    slider.set_value(0.8).run()

    after = next(table.value for table in app.table if "Selection rate change" in table.value.columns)
    assert list(after["Group"]) == ["female", "male"]
    assert (after["Selection rate"] < before["Selection rate"]).all()
    assert (after["Selection rate change"] < 0).all()
    assert "at threshold 0.80" in texts(app)


def test_calibration_by_group_is_shown(credit):
    app = open_page("views/fairness.py", model="credit-risk", version="1")

    assert "Calibration by group" in [header.value for header in app.subheader]


def test_a_mitigated_version_is_shown_before_and_after(credit):
    app = open_page("views/fairness.py", model="credit-fair", version="1")

    before_after = next(table.value for table in app.table if "credit-fair:2" in table.value.columns)
    assert set(before_after["Column"]) == {"sex", "age"}
    assert "Demographic parity ratio" in set(before_after["Measure"])
    assert "hub derive credit-fair:1 --with threshold-optimizer --param sensitive=sex" in texts(app)


def test_a_version_without_reports_says_how_to_get_them(credit):
    app = open_page("views/fairness.py", model="credit-risk", version="3")

    assert "credit-risk:3 has no fairness report. Run `hub evaluate credit-risk:3`" in texts(app)


@pytest.mark.parametrize("params, refused", [
    ({"model": "no-such-model", "version": "1"}, "There is no model named 'no-such-model'"),
    ({"model": "credit-risk", "version": "9"}, "The model 'credit-risk' has no version '9'"),
])
def test_an_unknown_permalink_is_refused_not_replaced(credit, params, refused):
    app = open_page("views/fairness.py", **params)

    assert refused in app.error[0].value
    assert "Fairness (Fairlearn)" not in texts(app)


def test_a_multi_class_report_shows_each_class(tasks):
    app = open_page("views/fairness.py", model="housing", version="1")

    table = next(table.value for table in app.table if "Group" in table.value.columns)
    assert {"Selected as free", "Selected as own", "Selected as rent", "Recall of own"} <= set(table.columns)
    assert {"Selection rate ratio (worst class)", "Recall difference (worst class)"} <= {
        metric.label for metric in app.metric}
    assert "**sex × age**" in texts(app) and any('"rect"' in chart.proto.spec for chart in app.get("vega_lite_chart"))


def test_a_regression_report_shows_errors_by_group(tasks):
    app = open_page("views/fairness.py", model="income", version="1")

    table = next(table.value for table in app.table if "Group" in table.value.columns)
    assert {"Mean prediction", "MAE", "MAE 95%"} <= set(table.columns)
    assert "MAE difference" in {metric.label for metric in app.metric}
    intersection = next(table.value for table in app.table if "female × under 30" in set(table.value["Group"]))
    assert "MAE 95%" in intersection.columns
