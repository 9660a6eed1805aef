"""Fitting, saving and loading scikit-learn models the way the hub does, on German Credit."""

import subprocess
import sys

import numpy as np
import pytest
import skops.io
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from hub.errors import UnsafeArtifactError
from hub.plugins import installed_plugins
from hub.specs import FitRequest

# Few stages keep the tests fast; per-stage progress does not depend on how many there are.
FAST_PARAMS = {"logistic-regression": {}, "gradient-boosting": {"n_estimators": 20}, "ridge-regression": {},
               "gradient-boosting-regressor": {"n_estimators": 20}}
CLASSIFIERS = ("logistic-regression", "gradient-boosting")
REGRESSORS = ("ridge-regression", "gradient-boosting-regressor")


@pytest.fixture(scope="module")
def german_credit():
    dataset = installed_plugins().get("datasets", "german-credit").spec
    table = dataset.load()
    X = table[dataset.feature_columns(table.columns)]
    y = (table[dataset.target] == dataset.positive_label).astype(int).to_numpy()
    return X, y


@pytest.fixture(scope="module")
def trainer():
    return installed_plugins().trainer_for("sklearn").spec


def fit(model_name, X, y, progress=lambda message, fraction: None):
    model = installed_plugins().get("models", model_name).spec
    request = FitRequest(model=model, params={**model.default_params, **FAST_PARAMS[model_name]}, X=X, y=y, seed=7,
                         progress=progress)
    return installed_plugins().trainer_for(model.framework).spec.fit(request)


def test_plugin_provides_both_models_and_the_trainer():
    info = installed_plugins().infos["sklearn"]
    assert info.status == "ok", info.errors
    assert info.provides == {"model type": [*CLASSIFIERS, *REGRESSORS], "trainer": ["sklearn"]}
    models = installed_plugins().all("models")
    assert {name: models[name].spec.tasks for name in FAST_PARAMS} == {
        **{name: ("tabular-classification",) for name in CLASSIFIERS},
        **{name: ("tabular-regression",) for name in REGRESSORS}}


@pytest.mark.parametrize("model_name", FAST_PARAMS)
def test_built_model_follows_the_pipeline_convention(model_name):
    model = installed_plugins().get("models", model_name).spec
    pipeline = model.build(model.default_params)
    assert isinstance(pipeline, Pipeline)
    assert [name for name, _ in pipeline.steps] == ["preprocess", "model"]
    assert pipeline["preprocess"].sparse_threshold == 0


@pytest.mark.parametrize("model_name", CLASSIFIERS)
def test_saved_model_loads_back_with_identical_predictions(model_name, german_credit, trainer, tmp_path):
    X, y = german_credit
    fitted = fit(model_name, X, y)
    trainer.save(fitted, tmp_path)
    loaded = trainer.load(tmp_path)
    assert fitted.predict_proba(X).shape == (len(X), 2)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))


@pytest.mark.parametrize("model_name", CLASSIFIERS)
def test_classifiers_predict_one_probability_column_per_class(model_name, german_credit, trainer, tmp_path):
    X, _ = german_credit
    purposes = sorted(X["purpose"].unique())
    y = np.searchsorted(purposes, X["purpose"])
    fitted = fit(model_name, X.drop(columns=["purpose"]), y)
    trainer.save(fitted, tmp_path)
    proba = trainer.load(tmp_path).predict_proba(X.drop(columns=["purpose"]))
    assert proba.shape == (len(X), len(purposes))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("model_name", REGRESSORS)
def test_regressors_predict_amounts_and_load_back(model_name, german_credit, trainer, tmp_path):
    X, _ = german_credit
    y = X["credit_amount"].to_numpy(dtype=float)
    features = X.drop(columns=["credit_amount"])
    fitted = fit(model_name, features, y)
    trainer.save(fitted, tmp_path)
    predicted = trainer.load(tmp_path).predict(features)
    np.testing.assert_array_equal(predicted, fitted.predict(features))
    assert np.corrcoef(predicted, y)[0, 1] > 0.5  # duration and purpose explain much of the amount


def test_same_seed_fits_the_same_model(german_credit):
    X, y = german_credit
    first, second = fit("gradient-boosting", X, y), fit("gradient-boosting", X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))


def test_gradient_boosting_reports_every_stage(german_credit):
    X, y = german_credit
    reports = []
    fit("gradient-boosting", X, y, progress=lambda message, fraction: reports.append((message, fraction)))
    fractions = [fraction for _, fraction in reports]
    stages = [message for message, _ in reports if message.startswith("boosting stage")]
    assert len(stages) == FAST_PARAMS["gradient-boosting"]["n_estimators"]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)


def test_logistic_regression_reports_start_and_end(german_credit):
    X, y = german_credit
    fractions = []
    fit("logistic-regression", X, y, progress=lambda message, fraction: fractions.append(fraction))
    assert fractions == [0.0, 1.0]


def halve(values):
    return values / 2


def test_file_with_an_untrusted_type_is_refused(german_credit, trainer, tmp_path):
    X, y = german_credit
    shared = Pipeline([("halve", FunctionTransformer(halve)), ("model", LogisticRegression(max_iter=1000))])
    skops.io.dump(shared.fit(X.select_dtypes("number"), y), tmp_path / "model.skops")
    with pytest.raises(UnsafeArtifactError, match="halve") as error:
        trainer.load(tmp_path)
    assert "model.skops" in error.value.message


def test_importing_the_plugin_does_not_import_sklearn():
    code = "import sys, ecohub_sklearn; print(sorted(m for m in ('sklearn', 'skops') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_loading_a_model_does_not_import_torch(german_credit, trainer, tmp_path):
    """torch is 1.2 s of start-up that a scikit-learn model never uses (skops would load it)."""
    X, y = german_credit
    trainer.save(fit("gradient-boosting", X, y), tmp_path)
    code = ("import sys; from hub.plugins import installed_plugins; "
            "model = installed_plugins().trainer_for('sklearn').spec.load(sys.argv[1]); "
            "print(type(model).__name__, 'torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["Pipeline", "False"]


def test_skops_trusts_the_same_types_whether_or_not_torch_is_skipped():
    digest = ("import sys; {} from skops.io import _trusted_types as t; "
              "print(sorted(t.SKLEARN_ESTIMATOR_TYPE_NAMES), 'torch' in sys.modules)")
    plain, ours = (subprocess.run([sys.executable, "-c", digest.format(setup)], capture_output=True, text=True,
                                  check=True).stdout.rsplit(" ", 1)
                   for setup in ("import skops.io;", "from ecohub_sklearn.artifacts import skops_io; skops_io();"))
    assert plain[0] == ours[0]
    assert ours[1].strip() == "False"
