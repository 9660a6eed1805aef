"""Classifiers (logistic regression, gradient boosting) and regressors (ridge, gradient boosting),
each behind the same column preprocessing.

The classifiers handle binary and multi-class targets alike: scikit-learn orders
``predict_proba``'s columns by the sorted class indices the hub passes, which is the order of
``FitRequest.classes``.

Every model this module builds is an unfitted ``Pipeline`` of exactly two steps:

- ``"preprocess"``: a ``ColumnTransformer`` with a ``"categorical"`` and a ``"numeric"`` branch;
- ``"model"``: the estimator.

Explainers rely on that shape to map the transformed columns back to the original features,
through ``ColumnTransformer.output_indices_`` and the one-hot encoder's ``categories_``. That is
why the encoder drops no category and the output is dense.
"""

from __future__ import annotations

from typing import Any, Mapping

from hub.specs import TABULAR_CLASSIFICATION, TABULAR_REGRESSION, ModelSpec

PREPROCESS_STEP = "preprocess"
MODEL_STEP = "model"


def preprocessing(scale_numbers: bool):
    """One-hot encode every non-numeric column and impute every numeric one.

    Columns are chosen by dtype when fitting, so one pipeline fits any table. Missing categories
    become their own ``"missing"`` category, which keeps the fact that a value was missing
    visible to the model and to explanations. Imputers keep all-empty columns, so every input
    column has its own place in the output.
    """
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    categorical = Pipeline([
        ("impute", SimpleImputer(strategy="constant", fill_value="missing", keep_empty_features=True)),
        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
    ])
    numeric_steps = [("impute", SimpleImputer(strategy="median", keep_empty_features=True))]
    if scale_numbers:
        numeric_steps.append(("scale", StandardScaler()))
    return ColumnTransformer(
        [
            ("categorical", categorical, make_column_selector(dtype_exclude="number")),
            ("numeric", Pipeline(numeric_steps), make_column_selector(dtype_include="number")),
        ],
        sparse_threshold=0,
    )


def build_logistic_regression(params: Mapping[str, Any]):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline([
        (PREPROCESS_STEP, preprocessing(scale_numbers=True)),
        (MODEL_STEP, LogisticRegression(**params)),
    ])


def build_gradient_boosting(params: Mapping[str, Any]):
    """Trees split on thresholds, so numbers stay unscaled and explanations keep their units."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.pipeline import Pipeline

    return Pipeline([
        (PREPROCESS_STEP, preprocessing(scale_numbers=False)),
        (MODEL_STEP, GradientBoostingClassifier(**params)),
    ])


def build_ridge_regression(params: Mapping[str, Any]):
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline

    return Pipeline([
        (PREPROCESS_STEP, preprocessing(scale_numbers=True)),
        (MODEL_STEP, Ridge(**params)),
    ])


def build_gradient_boosting_regressor(params: Mapping[str, Any]):
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.pipeline import Pipeline

    return Pipeline([
        (PREPROCESS_STEP, preprocessing(scale_numbers=False)),
        (MODEL_STEP, GradientBoostingRegressor(**params)),
    ])


LOGISTIC_REGRESSION = ModelSpec(
    name="logistic-regression",
    description=(
        "scikit-learn logistic regression on one-hot encoded categories and standardised "
        "numbers: a fast, readable baseline."
    ),
    framework="sklearn",
    build=build_logistic_regression,
    tasks=(TABULAR_CLASSIFICATION,),
    default_params={"C": 1.0, "max_iter": 1000},
)

GRADIENT_BOOSTING = ModelSpec(
    name="gradient-boosting",
    description=(
        "scikit-learn gradient-boosted decision trees on one-hot encoded categories and raw "
        "numbers: captures interactions and non-linear effects."
    ),
    framework="sklearn",
    build=build_gradient_boosting,
    tasks=(TABULAR_CLASSIFICATION,),
    default_params={"n_estimators": 200, "learning_rate": 0.05, "max_depth": 3},
)

RIDGE_REGRESSION = ModelSpec(
    name="ridge-regression",
    description=(
        "scikit-learn ridge (L2-regularised linear) regression on one-hot encoded categories and "
        "standardised numbers: a fast, readable baseline for numeric targets."
    ),
    framework="sklearn",
    build=build_ridge_regression,
    tasks=(TABULAR_REGRESSION,),
    default_params={"alpha": 1.0},
)

GRADIENT_BOOSTING_REGRESSOR = ModelSpec(
    name="gradient-boosting-regressor",
    description=(
        "scikit-learn gradient-boosted regression trees on one-hot encoded categories and raw "
        "numbers: captures interactions and non-linear effects in numeric targets."
    ),
    framework="sklearn",
    build=build_gradient_boosting_regressor,
    tasks=(TABULAR_REGRESSION,),
    default_params={"n_estimators": 200, "learning_rate": 0.05, "max_depth": 3},
)
