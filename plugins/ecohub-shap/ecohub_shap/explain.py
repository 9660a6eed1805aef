"""The SHAP evaluator: exact explanations of a fitted scikit-learn pipeline, in log-odds.

The explainers read the final estimator's structure (trees or coefficients) instead of calling the
model thousands of times, so they run on the estimator and the preprocessed rows, and every
evaluation row is explained. Both use the interventional estimand against the same seeded
background, so explanations of a tree model and of a linear model of the same data measure the
same thing. Both are exact in the model's margin (log-odds), not in probability, which is why the
additivity check compares against ``decision_function``.
"""

from __future__ import annotations

import time
from importlib import metadata

import numpy as np
import pandas as pd
import shap
from scipy.special import expit
from shap.utils._exceptions import InvalidModelError  # shap exports it nowhere public

from hub.errors import EvaluationError
from hub.specs import EvaluationInput

from ecohub_shap.features import source_features, sum_by_feature

BACKGROUND_ROWS = 200
BORDERLINE_ROWS = 3
LIBRARIES = ("shap", "scikit-learn", "numpy")
ADDITIVITY_TOLERANCE = 1e-4
"""In log-odds. Exact explainers miss only by float rounding (about 1e-7 here); a miss of 1e-4
moves a probability by at most 2.5e-5, far below anything a reviewer would read."""


def explain(inputs: EvaluationInput) -> dict:
    """Explain every evaluation row and return the report described in the package README."""
    started = time.perf_counter()
    preprocess, estimator = _pipeline_steps(inputs.model)
    rows = preprocess.transform(inputs.X)
    if hasattr(rows, "toarray"):  # a ColumnTransformer may return a sparse matrix
        rows = rows.toarray()
    rng = np.random.default_rng(inputs.seed)
    size = min(BACKGROUND_ROWS, len(rows))
    sample = rows[np.sort(rng.choice(len(rows), size=size, replace=False))]
    # A bare array would be wrapped in a masker that keeps only 100 of these rows, silently.
    background = shap.maskers.Independent(sample, max_samples=size)

    margin = _log_odds(estimator, rows, np.asarray(inputs.y_score))
    explainer = _explainer(estimator, background)
    values = np.asarray(explainer.shap_values(rows))
    base_value = float(np.squeeze(explainer.expected_value))
    features, per_feature = sum_by_feature(values, source_features(preprocess))
    error = float(np.max(np.abs(base_value + values.sum(axis=1) - margin)))
    importance = np.abs(per_feature).mean(axis=0)

    return {
        "explainer": type(explainer).__name__,
        "estimand": "interventional",
        "output_space": "log-odds",
        "background_rows": size,
        "rows_explained": len(rows),
        "base_value": base_value,
        "global_importance": [
            {"feature": features[i], "mean_abs_shap": float(importance[i])}
            for i in np.argsort(-importance, kind="stable")
        ],
        "local": [
            _local(inputs, row, case, features, per_feature[row], base_value, margin[row])
            for row, case in _local_rows(np.asarray(inputs.y_score), rng)
        ],
        "additivity": {
            "max_abs_error": error,
            "tolerance": ADDITIVITY_TOLERANCE,
            "passed": error <= ADDITIVITY_TOLERANCE,
        },
        "library_versions": {lib: metadata.version(lib) for lib in LIBRARIES},
        "seed": inputs.seed,
        "runtime_seconds": round(time.perf_counter() - started, 3),
    }


def _pipeline_steps(model):
    steps = getattr(model, "named_steps", {})
    if "preprocess" not in steps or "model" not in steps:
        raise EvaluationError(
            f"The shap evaluator explains a scikit-learn Pipeline with steps 'preprocess' and "
            f"'model'; this model is a {type(model).__name__}"
            + (f" with steps {', '.join(steps)}." if steps else "."),
            "Train the model with ecohub's sklearn plugin, which builds such pipelines.",
        )
    return steps["preprocess"], steps["model"]


def _log_odds(estimator, rows: np.ndarray, score: np.ndarray) -> np.ndarray:
    """The model's margin, checked to be the log-odds of the probability it predicted."""
    if not hasattr(estimator, "decision_function"):
        raise _unsupported(estimator)
    margin = estimator.decision_function(rows)
    if not np.allclose(expit(margin), score, rtol=0, atol=1e-6):
        raise EvaluationError(
            f"The {type(estimator).__name__}'s decision_function is not the log-odds of its "
            "predicted probability, so its SHAP values cannot be stated in log-odds.",
            "This evaluator explains logistic-loss models: gradient boosting with log loss and "
            "logistic regression.",
        )
    return margin


def _explainer(estimator, background):
    try:
        return shap.TreeExplainer(
            estimator, data=background, feature_perturbation="interventional",
            model_output="raw",
        )
    except InvalidModelError:
        pass  # not a tree model shap can read; try the linear explainer
    if hasattr(estimator, "coef_") and hasattr(estimator, "intercept_"):
        return shap.LinearExplainer(estimator, background)
    raise _unsupported(estimator)


def _unsupported(estimator) -> EvaluationError:
    return EvaluationError(
        f"The shap evaluator cannot explain a {type(estimator).__name__}: it supports gradient-"
        "boosted tree models (shap.TreeExplainer) and linear classifiers (shap.LinearExplainer), "
        "explained exactly in log-odds.",
        "Other models need a model-agnostic explainer (Permutation), which this plugin does not "
        "run.",
    )


def _local_rows(score: np.ndarray, rng: np.random.Generator) -> list[tuple[int, str]]:
    """The highest- and lowest-scored rows, then those closest to 0.5; the seed breaks ties."""
    shuffled = rng.permutation(len(score))
    by_score = shuffled[np.argsort(score[shuffled], kind="stable")]
    by_closeness = shuffled[np.argsort(np.abs(score[shuffled] - 0.5), kind="stable")]
    candidates = [(by_score[-1], "highest score"), (by_score[0], "lowest score")]
    candidates += [(row, "borderline") for row in by_closeness[: BORDERLINE_ROWS + 2]]
    chosen: dict[int, str] = {}
    for row, case in candidates:
        chosen.setdefault(int(row), case)
    return list(chosen.items())[: 2 + BORDERLINE_ROWS]


def _local(inputs, row, case, features, contributions, base_value, margin) -> dict:
    original = inputs.X.iloc[row]
    order = np.argsort(-np.abs(contributions), kind="stable")
    return {
        "row": row,
        "case": case,
        "score": float(inputs.y_score[row]),
        "output": float(margin),
        "base_value": base_value,
        "contributions": [
            {
                "feature": features[i],
                "value": _json_value(original[features[i]]),
                "shap": float(contributions[i]),
            }
            for i in order
        ],
    }


def _json_value(value):
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    return value if isinstance(value, (bool, int, float, str)) else str(value)
