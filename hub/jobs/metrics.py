"""Binary-classification metrics computed with numpy alone.

The core records metrics for every trained version without importing scikit-learn, which keeps
the registry usable by models of any framework.
"""

from __future__ import annotations

import numpy as np

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
