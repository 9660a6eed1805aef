"""The metrics of each task, computed with numpy alone.

The core records metrics for every trained version without importing scikit-learn, so every
trainer, of any framework, reports the same facts computed the same way.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from hub.specs import TABULAR_REGRESSION

EPSILON = 1e-15


def roc_auc(y_true: np.ndarray, y_score: np.ndarray) -> float | None:
    """Area under the ROC curve via the Mann-Whitney rank statistic, with tied scores averaged."""
    positives = int(y_true.sum())
    negatives = len(y_true) - positives
    if positives == 0 or negatives == 0:
        return None
    _, inverse, counts = np.unique(y_score, return_inverse=True, return_counts=True)
    first_rank = np.cumsum(counts) - counts + 1
    ranks = (first_rank + (counts - 1) / 2.0)[inverse]
    return float((ranks[y_true == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def binary_metrics(y_true: np.ndarray, y_score: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy, precision, recall, F1, ROC AUC and log loss at the given decision threshold."""
    y_true = np.asarray(y_true).astype(int)
    y_score = np.asarray(y_score, dtype=float)
    y_pred = (y_score >= threshold).astype(int)
    tp = int(((y_pred == 1) & (y_true == 1)).sum())
    fp = int(((y_pred == 1) & (y_true == 0)).sum())
    fn = int(((y_pred == 0) & (y_true == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    clipped = np.clip(y_score, EPSILON, 1 - EPSILON)
    metrics = {
        "accuracy": float((y_pred == y_true).mean()),
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "log_loss": float(-np.mean(y_true * np.log(clipped) + (1 - y_true) * np.log(1 - clipped))),
    }
    auc = roc_auc(y_true, y_score)
    if auc is not None:
        metrics["roc_auc"] = auc
    return metrics


def multiclass_metrics(y_true: np.ndarray, proba: np.ndarray, classes: Sequence[Any]) -> dict[str, float]:
    """Accuracy, macro and weighted F1, log loss, and each class's precision and recall.

    ``y_true`` holds indices into ``classes``; ``proba`` has one column per class and the
    prediction is its argmax. Per-class values are keyed ``precision[label]`` and ``recall[label]``;
    a class never predicted has precision 0, as scikit-learn's ``zero_division=0`` gives.
    """
    y_true = np.asarray(y_true).astype(int)
    proba = np.asarray(proba, dtype=float)
    y_pred = proba.argmax(axis=1)
    metrics: dict[str, float] = {"accuracy": float((y_pred == y_true).mean())}
    f1s, support = [], []
    per_class = {}
    for index, label in enumerate(classes):
        tp = int(((y_pred == index) & (y_true == index)).sum())
        predicted, actual = int((y_pred == index).sum()), int((y_true == index).sum())
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
        support.append(actual)
        per_class[f"precision[{label}]"] = precision
        per_class[f"recall[{label}]"] = recall
    metrics["f1_macro"] = float(np.mean(f1s))
    metrics["f1_weighted"] = float(np.average(f1s, weights=support)) if sum(support) else 0.0
    # As scikit-learn does: each row's probabilities renormalised to sum to one, then clipped.
    normalised = proba / proba.sum(axis=1, keepdims=True)
    picked = np.clip(normalised[np.arange(len(y_true)), y_true], EPSILON, 1 - EPSILON)
    metrics["log_loss"] = float(-np.mean(np.log(picked)))
    return {**metrics, **per_class}


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Mean absolute error, root mean squared error and R² (1 minus residual over total variance)."""
    y_true = np.asarray(y_true, dtype=float)
    errors = np.asarray(y_pred, dtype=float) - y_true
    total = float(((y_true - y_true.mean()) ** 2).sum())
    metrics = {"mae": float(np.abs(errors).mean()), "rmse": float(np.sqrt((errors ** 2).mean()))}
    if total > 0:
        metrics["r2"] = 1.0 - float((errors ** 2).sum()) / total
    return metrics


def task_metrics(task: str, classes: Sequence[Any], y_true: np.ndarray, y_score: np.ndarray) -> dict[str, float]:
    """The metrics of ``task``, from scores shaped as :class:`hub.specs.EvaluationInput` holds them:
    the probability of class 1 (binary), one probability column per class (multi-class), or the
    predictions (regression)."""
    if task == TABULAR_REGRESSION:
        return regression_metrics(y_true, y_score)
    if len(classes) == 2:
        return binary_metrics(y_true, y_score)
    return multiclass_metrics(y_true, y_score, classes)


HEADLINE_METRICS = {"binary": ("accuracy", "roc_auc", "f1"), "multiclass": ("accuracy", "f1_macro"),
                    "regression": ("mae", "rmse", "r2")}


def headline(task: str, classes: Sequence[Any]) -> tuple[str, ...]:
    """The few metrics a listing shows for a version of this task."""
    if task == TABULAR_REGRESSION:
        return HEADLINE_METRICS["regression"]
    return HEADLINE_METRICS["multiclass" if len(classes) > 2 else "binary"]
