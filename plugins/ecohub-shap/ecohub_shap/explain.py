"""The SHAP evaluator: chooses the explainer, explains a stratified sample and named rows, and
checks that the values can be trusted (additivity, stability across backgrounds).

The report is described in the package README; the dashboard and ``hub explain`` read it.
"""

from __future__ import annotations

import time
from importlib import metadata

import numpy as np
import pandas as pd
from scipy.special import logit

from hub.specs import TABULAR_REGRESSION, TEXT_CLASSIFICATION, EvaluationInput

from ecohub_shap.options import BACKGROUND_ROWS, SAMPLE_ROWS
from ecohub_shap.rows import cases, strata, stratified_sample
from ecohub_shap.tabular import output_names, require_predictions, tabular_explainer

TOP_K = 5
ADDITIVITY_TOLERANCE = 1e-4
"""In the output's units, scaled by the spread of the output when that exceeds 1 (regression
targets in large units). Exact explainers miss only by float rounding, about 1e-7 here."""
LIBRARIES = ("shap", "numpy", "scikit-learn")


def explain(inputs: EvaluationInput) -> dict:
    """Explain the model on its evaluation rows; the report is described in the README."""
    if inputs.task == TEXT_CLASSIFICATION:
        from ecohub_shap.text import explain_texts

        return explain_texts(inputs)
    started = time.perf_counter()
    require_predictions(inputs)
    n = len(inputs.X)
    seeds = [inputs.seed, inputs.seed + 1]
    halves = backgrounds(n, seeds, int(inputs.options.get("background_rows", BACKGROUND_ROWS)))
    inputs.progress(f"fitting the explainer to {sum(map(len, halves))} background rows", 0.0)
    explainer = tabular_explainer(inputs, halves)
    size = int(inputs.options.get("sample_rows", SAMPLE_ROWS[explainer.name]))
    sample = stratified_sample(strata(inputs), size, inputs.seed)
    output, boundary = _decision_output(inputs)
    picked = cases(inputs, output, boundary, inputs.seed)
    positions = np.union1d(sample, list(picked))
    explained = explainer.explain(positions, lambda step, done: inputs.progress(
        f"{explainer.name}, {step}", 0.05 + 0.9 * done))
    inputs.progress("checking additivity and stability", 0.95)
    in_sample = np.isin(positions, sample)
    names = output_names(inputs)
    per_row = _row_output(inputs)[positions]
    row_values = explained.values[np.arange(len(positions)), :, per_row]
    importance = np.abs(explained.values[in_sample]).sum(axis=2).mean(axis=0)

    report = {
        "task": inputs.task,
        "explainer": explainer.name,
        "explainer_reason": explainer.reason,
        "estimand": explainer.estimand,
        "output_space": explainer.output_space,
        "outputs": names,
        "background_rows": int(sum(map(len, halves))),
        "background_seeds": seeds,
        "sample": {
            "rows": int(len(sample)),
            "requested": size,
            "of": n,
            "seed": inputs.seed,
            "strategy": "stratified by label (regression: its quintile) x sensitive groups, "
                        "proportional with at least 20 rows per stratum",
        },
        "rows_explained": int(len(positions)),
        "base_value": float(explained.base_values[0]),
        "base_values": {name: float(v) for name, v in zip(names, explained.base_values)},
        "global_importance": _ranking(explainer.features, importance),
        "local": [
            _local(inputs, row, picked[row], explainer.features, names[per_row[i]],
                   row_values[i], float(explained.base_values[per_row[i]]),
                   float(explained.model_output[i, per_row[i]]))
            for i, row in enumerate(positions) if row in picked
        ],
        "rows": {
            "features": explainer.features,
            "positions": positions.tolist(),
            "output": [names[k] for k in per_row],
            "true_label": [plain(v) for v in _labels(inputs, positions)],
            "values": np.round(row_values, 8).tolist(),
        },
        "additivity": _additivity(explained),
        "stability": rank_stability(explainer.features,
                                    *(np.abs(v[in_sample]).sum(axis=2).mean(axis=0) for v in explained.per_background),
                                    seeds, int(in_sample.sum())),
        "library_versions": {lib: metadata.version(lib) for lib in LIBRARIES},
        "seed": inputs.seed,
        "runtime_seconds": round(time.perf_counter() - started, 3),
    }
    if len(names) > 1:
        report["global_importance_by_output"] = {
            name: _ranking(explainer.features, np.abs(explained.values[in_sample, :, k]).mean(axis=0))
            for k, name in enumerate(names)
        }
    return report


def backgrounds(n: int, seeds: list[int], size: int = BACKGROUND_ROWS) -> list[np.ndarray]:
    """Two disjoint, equal halves of a background of ``size`` rows, each drawn with its own seed."""
    half = max(1, min(size, n) // 2)
    first = np.random.default_rng(seeds[0]).choice(n, size=half, replace=False)
    rest = np.setdiff1d(np.arange(n), first)
    second = rest[np.random.default_rng(seeds[1]).choice(len(rest), size=min(half, len(rest)), replace=False)]
    return [np.sort(first), np.sort(second if len(second) else first)]


def _decision_output(inputs) -> tuple[np.ndarray, float]:
    """Each row's output as the row picker ranks it, and where the decision flips."""
    score = np.asarray(inputs.y_score, dtype="float64")
    if inputs.task == TABULAR_REGRESSION:
        return score, float(np.median(score))
    if score.ndim == 1:
        return logit(np.clip(score, 1e-12, 1 - 1e-12)), 0.0
    top = np.sort(score, axis=1)
    return top[:, -1] - top[:, -2], 0.0  # confidence gap: 0 where the top two classes tie


def _row_output(inputs) -> np.ndarray:
    """Which output each row's local explanation follows: the predicted class when there are many."""
    if inputs.task == TABULAR_REGRESSION or np.ndim(inputs.y_score) == 1:
        return np.zeros(len(inputs.y_true), dtype=int)
    return np.asarray(inputs.y_pred, dtype=int)


def _labels(inputs, positions):
    if inputs.task == TABULAR_REGRESSION or not inputs.classes:
        return np.asarray(inputs.y_true)[positions]
    return [inputs.classes[int(k)] for k in np.asarray(inputs.y_true)[positions]]


def _ranking(features, importance) -> list[dict]:
    return [{"feature": features[i], "mean_abs_shap": float(importance[i])}
            for i in np.argsort(-importance, kind="stable")]


def _additivity(explained) -> dict:
    """Base value + SHAP values against the very output the explainer explains (margin vs margin).

    A model whose output for a row moves with the rows it is batched with (dynamic int8
    quantization) cannot be checked closer than that movement, so the tolerance allows twice it.
    """
    total = explained.base_values[None, :] + explained.values.sum(axis=1)
    error = float(np.max(np.abs(total - explained.model_output))) if total.size else 0.0
    rounding = ADDITIVITY_TOLERANCE * max(1.0, float(np.std(explained.model_output)))
    tolerance = max(rounding, 2 * explained.jitter)
    compares = ("base value + sum of SHAP values against the model's own output in the explained space, for every "
                "explained row and output")
    if tolerance > rounding:
        compares += (f"; the model's output for a row moves by up to {explained.jitter:.1e} with the rows batched "
                     "with it (as dynamic quantization does), so the tolerance is twice that")
    return {
        "max_abs_error": error,
        "tolerance": tolerance,
        "passed": error <= tolerance,
        "model_output_jitter": explained.jitter,
        "compares": compares,
    }


def rank_stability(features, mine, theirs, seeds, rows) -> dict:
    """How far the top features by mean |SHAP| agree between the two background halves."""
    k = min(TOP_K, len(features))
    top = [features[i] for i in np.argsort(-mine, kind="stable")[:k]]
    other_top = [features[i] for i in np.argsort(-theirs, kind="stable")[:k]]
    rho = pd.Series(mine).rank().corr(pd.Series(theirs).rank()) if len(features) > 1 else 1.0
    return {
        "background_seeds": seeds,
        "rows": int(rows),
        "top_k": k,
        "top_features": top,
        "top_features_other_background": other_top,
        "top_k_agreement": len(set(top) & set(other_top)) / k if k else 1.0,
        "rank_correlation": None if pd.isna(rho) else float(rho),
    }


def _local(inputs, row, case, features, output_name, contributions, base_value, output) -> dict:
    original = inputs.X.iloc[row]
    order = np.argsort(-np.abs(contributions), kind="stable")
    return {
        "row": int(row),
        "case": case,
        "true_label": plain(_labels(inputs, [row])[0]),
        "predicted": plain(_predicted(inputs, row)),
        "score": _score(inputs, row),
        "explained_output": output_name,
        "output": output,
        "base_value": base_value,
        "contributions": [
            {"feature": features[i], "value": plain(original[features[i]]), "shap": float(contributions[i])}
            for i in order
        ],
    }


def _predicted(inputs, row):
    predicted = np.asarray(inputs.y_pred)[row]
    if inputs.task == TABULAR_REGRESSION or not inputs.classes:
        return predicted
    return inputs.classes[int(predicted)]


def _score(inputs, row) -> float:
    """P(positive) for binary, P(predicted class) for multi-class, the prediction for regression."""
    score = np.asarray(inputs.y_score)
    if score.ndim == 2:
        return float(score[row, int(np.asarray(inputs.y_pred)[row])])
    return float(score[row])


def plain(value):
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    return value if isinstance(value, (bool, int, float, str)) else str(value)
