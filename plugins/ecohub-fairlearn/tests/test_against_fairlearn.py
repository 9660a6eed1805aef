"""Every number of the count-table report equals Fairlearn's, on German Credit, Adult and COMPAS.

Fairlearn's ``MetricFrame`` and disparity functions are the reference reviewers know. The one
deliberate difference: a rate with nothing to be computed from (the TPR of a group without
positives) is None here where Fairlearn says 0, and such a group is left out of the disparities
that need that rate; the comparison then runs Fairlearn on the groups that have it.
"""

import functools
import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equalized_odds_difference,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, mean_absolute_error, precision_score, recall_score
from sklearn.pipeline import make_pipeline

from ecohub_datasets.datasets import ADULT, COMPAS, GERMAN_CREDIT
from hub.specs import TABULAR_REGRESSION, TEXT_CLASSIFICATION, DatasetSpec, EvaluationInput

import ecohub_fairlearn

RATES = {
    "count": count,
    "selection_rate": selection_rate,
    "accuracy": accuracy_score,
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
    "fnr": false_negative_rate,
    "precision": functools.partial(precision_score, zero_division=0),
}
AGE_BINS = {"age": (25, 60)}


def evaluate(X, y_true, y_pred, y_score, sensitive, bins=None, task="tabular-classification", classes=()):
    dataset = DatasetSpec(name="d", description="", load=lambda: None, target="y", positive_label=1,
                          license="cc-by-4.0", bins=bins or {})
    (evaluator, _) = ecohub_fairlearn.hub_evaluators()
    return evaluator.evaluate(EvaluationInput(
        model=None, model_type="m", framework="sklearn", dataset=dataset, X=X, y_true=y_true, y_pred=y_pred,
        y_score=y_score, sensitive=sensitive, seed=0, task=task, classes=classes,
    ))


def age_groups(age: pd.Series) -> pd.Series:
    """The declared bins, computed independently of the plugin."""
    return pd.cut(age, [-np.inf, 25, 60, np.inf], right=False,
                  labels=["under 25", "25 to under 60", "60 and over"]).astype(str)


def fairlearn_labels(sensitive: pd.DataFrame) -> pd.DataFrame:
    frame = sensitive.copy()
    if "age" in frame:
        frame["age"] = age_groups(frame["age"])
    return frame.astype(str)


def assert_matches_fairlearn(report, y_true, y_pred, sensitive: pd.DataFrame):
    labels = fairlearn_labels(sensitive)
    entries = {entry["feature"]: entry for entry in report["features"] + report["intersections"]}
    columns = list(labels.columns)
    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Fairlearn warns about the empty groups it scores 0
        for chosen in [[c] for c in columns] + [list(p) for p in itertools.combinations(columns, 2)]:
            entry = entries[" × ".join(chosen)]
            by = labels[chosen[0]] if len(chosen) == 1 else labels[chosen]
            frame = MetricFrame(metrics=RATES, y_true=y_true, y_pred=y_pred, sensitive_features=by)
            expected = frame.by_group
            expected = expected[expected["count"] > 0]  # Fairlearn lists every combination
            expected.index = [" × ".join(key) if isinstance(key, tuple) else key for key in expected.index]
            ours = {g["group"]: g for g in entry["groups"]}
            assert set(ours) == set(expected.index)
            for group, row in expected.iterrows():
                assert ours[group]["count"] == row["count"]
                for rate in RATES:
                    if rate != "count" and ours[group][rate] is not None:
                        assert ours[group][rate] == pytest.approx(row[rate], abs=1e-12), (group, rate)
                        checked += 1
            for rate in ("selection_rate", "accuracy", "tpr", "fpr"):
                assert entry["overall"][rate] == pytest.approx(frame.overall[rate], abs=1e-12)
            args = (y_true, y_pred)
            assert entry["demographic_parity_difference"] == pytest.approx(
                demographic_parity_difference(*args, sensitive_features=by), abs=1e-12)
            assert entry["demographic_parity_ratio"] == pytest.approx(
                demographic_parity_ratio(*args, sensitive_features=by), abs=1e-12)
            both = {g for g, v in ours.items() if v["tpr"] is not None and v["fpr"] is not None}
            keep = _key(by).isin(both).to_numpy()
            assert entry["equalized_odds_difference"] == pytest.approx(
                equalized_odds_difference(y_true[keep], y_pred[keep], sensitive_features=by[keep]), abs=1e-12)
            with_tpr = {g for g, v in ours.items() if v["tpr"] is not None}
            keep = _key(by).isin(with_tpr).to_numpy()
            assert entry["equal_opportunity_difference"] == pytest.approx(
                equal_opportunity_difference(y_true[keep], y_pred[keep], sensitive_features=by[keep]), abs=1e-12)
    assert checked > 0


def _key(by) -> pd.Series:
    return by if isinstance(by, pd.Series) else by.agg(" × ".join, axis=1)


def test_german_credit_matches_fairlearn(fit):
    table = GERMAN_CREDIT.load()
    y = (table.pop("credit_risk") == "good").to_numpy().astype("int64")
    model = fit(table[:600], y[:600])
    X, y_true = table[600:].reset_index(drop=True), y[600:]
    score = model.predict_proba(X)[:, 1]
    y_pred = (score >= 0.5).astype("int64")
    sensitive = X[["sex", "age", "foreign_worker"]]
    report = evaluate(X, y_true, y_pred, score, sensitive, AGE_BINS)
    assert_matches_fairlearn(report, y_true, y_pred, sensitive)


@pytest.mark.slow
def test_adult_matches_fairlearn(fit):
    table = ADULT.load()
    y = (table.pop("income") == ">50K").to_numpy().astype("int64")
    train = (table.pop("split") == "train").to_numpy()
    model = fit(table[train][:4000], y[train][:4000])
    X, y_true = table[~train].reset_index(drop=True), y[~train]
    score = model.predict_proba(X)[:, 1]
    y_pred = (score >= 0.5).astype("int64")
    sensitive = X[["sex", "race"]]
    report = evaluate(X, y_true, y_pred, score, sensitive)
    assert_matches_fairlearn(report, y_true, y_pred, sensitive)
    assert report["rows"] == len(X) == 16281


def test_compas_risk_scores_match_fairlearn():
    # The COMPAS tool's own decision: deciles 5 and above are medium or high risk (ProPublica).
    table = COMPAS.load()
    y_true = table["two_year_recid"].to_numpy().astype("int64")
    y_pred = (table["decile_score"] >= 5).to_numpy().astype("int64")
    sensitive = table[["race", "sex"]]
    report = evaluate(table[list(COMPAS.features)], y_true, y_pred, table["decile_score"] / 10, sensitive)
    assert_matches_fairlearn(report, y_true, y_pred, sensitive)
    # Native American women are too few to have both outcomes, so the intersection says so.
    race_sex = [e for e in report["intersections"] if e["feature"] == "race × sex"][0]
    assert "Native American × Female" in race_sex["small_cells"]


def test_multiclass_selection_rate_and_recall_by_group_match_fairlearn(fit):
    table = GERMAN_CREDIT.load()
    classes = sorted(table["checking_status"].unique())
    y = table.pop("checking_status").map({c: i for i, c in enumerate(classes)}).to_numpy()
    features = table.drop(columns=["credit_risk"])
    model = fit(features[:600], y[:600])
    X, y_true = features[600:].reset_index(drop=True), y[600:]
    probabilities = model.predict_proba(X)
    y_pred = probabilities.argmax(axis=1)
    report = evaluate(X, y_true, y_pred, probabilities, X[["sex"]], classes=tuple(classes))
    assert report["task"] == "multiclass"
    (sex,) = report["features"]
    metrics = {"accuracy": accuracy_score,
               "recall": functools.partial(recall_score, labels=range(len(classes)), average=None, zero_division=0)}
    frame = MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=X["sex"])
    for group in sex["groups"]:
        expected = frame.by_group.loc[group["group"]]
        assert group["accuracy"] == pytest.approx(expected["accuracy"])
        in_group = (X["sex"] == group["group"]).to_numpy()
        for i, name in enumerate(classes):
            assert group["selection_rate"][name] == pytest.approx((y_pred[in_group] == i).mean())
            if group["recall"][name] is not None:
                assert group["recall"][name] == pytest.approx(expected["recall"][i])
    recall_gaps = [abs(sex["groups"][0]["recall"][c] - sex["groups"][1]["recall"][c]) for c in classes]
    assert sex["recall_difference"] == pytest.approx(max(recall_gaps))
    assert sex["verdicts"] and sex["reading"]


def test_regression_mean_prediction_and_mae_by_group_match_fairlearn():
    table = GERMAN_CREDIT.load()
    y = table.pop("credit_amount").to_numpy(dtype=float)
    numeric = table.select_dtypes("number")
    model = LinearRegression().fit(numeric[:600], y[:600])
    X, y_true = numeric[600:].reset_index(drop=True), y[600:]
    y_pred = model.predict(X)
    sensitive = table[600:].reset_index(drop=True)[["sex"]]
    report = evaluate(X, y_true, y_pred, y_pred, sensitive, task=TABULAR_REGRESSION)
    (sex,) = report["features"]
    frame = MetricFrame(metrics={"mae": mean_absolute_error, "mean_prediction": lambda t, p: np.mean(p)},
                        y_true=y_true, y_pred=y_pred, sensitive_features=sensitive["sex"])
    for group in sex["groups"]:
        assert group["mae"] == pytest.approx(frame.by_group.loc[group["group"], "mae"])
        assert group["mean_prediction"] == pytest.approx(frame.by_group.loc[group["group"], "mean_prediction"])
        low, high = group["intervals"]["mae"]
        assert low < group["mae"] < high
    assert sex["worst_group_mae"] == pytest.approx(frame.by_group["mae"].max())
    assert sex["worst_group"] == frame.by_group["mae"].idxmax()
    assert sex["mae_difference"] == pytest.approx(frame.difference()["mae"])


@pytest.mark.slow
def test_text_model_on_mlma_by_targeted_attribute_and_group_matches_fairlearn():
    import os

    tweets = pd.read_csv(os.path.join(os.environ["HUB_DATA_DIR"], "mlma_hate_speech_en.csv.gz"))
    y = (tweets["sentiment"] != "normal").to_numpy().astype("int64")
    model = make_pipeline(TfidfVectorizer(min_df=2), LogisticRegression(max_iter=1000))
    model.fit(tweets["tweet"][:3000], y[:3000])
    held_out = tweets[3000:].reset_index(drop=True)
    score = model.predict_proba(held_out["tweet"])[:, 1]
    y_pred = (score >= 0.5).astype("int64")
    sensitive = held_out[["target", "group"]]
    report = evaluate(held_out[["tweet"]], y[3000:], y_pred, score, sensitive, task=TEXT_CLASSIFICATION)
    assert_matches_fairlearn(report, y[3000:], y_pred, sensitive)
    assert {g["group"] for g in report["features"][0]["groups"]} >= {"origin", "gender", "religion"}
