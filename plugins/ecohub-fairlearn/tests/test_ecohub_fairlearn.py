"""The fairness evaluator on a real German Credit model, as the hub runs it after training."""

import json
from dataclasses import replace
from importlib import metadata

import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from ecohub_datasets.datasets import GERMAN_CREDIT
from hub.errors import EvaluationError
from hub.plugins import load_plugins
from hub.specs import DatasetSpec, EvaluationInput

import ecohub_fairlearn

SEED = 7


@pytest.fixture(scope="module")
def inputs(fit):
    table = GERMAN_CREDIT.load()  # the copy shipped inside ecohub-datasets
    y = (table.pop("credit_risk") == "good").to_numpy().astype("int64")
    X_train, X_test, y_train, y_test = train_test_split(
        table, y, test_size=0.25, stratify=y, random_state=SEED
    )
    model = fit(X_train, y_train)
    y_score = model.predict_proba(X_test)[:, 1]
    dataset = DatasetSpec(
        name="german-credit", description="Statlog German Credit", load=lambda: None,
        target="credit_risk", positive_label="good", license="cc-by-4.0",
        sensitive_features=("sex", "age"), bins={"age": (25, 60)},
    )
    return EvaluationInput(
        model=model, model_type="logistic-regression", framework="sklearn", dataset=dataset,
        X=X_test, y_true=y_test, y_pred=(y_score >= 0.5).astype("int64"), y_score=y_score,
        sensitive=X_test[["sex", "age", "foreign_worker"]], seed=SEED,
    )


@pytest.fixture(scope="module")
def spec():
    return {evaluator.name: evaluator for evaluator in ecohub_fairlearn.hub_evaluators()}["fairlearn"]


@pytest.fixture(scope="module")
def report(spec, inputs):
    return spec.evaluate(inputs)


def feature(report, name, key="features"):
    (found,) = [f for f in report[key] if f["feature"] == name]
    return found


def test_group_rates_and_counts_match_a_hand_computation(report, inputs):
    sex = inputs.sensitive["sex"].to_numpy()
    groups = {g["group"]: g for g in feature(report, "sex")["groups"]}
    assert list(groups) == ["female", "male"]
    for name in ("female", "male"):
        truth, decision = inputs.y_true[sex == name], inputs.y_pred[sex == name]
        group = groups[name]
        assert (group["count"], group["positives"], group["negatives"], group["selected"]) == (
            len(truth), truth.sum(), (truth == 0).sum(), decision.sum())
        assert group["selection_rate"] == pytest.approx(decision.mean())
        assert group["accuracy"] == pytest.approx((decision == truth).mean())
        assert group["tpr"] == pytest.approx(decision[truth == 1].mean())
        assert group["fpr"] == pytest.approx(decision[truth == 0].mean())
        assert group["fnr"] == pytest.approx(1 - decision[truth == 1].mean())
        assert group["precision"] == pytest.approx(truth[decision == 1].mean())
        # Enough data is judged on positives and negatives, not rows.
        assert group["sufficient"] == (min(truth.sum(), (truth == 0).sum()) >= report["min_group_size"])
    overall = feature(report, "sex")["overall"]
    assert overall["count"] == len(inputs.y_true)
    assert overall["selection_rate"] == pytest.approx(inputs.y_pred.mean())


def test_every_rate_and_disparity_has_an_interval_around_it(report):
    sex = feature(report, "sex")
    for group in [*sex["groups"], sex["overall"]]:
        for rate, (low, high) in group["intervals"].items():
            assert low <= group[rate] + 1e-12 and group[rate] <= high + 1e-12, rate
    for name in ("demographic_parity_difference", "demographic_parity_ratio",
                 "equalized_odds_difference", "equal_opportunity_difference"):
        low, high = sex["intervals"][name]
        assert low < high
    assert report["bootstrap"]["resamples"] == 1000 and report["bootstrap"]["seed"] == SEED


def test_the_report_is_reproducible_from_the_seed(spec, inputs, report):
    assert spec.evaluate(inputs)["features"] == report["features"]
    other = spec.evaluate(replace(inputs, seed=SEED + 1))
    assert feature(other, "sex")["intervals"] != feature(report, "sex")["intervals"]
    assert feature(other, "sex")["demographic_parity_ratio"] == feature(report, "sex")["demographic_parity_ratio"]


def test_age_is_grouped_by_the_declared_bins_not_by_quartiles(report, inputs):
    age = feature(report, "age")
    assert age["binning"]["method"] == "declared" and age["binning"]["edges"] == [25, 60]
    assert age["binning"]["labels"] == ["under 25", "25 to under 60", "60 and over"]
    counts = {g["group"]: g["count"] for g in age["groups"]}
    values = inputs.sensitive["age"]
    assert counts == {"under 25": (values < 25).sum(), "25 to under 60": values.between(25, 59.999).sum(),
                      "60 and over": (values >= 60).sum()}


def test_a_per_run_override_of_the_bins_reaches_the_report(spec, inputs):
    # The core hands an override (hub evaluate --bins age=30) in a copy of the dataset spec.
    overridden = replace(inputs, dataset=replace(inputs.dataset, bins={"age": (30,)}),
                         sensitive=inputs.sensitive[["age"]])
    age = feature(spec.evaluate(overridden), "age")
    assert age["binning"]["edges"] == [30]
    assert [g["group"] for g in age["groups"]] == ["under 30", "30 and over"]


def test_declared_group_labels_name_coded_groups(spec, inputs):
    coded = pd.DataFrame({"male": (inputs.sensitive["sex"] == "male").astype(float).to_numpy()})
    dataset = replace(inputs.dataset, group_labels={"male": {1.0: "male", 0.0: "female"}})
    sex = feature(spec.evaluate(replace(inputs, dataset=dataset, sensitive=coded)), "male")
    assert [g["group"] for g in sex["groups"]] == ["female", "male"]


def test_an_undeclared_continuous_column_is_refused_with_a_remedy(spec, inputs):
    undeclared = replace(inputs, dataset=replace(inputs.dataset, bins={}), sensitive=inputs.sensitive[["age"]])
    with pytest.raises(EvaluationError, match="no declared bins") as caught:
        spec.evaluate(undeclared)
    assert "--bins age=" in caught.value.hint


def test_each_rule_has_a_verdict_consistent_with_its_interval(report):
    for entry in report["features"] + report["intersections"]:
        for verdict in entry["verdicts"]:
            low, high, threshold = verdict["low"], verdict["high"], verdict["threshold"]
            if verdict["verdict"] == "pass":
                assert (low >= threshold) if verdict["op"] == ">=" else (high <= threshold)
                assert verdict["reading"].startswith("Passes")
            elif verdict["verdict"] == "fail":
                assert (high < threshold) if verdict["op"] == ">=" else (low > threshold)
            else:
                straddles = low is not None and low < threshold < high
                assert straddles or verdict["insufficient_groups"] or verdict["value"] is None
                assert verdict["reading"].startswith("Inconclusive")
    sex = feature(report, "sex")
    four_fifths = sex["verdicts"][0]["verdict"]
    assert sex["four_fifths_passed"] == {"pass": True, "fail": False, "inconclusive": None}[four_fifths]


def test_a_group_with_few_positives_makes_error_rate_rules_inconclusive(report):
    foreign = feature(report, "foreign_worker")
    small = {g["group"] for g in foreign["groups"] if not g["sufficient"]}
    assert "no" in small
    (odds,) = [v for v in foreign["verdicts"] if v["metric"] == "equalized_odds_difference"]
    assert odds["verdict"] == "inconclusive" and "no" in odds["insufficient_groups"]
    assert "Not enough data" in foreign["reading"]


def test_every_pair_of_columns_is_an_intersection_with_small_cells_flagged(report, inputs):
    names = [entry["feature"] for entry in report["intersections"]]
    assert names == ["sex × age", "sex × foreign_worker", "age × foreign_worker"]
    sex_age = feature(report, "sex × age", "intersections")
    assert sum(g["count"] for g in sex_age["groups"]) == len(inputs.y_true)
    assert "female × under 25" in [g["group"] for g in sex_age["groups"]]
    assert sex_age["small_cells"] == [g["group"] for g in sex_age["groups"] if not g["sufficient"]]
    assert sex_age["small_cells"] and any(note.startswith("sex × age:") for note in report["warnings"])


def test_sensitive_columns_that_are_model_inputs_are_flagged(report):
    assert report["model_inputs"] == ["sex", "age", "foreign_worker"]
    assert feature(report, "sex")["model_input"] is True
    assert any("'sex' is a sensitive column and also a model input" in note for note in report["warnings"])


def test_threshold_curves_meet_the_deployed_decisions_at_one_half(report, inputs):
    thresholds = report["thresholds"]
    half = thresholds["grid"].index(0.5)
    curves = {g["group"]: g for g in feature(report, "sex", key="features")["groups"]}
    (by_sex,) = [f for f in thresholds["features"] if f["feature"] == "sex"]
    for group in by_sex["groups"]:
        assert group["selection_rate"][half] == pytest.approx(curves[group["group"]]["selection_rate"], abs=1e-6)
        assert group["tpr"][half] == pytest.approx(curves[group["group"]]["tpr"], abs=1e-6)
        assert group["selection_rate"][0] == 1.0
    sex = inputs.sensitive["sex"].to_numpy()
    t = thresholds["grid"].index(0.7)
    female = (sex == "female") & (inputs.y_true == 0)
    (female_curve,) = [g for g in by_sex["groups"] if g["group"] == "female"]
    assert female_curve["fpr"][t] == pytest.approx((inputs.y_score[female] >= 0.7).mean(), abs=1e-6)


def test_calibration_by_group_adds_up_to_the_group(report, inputs):
    (by_sex,) = [f for f in report["calibration"]["features"] if f["feature"] == "sex"]
    counts = {g["group"]: g["count"] for g in feature(report, "sex")["groups"]}
    for group in by_sex["groups"]:
        assert sum(group["count"]) == counts[group["group"]]
        for mean, count, (low, high) in zip(group["mean_score"], group["count"],
                                            zip(report["calibration"]["edges"], report["calibration"]["edges"][1:])):
            assert (mean is None) == (count == 0)
            assert mean is None or low <= mean <= high


def test_reading_names_the_extremes_and_the_verdicts(report):
    sex = feature(report, "sex")
    low = min(sex["groups"], key=lambda g: g["selection_rate"])
    assert f"({low['group']}) is selected at {sex['demographic_parity_ratio']:.2f}×" in sex["reading"]
    assert f"{sex['equalized_odds_difference']:.2f} (equalized odds difference, 95% interval" in sex["reading"]
    for verdict in sex["verdicts"]:
        assert verdict["reading"] in sex["reading"]


def test_report_round_trips_through_strict_json(report):
    assert json.loads(json.dumps(report, allow_nan=False)) == report
    assert report["positive_label"] == "good" and report["task"] == "binary" and report["schema"] == 2


def test_no_sensitive_column_is_refused(spec, inputs):
    with pytest.raises(EvaluationError, match="at least one sensitive column"):
        spec.evaluate(replace(inputs, sensitive=inputs.sensitive[[]]))


def test_summary_shows_each_feature_with_intervals_verdicts_and_reading(spec, report):
    text = spec.summarize(report)
    for found in report["features"]:
        assert found["feature"] in text and found["reading"] in text
    assert "not enough data" in text and "Intersections:" in text and "sex × age" in text
    assert "four-fifths rule" in text and "%–" in text


def test_entry_point_loads_and_provides_both_evaluators_and_the_command():
    (entry_point,) = [ep for ep in metadata.entry_points(group="ecohub") if ep.name == "fairlearn"]
    plugins = load_plugins([entry_point])
    info = plugins.infos["fairlearn"]
    assert info.status == "ok", info.errors
    assert info.package == "ecohub-fairlearn"
    assert plugins.get("evaluators", "fairlearn").spec.applies_to("any-framework")
    crows = plugins.get("evaluators", "crows-pairs").spec
    assert crows.applies_to("transformers") and not crows.applies_to("sklearn")
    assert "fairness" in plugins.all("commands")
