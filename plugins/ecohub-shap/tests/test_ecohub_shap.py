"""The SHAP evaluator on real German Credit models, as the hub runs it after training."""

import json
from importlib import metadata

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ecohub_datasets.datasets import GERMAN_CREDIT
from hub.errors import EvaluationError
from hub.plugins import load_plugins
from hub.specs import DatasetSpec, EvaluationInput

import ecohub_shap
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
    scaled = isinstance(estimator, (LogisticRegression, KNeighborsClassifier))
    numeric_steps = [("impute", SimpleImputer())] + ([("scale", StandardScaler())] if scaled else [])
    preprocess = ColumnTransformer([
        ("numeric", Pipeline(numeric_steps), numeric),
        ("categorical", Pipeline([
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]), categorical),
    ])
    return Pipeline([("preprocess", preprocess), ("model", estimator)])


def evaluation_input(german_credit, estimator) -> EvaluationInput:
    X_train, X_test, y_train, y_test = german_credit
    model = pipeline(estimator, X_train).fit(X_train, y_train)
    y_score = model.predict_proba(X_test)[:, 1]
    dataset = DatasetSpec(
        name="german-credit", description="Statlog German Credit", load=lambda: None,
        target="credit_risk", positive_label="good", license="cc-by-4.0",
        sensitive_features=("sex", "age"),
    )
    return EvaluationInput(
        model=model, model_type=type(estimator).__name__, framework="sklearn", dataset=dataset,
        X=X_test, y_true=y_test, y_pred=(y_score >= 0.5).astype("int64"), y_score=y_score,
        sensitive=X_test[["sex", "age"]], seed=SEED,
    )


def background_positions(n_rows: int) -> np.ndarray:
    """The rows the evaluator draws as its background: 200 of them, seeded."""
    return np.sort(np.random.default_rng(SEED).choice(n_rows, size=200, replace=False))


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


def test_gradient_boosting_gets_tree_explainer(boosted_report, boosted):
    assert boosted_report["explainer"] == "TreeExplainer"
    assert boosted_report["estimand"] == "interventional"
    assert boosted_report["output_space"] == "log-odds"
    assert boosted_report["rows_explained"] == len(boosted.X)
    assert boosted_report["background_rows"] == 200


@pytest.mark.parametrize("report, inputs", [("boosted_report", "boosted"), ("linear_report", "linear")])
def test_base_value_is_the_mean_margin_over_the_whole_background(request, report, inputs):
    # Interventional SHAP's base value is the model's average output over the background rows.
    report, inputs = request.getfixturevalue(report), request.getfixturevalue(inputs)
    preprocess, model = inputs.model.named_steps["preprocess"], inputs.model.named_steps["model"]
    rows = preprocess.transform(inputs.X)
    background = rows[background_positions(len(rows))]
    assert report["base_value"] == pytest.approx(model.decision_function(background).mean())


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
    assert additivity["max_abs_error"] <= additivity["tolerance"]


def test_one_hot_columns_are_summed_before_taking_absolute_values(boosted_report, boosted):
    # checking_status has four one-hot columns; its importance must equal the mean |row sum|.
    import shap

    preprocess, model = boosted.model.named_steps["preprocess"], boosted.model.named_steps["model"]
    rows = preprocess.transform(boosted.X)
    background = shap.maskers.Independent(rows[background_positions(len(rows))], max_samples=200)
    explainer = shap.TreeExplainer(model, data=background, feature_perturbation="interventional")
    values = explainer.shap_values(rows)
    columns = [i for i, owner in enumerate(source_features(preprocess)) if owner == "checking_status"]
    expected = np.abs(values[:, columns].sum(axis=1)).mean()
    reported = {e["feature"]: e["mean_abs_shap"] for e in boosted_report["global_importance"]}
    assert len(columns) == 4
    assert reported["checking_status"] == pytest.approx(expected)


def test_local_explanations_cover_extremes_and_borderline_cases(boosted_report, boosted):
    local = boosted_report["local"]
    scores = boosted.y_score
    assert [case["case"] for case in local] == ["highest score", "lowest score"] + ["borderline"] * 3
    assert local[0]["score"] == pytest.approx(scores.max())
    assert local[1]["score"] == pytest.approx(scores.min())
    assert max(abs(case["score"] - 0.5) for case in local[2:]) <= np.sort(np.abs(scores - 0.5))[2] + 1e-12
    for case in local:
        shap_values = [c["shap"] for c in case["contributions"]]
        assert case["base_value"] + sum(shap_values) == pytest.approx(case["output"], abs=1e-4)
        assert [abs(v) for v in shap_values] == sorted((abs(v) for v in shap_values), reverse=True)
        row = boosted.X.iloc[case["row"]]
        assert {c["feature"]: c["value"] for c in case["contributions"]} == row.to_dict()


def test_report_round_trips_through_strict_json(boosted_report, linear_report):
    for report in (boosted_report, linear_report):
        assert json.loads(json.dumps(report, allow_nan=False)) == report
        assert set(report["library_versions"]) == {"shap", "scikit-learn", "numpy"}


def test_same_seed_gives_the_same_report(spec, boosted, boosted_report):
    again = spec.evaluate(boosted)
    assert {**again, "runtime_seconds": 0} == {**boosted_report, "runtime_seconds": 0}


def test_unsupported_estimator_is_refused_by_name(spec, german_credit):
    inputs = evaluation_input(german_credit, KNeighborsClassifier())
    with pytest.raises(EvaluationError, match="KNeighborsClassifier") as error:
        spec.evaluate(inputs)
    assert "TreeExplainer" in error.value.message and "LinearExplainer" in error.value.message


def test_margin_that_is_not_log_odds_is_refused(spec, german_credit):
    # Exponential loss turns the margin into probabilities as expit(2 * margin), not expit(margin).
    estimator = GradientBoostingClassifier(loss="exponential", n_estimators=10, random_state=SEED)
    with pytest.raises(EvaluationError, match="not the log-odds"):
        spec.evaluate(evaluation_input(german_credit, estimator))


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


def test_summary_names_explainer_top_features_and_additivity(spec, boosted_report):
    text = spec.summarize(boosted_report)
    top = boosted_report["global_importance"][0]["feature"]
    assert "TreeExplainer (interventional, log-odds)" in text
    assert top in text
    assert "Additivity: passed" in text




def test_entry_point_loads_and_provides_the_evaluator():
    (entry_point,) = [ep for ep in metadata.entry_points(group="ecohub") if ep.name == "shap"]
    plugins = load_plugins([entry_point])
    info = plugins.infos["shap"]
    assert info.status == "ok", info.errors
    assert info.package == "ecohub-shap"
    assert plugins.get("evaluators", "shap").spec.applies_to("sklearn")
