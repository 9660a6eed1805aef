"""Explaining a model of a table: which shap explainer, why, and the SHAP values it gives.

scikit-learn pipelines (``preprocess`` then ``model``) whose estimator shap can read exactly get
``TreeExplainer`` or ``LinearExplainer`` on the preprocessed columns, in the estimator's own
margin (``decision_function``; ``predict`` for regression); the one-hot columns are summed back
into their feature. Every other model (torch networks, other estimators, margins that are not
the log-odds of the probability the model reports) gets the Permutation explainer over the
original features, calling the model on batches of masked rows; classifiers are explained in the
log-odds of each class's probability. KernelExplainer is never used: it needs several times the
model calls of Permutation for an approximate answer.

Every explainer here is interventional against the same kind of background (rows drawn from the
evaluation rows), so explanations of two model families of one dataset measure the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
import shap
from scipy.special import expit, logit, softmax
from shap.utils._exceptions import InvalidModelError  # shap exports it nowhere public

from hub.errors import EvaluationError
from hub.specs import TABULAR_REGRESSION, ProgressCallback

from ecohub_shap.features import source_features, sum_by_feature

PROGRESS_STEPS = 10
"""Batches per background half: rows are explained a batch at a time so a long evaluation reports
its progress; the values do not depend on the batches."""
PERMUTATIONS = 2
"""Antithetic permutations per explained row for the Permutation explainer: it is exact after one
for models with at most pairwise interactions; a second averages out some higher-order ones."""
BATCH_ROWS = 20_000
JITTER_ROWS = 50
PROBABILITY_FLOOR = 1e-12


@dataclass
class Explained:
    """SHAP values of some rows, per original feature and explained output."""

    values: np.ndarray  # rows x features x outputs
    base_values: np.ndarray  # outputs
    model_output: np.ndarray  # rows x outputs: what the model itself gives, for the additivity check
    per_background: list[np.ndarray]  # the values against each background half alone
    jitter: float = 0.0  # how far the model's output for a row moves with the rows batched with it


def _batched(explainers: list, rows: int, explain_batch: Callable[[Any, int, np.ndarray], tuple[np.ndarray, np.ndarray]],
             progress: ProgressCallback) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each explainer's (values, base values) for ``rows`` rows, ``explain_batch(explainer, number,
    indices)`` a batch at a time, reporting after each batch."""
    batches = np.array_split(np.arange(rows), min(PROGRESS_STEPS, max(rows, 1)))
    parts = []
    for h, explainer in enumerate(explainers):
        values, base = [], None
        for b, batch in enumerate(batches):
            batch_values, base = explain_batch(explainer, b, batch)
            values.append(batch_values)
            progress(f"background {h + 1} of {len(explainers)}: {batch[-1] + 1 if len(batch) else 0} of {rows} rows",
                     (h * len(batches) + b + 1) / (len(explainers) * len(batches)))
        parts.append((np.concatenate(values), base))
    return parts


def _averaged(parts: list[tuple[np.ndarray, np.ndarray]], model_output: np.ndarray, jitter: float = 0.0) -> Explained:
    """Interventional SHAP values are an average over background rows, so the values against the
    union of equal-sized halves are the mean of the values against each half: one pass gives both
    the report's values and the two explanations whose rankings the stability check compares."""
    values = [v for v, _ in parts]
    return Explained(np.mean(values, axis=0), np.mean([b for _, b in parts], axis=0), model_output, values, jitter)


@dataclass
class TabularExplainer:
    """One explainer per background half; ``explain(positions, progress)`` explains evaluation rows."""

    name: str
    reason: str
    estimand: str
    output_space: str
    features: list[str]
    explain: Callable[[np.ndarray, ProgressCallback], Explained]


def output_names(inputs) -> list[str]:
    """The outputs explained: the positive class, each class, or the target."""
    if inputs.task == TABULAR_REGRESSION:
        return [inputs.dataset.target]
    classes = [str(c) for c in inputs.classes] or ["0", "1"]
    return classes[1:] if len(classes) == 2 else classes


def tabular_explainer(inputs, backgrounds: list[np.ndarray]) -> TabularExplainer:
    """The explainer for this model, fitted to equal-sized halves of the background (positions
    in the evaluation rows)."""
    steps = getattr(inputs.model, "named_steps", {})
    if "preprocess" in steps and "model" in steps:
        exact = _sklearn_exact(inputs, steps["preprocess"], steps["model"], backgrounds)
        if isinstance(exact, TabularExplainer):
            return exact
        why_not = exact
    else:
        why_not = f"a {type(inputs.model).__name__} has no structure shap reads exactly"
    return _permutation(inputs, backgrounds, why_not)


def _sklearn_exact(inputs, preprocess, estimator, backgrounds) -> TabularExplainer | str:
    """Tree or Linear SHAP on the preprocessed columns, or the reason neither applies."""
    def transformed(positions: np.ndarray) -> np.ndarray:
        # Only the rows explained are transformed: the sample is a small part of the evaluation rows.
        rows = preprocess.transform(inputs.X.iloc[positions])
        return np.asarray(rows.toarray() if hasattr(rows, "toarray") else rows, dtype="float64")

    probe = np.concatenate(backgrounds)
    probe_rows = transformed(probe)
    margin, space = _margin(inputs, estimator, probe_rows, np.asarray(inputs.y_score)[probe])
    if margin is None:
        return space
    halves = np.split(probe_rows, np.cumsum([len(background) for background in backgrounds])[:-1])
    try:
        explainers = [_tree(estimator, half) for half in halves]
        name, reason = "TreeExplainer", f"{type(estimator).__name__} is a tree ensemble shap reads exactly"
    except InvalidModelError as error:
        if not (hasattr(estimator, "coef_") and hasattr(estimator, "intercept_")):
            return f"shap cannot read this {type(estimator).__name__} exactly ({error})"
        explainers = [shap.LinearExplainer(estimator, _masker(half)) for half in halves]
        name, reason = "LinearExplainer", f"{type(estimator).__name__} is linear in its preprocessed columns"
    owners = source_features(preprocess)
    features = list(dict.fromkeys(owners))

    def one(explainer, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values = np.asarray(explainer.shap_values(rows, **_no_shap_check(explainer)))
        if values.ndim == 2:
            values = values[:, :, None]
        return sum_by_feature(values, owners)[1], np.atleast_1d(np.asarray(explainer.expected_value, "float64"))

    def explain(positions: np.ndarray, progress: ProgressCallback) -> Explained:
        rows = transformed(positions)
        own_output, _ = _margin(inputs, estimator, rows, np.asarray(inputs.y_score)[positions])
        parts = _batched(explainers, len(rows), lambda explainer, _, batch: one(explainer, rows[batch]), progress)
        return _averaged(parts, own_output)

    return TabularExplainer(name, reason, "interventional", space, features, explain)


def _masker(sample: np.ndarray):
    return shap.maskers.Independent(sample, max_samples=len(sample))  # a bare array keeps only 100


def _tree(estimator, sample: np.ndarray):
    """Tree SHAP against ``sample``, rounded the way the model rounds its inputs.

    The fix for the constant additivity offset: scikit-learn trees compare each row with their
    split thresholds in float32, and shap rounds the explained rows to float32 likewise, but it
    walks the background through the trees as given. A background value a hair above a threshold
    then takes the other branch than the model takes for it, the base value no longer matches
    the values, and every explained row is off by the same constant.
    """
    rounded = sample.astype(np.float32).astype("float64")
    explainer = shap.TreeExplainer(estimator, data=_masker(rounded), feature_perturbation="interventional",
                                   model_output="raw")
    if explainer.model.input_dtype != np.float32:  # a model that reads float64 gets the rows unrounded
        explainer = shap.TreeExplainer(estimator, data=_masker(sample), feature_perturbation="interventional",
                                       model_output="raw")
    return explainer


def _no_shap_check(explainer) -> dict[str, Any]:
    # shap's own check raises at 1e-2; this evaluator reports its own, tighter one instead.
    return {"check_additivity": False} if isinstance(explainer, shap.TreeExplainer) else {}


def _margin(inputs, estimator, rows, score) -> tuple[np.ndarray | None, str]:
    """The estimator's own output that SHAP values add up to, checked against what the model
    predicted for those rows (``score``): rows x outputs and its name, or None and why not."""
    if inputs.task == TABULAR_REGRESSION:
        margin = np.asarray(estimator.predict(rows), dtype="float64")
        same = np.allclose(margin, score, rtol=1e-9, atol=1e-9)
        return (margin[:, None], f"{inputs.dataset.target} (the target's units)") if same else (
            None, "its predict() differs from the model's predictions")
    if not hasattr(estimator, "decision_function"):
        return None, f"a {type(estimator).__name__} has no decision_function to explain exactly"
    margin = np.asarray(estimator.decision_function(rows), dtype="float64")
    score = np.asarray(score, dtype="float64")
    if margin.ndim == 1:
        same = np.allclose(expit(margin), score, rtol=0, atol=1e-6)
        return (margin[:, None], "log-odds") if same else (
            None, "its decision_function is not the log-odds of its predicted probability")
    same = np.allclose(softmax(margin, axis=1), score, rtol=0, atol=1e-6)
    return (margin, "margin (softmax input) per class") if same else (
        None, "its decision_function is not the softmax input of its predicted probabilities")


class CodedTable:
    """The model's input table as numbers, for shap's maskers: numbers stay, categories become
    codes, missing values NaN; ``table(codes)`` turns a batch of masked rows back into a frame."""

    def __init__(self, X: pd.DataFrame):
        self.columns = list(X.columns)
        self.dtypes = X.dtypes
        self.categories = {
            column: pd.Index(pd.unique(X[column].dropna()))
            for column in self.columns
            if not pd.api.types.is_numeric_dtype(X[column]) or pd.api.types.is_bool_dtype(X[column])
        }
        self.codes = np.column_stack([self._encode(X[column]) for column in self.columns])

    def _encode(self, values: pd.Series) -> np.ndarray:
        if values.name not in self.categories:
            return values.to_numpy(dtype="float64", na_value=np.nan)
        codes = self.categories[values.name].get_indexer(values).astype("float64")
        codes[codes < 0] = np.nan
        return codes

    def table(self, codes: np.ndarray) -> pd.DataFrame:
        columns = {}
        for i, column in enumerate(self.columns):
            if column in self.categories:
                valid = ~np.isnan(codes[:, i])
                values = np.full(len(codes), None, dtype=object)
                values[valid] = self.categories[column].to_numpy()[codes[valid, i].astype(int)]
                columns[column] = pd.Series(values).astype(self.dtypes[column])
            else:
                columns[column] = pd.Series(codes[:, i]).astype(self.dtypes[column])
        return pd.DataFrame(columns)


def model_output(inputs) -> tuple[Callable[[pd.DataFrame], np.ndarray], str]:
    """The model's output a model-agnostic explainer explains (rows x outputs), and its name."""
    model = inputs.model
    if inputs.task == TABULAR_REGRESSION:
        return (lambda X: np.asarray(model.predict(X), dtype="float64")[:, None],
                f"{inputs.dataset.target} (the target's units)")
    binary = len(output_names(inputs)) == 1

    def log_odds(X: pd.DataFrame) -> np.ndarray:
        probability = np.clip(np.asarray(model.predict_proba(X), dtype="float64"),
                              PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)
        odds = logit(probability)
        return odds[:, 1:] if binary else odds

    return log_odds, "log-odds" if binary else "log-odds of each class (one against the rest)"


def _permutation(inputs, backgrounds: list[np.ndarray], why_not: str) -> TabularExplainer:
    coded = CodedTable(inputs.X)
    output, space = model_output(inputs)
    features = [str(column) for column in coded.columns]
    explainers = [shap.PermutationExplainer(lambda codes: output(coded.table(codes)),
                                            _masker(coded.codes[background]), seed=inputs.seed)
                  for background in backgrounds]
    evaluations = PERMUTATIONS * (2 * len(features) + 1)

    def one(explainer, number: int, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # shap draws permutations from numpy's global generator, seeded once when an explainer is
        # made. Seeding it per batch gives both halves the same permutations of each row, so their
        # mean is exactly the values against the whole background.
        np.random.seed(inputs.seed + number)
        explanation = explainer(coded.codes[positions], max_evals=evaluations,
                                batch_size=max(1, BATCH_ROWS // len(backgrounds[0])), silent=True)
        values = np.asarray(explanation.values, dtype="float64")
        base = np.asarray(explanation.base_values, dtype="float64")
        if values.ndim == 2:
            values, base = values[:, :, None], base.reshape(-1, 1)
        return values, base[0]

    def explain(positions: np.ndarray, progress: ProgressCallback) -> Explained:
        parts = _batched(explainers, len(positions),
                         lambda explainer, number, batch: one(explainer, number, positions[batch]), progress)
        together = output(inputs.X.iloc[positions])
        # A dynamically quantized model scales its activations per batch, so its output for a row
        # depends on the other rows in the call: scored alone, a few rows show by how much.
        alone = np.vstack([output(inputs.X.iloc[[row]]) for row in positions[:JITTER_ROWS]])
        return _averaged(parts, together, float(np.max(np.abs(alone - together[:JITTER_ROWS]), initial=0.0)))

    reason = (f"{why_not}; Permutation calls the model on batches of masked rows "
              f"({evaluations} evaluations per row, {PERMUTATIONS} antithetic permutations)")
    return TabularExplainer("PermutationExplainer", reason, "interventional", space, features, explain)


def require_predictions(inputs) -> None:
    """Refuse, with what to do, a model that offers nothing to explain."""
    needed = "predict" if inputs.task == TABULAR_REGRESSION else "predict_proba"
    if not hasattr(inputs.model, needed):
        raise EvaluationError(
            f"The shap evaluator explains a model through its {needed}(); a {type(inputs.model).__name__} has none.",
            "Train the model with a plugin whose models follow scikit-learn's predict/predict_proba.",
        )
