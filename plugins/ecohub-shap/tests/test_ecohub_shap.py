"""The SHAP evaluator on real German Credit models (scikit-learn), as the hub runs it after training."""

import json
from importlib import metadata

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ecohub_datasets.datasets import GERMAN_CREDIT
from hub.errors import EvaluationError
from hub.plugins import load_plugins
from hub.specs import TABULAR_REGRESSION, DatasetSpec, EvaluationInput

import ecohub_shap
from ecohub_shap.explain import backgrounds
from ecohub_shap.features import source_features

SEED = 7


@pytest.fixture(scope="module")
def german_credit():
    table = GERMAN_CREDIT.load()  # the copy shipped inside ecohub-datasets
    y = (table.pop("credit_risk") == "good").to_numpy().astype("int64")
    return train_test_split(table, y, test_size=0.25, stratify=y, random_state=SEED)


def pipeline(estimator, X):
    """The two-step pipeline the sklearn plugin builds."""
    categorical = X.select_dtypes(exclude="number").columns.tolist()
    numeric = [column for column in X.columns if column not in categorical]
    scaled = isinstance(estimator, (LogisticRegression, MLPClassifier))
    numeric_steps = [("impute", SimpleImputer())] + ([("scale", StandardScaler())] if scaled else [])
    preprocess = ColumnTransformer([
        ("numeric", Pipeline(numeric_steps), numeric),
        ("categorical", Pipeline([
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]), categorical),
    ])
    return Pipeline([("preprocess", preprocess), ("model", estimator)])


def evaluation_input(german_credit, estimator, **options) -> EvaluationInput:
    X_train, X_test, y_train, y_test = german_credit
    model = pipeline(estimator, X_train).fit(X_train, y_train)
    y_score = model.predict_proba(X_test)[:, 1]
    dataset = DatasetSpec(
        name="german-credit", description="Statlog German Credit", load=lambda: None,
        target="credit_risk", positive_label="good", license="cc-by-4.0",
        sensitive_features=("sex",),
    )
    return EvaluationInput(
        model=model, model_type=type(estimator).__name__, framework="sklearn", dataset=dataset,
        X=X_test, y_true=y_test, y_pred=(y_score >= 0.5).astype("int64"), y_score=y_score,
        sensitive=X_test[["sex"]], seed=SEED, classes=("bad", "good"), options=options,
    )


@pytest.fixture(scope="module")
def boosted(german_credit):
    return evaluation_input(german_credit, GradientBoostingClassifier(n_estimators=50, random_state=SEED))


@pytest.fixture(scope="module")
def linear(german_credit):
    return evaluation_input(german_credit, LogisticRegression(max_iter=1000))


@pytest.fixture(scope="module")
def spec():
    (evaluator,) = ecohub_shap.hub_evaluators()
    return evaluator


@pytest.fixture(scope="module")
def boosted_report(spec, boosted):
    return spec.evaluate(boosted)


@pytest.fixture(scope="module")
def linear_report(spec, linear):
    return spec.evaluate(linear)


def test_gradient_boosting_gets_tree_explainer_with_its_reason(boosted_report, boosted):
    assert boosted_report["explainer"] == "TreeExplainer"
    assert "tree ensemble" in boosted_report["explainer_reason"]
    assert boosted_report["estimand"] == "interventional"
    assert boosted_report["output_space"] == "log-odds"
    assert boosted_report["background_rows"] == 100
    assert boosted_report["sample"]["of"] == len(boosted.X)


@pytest.mark.parametrize("report, inputs", [("boosted_report", "boosted"), ("linear_report", "linear")])
def test_base_value_is_the_mean_margin_over_the_whole_background(request, report, inputs):
    # Interventional SHAP's base value is the model's average output over the background rows.
    report, inputs = request.getfixturevalue(report), request.getfixturevalue(inputs)
    preprocess, model = inputs.model.named_steps["preprocess"], inputs.model.named_steps["model"]
    rows = preprocess.transform(inputs.X)
    background = np.concatenate(backgrounds(len(rows), report["background_seeds"]))
    assert len(background) == report["background_rows"]
    assert report["base_value"] == pytest.approx(model.decision_function(rows[background]).mean(), abs=1e-6)


def test_logistic_regression_gets_linear_explainer(linear_report):
    assert linear_report["explainer"] == "LinearExplainer"
    assert linear_report["estimand"] == "interventional"


@pytest.mark.parametrize("report", ["boosted_report", "linear_report"])
def test_importance_is_per_original_feature_and_sorted(request, report, boosted):
    importance = request.getfixturevalue(report)["global_importance"]
    assert {entry["feature"] for entry in importance} == set(boosted.X.columns)
    values = [entry["mean_abs_shap"] for entry in importance]
    assert values == sorted(values, reverse=True)


@pytest.mark.parametrize("report", ["boosted_report", "linear_report"])
def test_shap_values_add_up_to_the_model_margin(request, report):
    additivity = request.getfixturevalue(report)["additivity"]
    assert additivity["passed"]
    assert additivity["max_abs_error"] <= 1e-6


def test_a_background_value_a_hair_above_a_split_no_longer_breaks_additivity(spec, german_credit):
    """The old false failure: every row off by one constant. The model sends a background value
    one float64 step above a split threshold left (it compares in float32), shap's background
    walk sent it right, so the base value no longer matched the values."""
    inputs = evaluation_input(german_credit, GradientBoostingClassifier(n_estimators=50, random_state=SEED))
    estimator = inputs.model.named_steps["model"]
    numeric = inputs.model.named_steps["preprocess"].transformers_[0][2]
    tree = estimator.estimators_[0, 0].tree_
    column = next(i for i in tree.feature if 0 <= i < len(numeric))
    threshold = tree.threshold[list(tree.feature).index(column)]
    X = inputs.X.copy()
    X[numeric[column]] = X[numeric[column]].astype("float64")
    background = backgrounds(len(X), [SEED, SEED + 1])[0]
    X.iloc[background[:10], X.columns.get_loc(numeric[column])] = np.nextafter(threshold, np.inf)
    y_score = inputs.model.predict_proba(X)[:, 1]
    report = spec.evaluate(EvaluationInput(**{**inputs.__dict__, "X": X, "y_score": y_score,
                                              "y_pred": (y_score >= 0.5).astype("int64")}))
    assert report["additivity"]["passed"], report["additivity"]
    assert report["additivity"]["max_abs_error"] < 1e-6


def test_one_hot_columns_are_summed_per_row_before_taking_absolute_values(boosted_report, boosted):
    import shap

    preprocess, model = boosted.model.named_steps["preprocess"], boosted.model.named_steps["model"]
    rows = preprocess.transform(boosted.X)
    halves = backgrounds(len(rows), boosted_report["background_seeds"])
    values = np.mean([
        shap.TreeExplainer(model, data=shap.maskers.Independent(rows[half].astype(np.float32).astype("float64"),
                                                                max_samples=len(half)),
                           feature_perturbation="interventional").shap_values(rows)
        for half in halves
    ], axis=0)
    columns = [i for i, owner in enumerate(source_features(preprocess)) if owner == "checking_status"]
    stored = boosted_report["rows"]
    position = stored["features"].index("checking_status")
    expected = values[stored["positions"]][:, columns].sum(axis=1)
    assert len(columns) == 4
    assert [row[position] for row in stored["values"]] == pytest.approx(expected, abs=1e-6)


def test_local_rows_carry_true_label_prediction_and_why_they_were_picked(boosted_report, boosted):
    local = boosted_report["local"]
    cases = [case["case"] for case in local]
    assert "most positive" in cases and "most negative" in cases and "borderline" in cases
    assert any(case.startswith("typical row of sex = ") for case in cases)
    scores = boosted.y_score
    for case in local:
        assert case["true_label"] == ("good" if boosted.y_true[case["row"]] else "bad")
        assert case["predicted"] in ("good", "bad")
        shap_values = [c["shap"] for c in case["contributions"]]
        assert case["base_value"] + sum(shap_values) == pytest.approx(case["output"], abs=1e-6)
        assert {c["feature"]: c["value"] for c in case["contributions"]} == boosted.X.iloc[case["row"]].to_dict()
    by_case = {case["case"]: case for case in local}
    assert by_case["most positive"]["score"] == pytest.approx(scores.max())


def test_any_row_can_be_requested_and_the_sample_size_is_an_option(spec, german_credit):
    inputs = evaluation_input(german_credit, LogisticRegression(max_iter=1000), rows=[3], sample_rows=40)
    report = spec.evaluate(inputs)
    assert report["sample"]["requested"] == 40
    assert report["sample"]["rows"] >= 40  # small strata are topped up to 20 rows
    (requested,) = [case for case in report["local"] if case["case"] == "requested"]
    assert requested["row"] == 3
    assert 3 in report["rows"]["positions"]


def test_row_outside_the_evaluation_rows_is_refused(spec, german_credit):
    inputs = evaluation_input(german_credit, LogisticRegression(max_iter=1000), rows=[10_000])
    with pytest.raises(EvaluationError, match="not an evaluation row"):
        spec.evaluate(inputs)


def test_every_explained_row_is_stored_for_the_dashboard(boosted_report):
    rows = boosted_report["rows"]
    assert len(rows["positions"]) == boosted_report["rows_explained"] == len(rows["values"])
    assert len(rows["true_label"]) == len(rows["positions"])
    assert all(len(values) == len(boosted_report["global_importance"]) for values in rows["values"])


def test_stability_compares_the_top_features_of_two_background_seeds(boosted_report):
    stability = boosted_report["stability"]
    assert stability["background_seeds"] == [SEED, SEED + 1]
    assert len(stability["top_features"]) == len(stability["top_features_other_background"]) == 5
    assert 0 <= stability["top_k_agreement"] <= 1
    assert stability["top_features"][0] == boosted_report["global_importance"][0]["feature"]


def test_report_round_trips_through_strict_json(boosted_report, linear_report):
    for report in (boosted_report, linear_report):
        assert json.loads(json.dumps(report, allow_nan=False)) == report
        assert set(report["library_versions"]) == {"shap", "scikit-learn", "numpy"}


def test_same_seed_gives_the_same_report(spec, boosted, boosted_report):
    again = spec.evaluate(boosted)
    assert {**again, "runtime_seconds": 0} == {**boosted_report, "runtime_seconds": 0}


NARROW = ["checking_status", "duration_months", "credit_amount", "savings", "age", "sex"]


@pytest.mark.parametrize("estimator", [
    MLPClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=SEED),  # no decision_function
    GradientBoostingClassifier(loss="exponential", n_estimators=10, random_state=SEED),  # margin is not log-odds
])
def test_models_shap_cannot_read_exactly_get_permutation_in_log_odds(spec, german_credit, estimator):
    X_train, X_test, y_train, y_test = german_credit
    narrow = (X_train[NARROW], X_test[NARROW], y_train, y_test)  # Permutation's cost grows with the features
    inputs = evaluation_input(narrow, estimator, sample_rows=10)
    report = spec.evaluate(inputs)
    assert report["explainer"] == "PermutationExplainer"
    assert report["output_space"] == "log-odds"
    assert report["additivity"]["passed"], report["additivity"]
    assert {entry["feature"] for entry in report["global_importance"]} == set(inputs.X.columns)


def test_multi_class_is_explained_per_class(spec, german_credit):
    X_train, X_test, _, _ = german_credit
    target = "checking_status"
    classes = tuple(sorted(X_train[target].unique()))
    y_train = X_train[target].map(classes.index).to_numpy()
    model = pipeline(LogisticRegression(max_iter=2000), X_train.drop(columns=target)).fit(
        X_train.drop(columns=target), y_train)
    X = X_test.drop(columns=target)
    proba = model.predict_proba(X)
    inputs = EvaluationInput(
        model=model, model_type="lr", framework="sklearn", dataset=DatasetSpec(
            name="german-checking", description="", load=lambda: None, target=target, positive_label=None,
            license="cc-by-4.0"),
        X=X, y_true=X_test[target].map(classes.index).to_numpy(), y_pred=proba.argmax(axis=1), y_score=proba,
        sensitive=X[["sex"]], seed=SEED, classes=classes, options={"sample_rows": 50})
    report = spec.evaluate(inputs)
    assert report["outputs"] == list(classes)
    assert set(report["global_importance_by_output"]) == set(classes)
    assert report["additivity"]["passed"], report["additivity"]
    for case in report["local"]:
        assert case["explained_output"] == case["predicted"]


def test_regression_is_explained_in_the_targets_units(spec, german_credit):
    X_train, X_test, _, _ = german_credit
    target = "credit_amount"
    model = pipeline(GradientBoostingRegressor(n_estimators=30, random_state=SEED),
                     X_train.drop(columns=target)).fit(X_train.drop(columns=target), X_train[target])
    X = X_test.drop(columns=target)
    prediction = model.predict(X)
    inputs = EvaluationInput(
        model=model, model_type="gbr", framework="sklearn", dataset=DatasetSpec(
            name="german-amount", description="", load=lambda: None, target=target, positive_label=None,
            license="cc-by-4.0", task=TABULAR_REGRESSION),
        X=X, y_true=X_test[target].to_numpy(dtype="float64"), y_pred=prediction, y_score=prediction,
        sensitive=X[["sex"]], seed=SEED, task=TABULAR_REGRESSION, options={"sample_rows": 60})
    report = spec.evaluate(inputs)
    assert report["explainer"] == "TreeExplainer"
    assert report["output_space"] == "credit_amount (the target's units)"
    assert report["base_value"] == pytest.approx(prediction.mean(), rel=0.2)
    assert report["additivity"]["passed"], report["additivity"]
    assert any(case["case"] == "typical prediction" for case in report["local"])


def test_dropped_and_infrequent_categories_map_back_to_their_feature():
    frame = pd.DataFrame({"colour": list("aaaabbbbcd"), "size": [1.0] * 10, "kind": list("xyxyxyxyxy")})
    preprocess = ColumnTransformer([
        ("onehot", OneHotEncoder(drop="first", min_frequency=2, sparse_output=False), ["colour", "kind"]),
        ("numeric", "passthrough", [1]),
    ]).fit(frame)
    owners = source_features(preprocess)
    # colour: a, b, infrequent(c, d) minus the dropped first -> 2; kind: x, y minus dropped -> 1
    assert owners == ["colour", "colour", "kind", "size"]
    assert len(owners) == preprocess.transform(frame).shape[1]


def test_summary_names_explainer_reason_top_features_additivity_and_stability(spec, boosted_report):
    text = spec.summarize(boosted_report)
    top = boosted_report["global_importance"][0]["feature"]
    assert "TreeExplainer (interventional, log-odds)" in text
    assert f"{boosted_report['rows_explained']} rows explained" in text
    assert "Why this explainer:" in text
    assert top in text
    assert "Additivity: passed" in text
    assert "Stability:" in text


def test_entry_point_loads_and_provides_the_evaluator():
    (entry_point,) = [ep for ep in metadata.entry_points(group="ecohub") if ep.name == "shap"]
    plugins = load_plugins([entry_point])
    info = plugins.infos["shap"]
    assert info.status == "ok", info.errors
    assert info.package == "ecohub-shap"
    assert plugins.get("evaluators", "shap").spec.applies_to("torch")
