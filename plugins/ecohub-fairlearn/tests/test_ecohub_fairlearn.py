"""The fairness evaluator on a real German Credit model, as the hub runs it after training."""

import json
from dataclasses import replace
from importlib import metadata

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
)
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ecohub_datasets.datasets import GERMAN_CREDIT
from hub.errors import EvaluationError
from hub.plugins import load_plugins
from hub.specs import DatasetSpec, EvaluationInput

import ecohub_fairlearn

SEED = 7


@pytest.fixture(scope="module")
def inputs():
    table = GERMAN_CREDIT.load()  # the copy shipped inside ecohub-datasets
    y = (table.pop("credit_risk") == "good").to_numpy().astype("int64")
    X_train, X_test, y_train, y_test = train_test_split(
        table, y, test_size=0.25, stratify=y, random_state=SEED
    )
    categorical = table.select_dtypes(exclude="number").columns.tolist()
    numeric = [column for column in table.columns if column not in categorical]
    model = Pipeline([
        ("preprocess", ColumnTransformer([
            ("numeric", Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler())]), numeric),
            ("categorical", Pipeline([
                ("impute", SimpleImputer(strategy="most_frequent")),
                ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
            ]), categorical),
        ])),
        ("model", LogisticRegression(max_iter=1000)),
    ]).fit(X_train, y_train)
    y_score = model.predict_proba(X_test)[:, 1]
    dataset = DatasetSpec(
        name="german-credit", description="Statlog German Credit", load=lambda: None,
        target="credit_risk", positive_label="good", license="cc-by-4.0",
        sensitive_features=("sex", "age"),
    )
    return EvaluationInput(
        model=model, model_type="logistic-regression", framework="sklearn", dataset=dataset,
        X=X_test, y_true=y_test, y_pred=(y_score >= 0.5).astype("int64"), y_score=y_score,
        sensitive=X_test[["sex", "age", "foreign_worker"]], seed=SEED,
    )


@pytest.fixture(scope="module")
def spec():
    (evaluator,) = ecohub_fairlearn.hub_evaluators()
    return evaluator


@pytest.fixture(scope="module")
def report(spec, inputs):
    return spec.evaluate(inputs)


def feature(report, name):
    (found,) = [f for f in report["features"] if f["feature"] == name]
    return found


def test_group_rates_match_a_hand_computation(report, inputs):
    sex = inputs.sensitive["sex"].to_numpy()
    expected = {}
    for name in ("female", "male"):
        truth, decision = inputs.y_true[sex == name], inputs.y_pred[sex == name]
        expected[name] = {
            "group": name,
            "count": len(truth),
            "selection_rate": decision.mean(),
            "accuracy": (decision == truth).mean(),
            "tpr": decision[truth == 1].mean(),
            "fpr": decision[truth == 0].mean(),
            "sufficient": True,
        }
    groups = feature(report, "sex")["groups"]
    assert groups == [pytest.approx(expected["female"]), pytest.approx(expected["male"])]
    assert feature(report, "sex")["binning"] is None


def test_overall_row_covers_every_row(report, inputs):
    overall = feature(report, "sex")["overall"]
    assert overall["count"] == len(inputs.y_true)
    assert overall["selection_rate"] == pytest.approx(inputs.y_pred.mean())
    assert overall["accuracy"] == pytest.approx((inputs.y_pred == inputs.y_true).mean())


def test_disparities_match_fairlearn(report, inputs):
    sex = feature(report, "sex")
    arguments = (inputs.y_true, inputs.y_pred)
    sensitive = inputs.sensitive["sex"]
    assert sex["demographic_parity_difference"] == pytest.approx(
        demographic_parity_difference(*arguments, sensitive_features=sensitive)
    )
    assert sex["demographic_parity_ratio"] == pytest.approx(
        demographic_parity_ratio(*arguments, sensitive_features=sensitive)
    )
    assert sex["four_fifths_passed"] == (sex["demographic_parity_ratio"] >= 0.8)
    rates = [g[key] for g in sex["groups"] for key in ("tpr", "fpr")]
    tpr_gap = abs(rates[0] - rates[2])
    fpr_gap = abs(rates[1] - rates[3])
    assert sex["equalized_odds_difference"] == pytest.approx(max(tpr_gap, fpr_gap))


def test_age_is_binned_into_quartiles_and_the_bins_are_reported(report, inputs):
    age = feature(report, "age")
    binning = age["binning"]
    assert binning["method"] == "quantile" and binning["bins"] == 4
    assert all(isinstance(edge, int) for edge in binning["edges"])
    assert binning["edges"][0] == inputs.sensitive["age"].min()
    assert binning["edges"][-1] == inputs.sensitive["age"].max()
    assert [g["group"] for g in age["groups"]] == binning["labels"]
    first_upper = binning["edges"][1]
    assert binning["labels"][0] == f"{binning['edges'][0]}–{first_upper}"
    assert age["groups"][0]["count"] == int((inputs.sensitive["age"] <= first_upper).sum())
    assert sum(g["count"] for g in age["groups"]) == len(inputs.y_true)


def test_tiny_group_is_flagged_as_insufficient(report):
    foreign = {g["group"]: g for g in feature(report, "foreign_worker")["groups"]}
    assert foreign["no"]["count"] < report["min_group_size"] <= foreign["yes"]["count"]
    assert foreign["no"]["sufficient"] is False
    assert foreign["yes"]["sufficient"] is True
    assert "Too few rows to judge" in feature(report, "foreign_worker")["reading"]


def test_reading_names_the_extremes_and_the_four_fifths_verdict(report):
    sex = feature(report, "sex")
    low = min(sex["groups"], key=lambda g: g["selection_rate"])
    verdict = "passes" if sex["four_fifths_passed"] else "fails"
    assert f"({low['group']}) is selected at {sex['demographic_parity_ratio']:.2f}×" in sex["reading"]
    assert f"four-fifths rule: {verdict}" in sex["reading"]
    assert f"{sex['equalized_odds_difference']:.2f} (equalized odds difference)" in sex["reading"]


def test_group_without_positives_has_no_tpr_and_is_left_out_of_equalized_odds(spec, inputs):
    foreign = inputs.sensitive["foreign_worker"].to_numpy() == "no"
    y_true = np.where(foreign, 0, inputs.y_true)
    origin = pd.Series(np.where(foreign, "foreign", inputs.sensitive["sex"]), name="origin")
    report = spec.evaluate(replace(inputs, y_true=y_true, sensitive=origin.to_frame()))
    (entry,) = report["features"]
    groups = {g["group"]: g for g in entry["groups"]}
    assert groups["foreign"]["tpr"] is None and groups["foreign"]["fpr"] is not None
    kept = ~foreign
    assert entry["equalized_odds_difference"] == pytest.approx(
        equalized_odds_difference(y_true[kept], inputs.y_pred[kept], sensitive_features=origin[kept])
    )
    assert "Left out of it: foreign" in entry["reading"]


def test_report_round_trips_through_strict_json(report):
    assert json.loads(json.dumps(report, allow_nan=False)) == report
    assert report["positive_label"] == "good"
    assert set(report["library_versions"]) == {"fairlearn", "scikit-learn"}


def test_no_sensitive_column_is_refused(spec, inputs):
    with pytest.raises(EvaluationError, match="at least one sensitive column"):
        spec.evaluate(replace(inputs, sensitive=inputs.sensitive[[]]))


def test_summary_shows_each_feature_with_its_reading(spec, report):
    text = spec.summarize(report)
    for found in report["features"]:
        assert found["feature"] in text
        assert found["reading"] in text
    assert "not enough data" in text




def test_entry_point_loads_and_provides_the_evaluator():
    (entry_point,) = [ep for ep in metadata.entry_points(group="ecohub") if ep.name == "fairlearn"]
    plugins = load_plugins([entry_point])
    info = plugins.infos["fairlearn"]
    assert info.status == "ok", info.errors
    assert info.package == "ecohub-fairlearn"
    assert plugins.get("evaluators", "fairlearn").spec.applies_to("any-framework")
