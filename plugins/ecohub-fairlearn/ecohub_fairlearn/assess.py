"""The fairness evaluator: per-group outcomes and errors for each sensitive column, with Fairlearn.

Fairlearn's ``MetricFrame`` and disparity functions are the reference implementations reviewers
know, so the numbers come from them. Two things are added on top: a rate that has no rows to be
computed from (TPR of a group with no positives) is stored as None, where Fairlearn returns 0,
and groups too small to judge are flagged instead of silently trusted.
"""

from __future__ import annotations

import time
from importlib import metadata

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score

from hub.errors import EvaluationError
from hub.specs import EvaluationInput

from ecohub_fairlearn.groups import group
from ecohub_fairlearn.reading import FOUR_FIFTHS, reading

MIN_GROUP_SIZE = 30
"""At 30 rows the 95% interval around a 50% rate is still about ±18 points; below, even wider."""

METRICS = {
    "count": count,
    "selection_rate": selection_rate,
    "accuracy": accuracy_score,
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
}


def assess(inputs: EvaluationInput) -> dict:
    """Assess every sensitive column and return the report described in the package README."""
    started = time.perf_counter()
    if inputs.sensitive.shape[1] == 0:
        declared = ", ".join(inputs.dataset.sensitive_features) or "none declared"
        raise EvaluationError(
            "The fairness evaluator needs at least one sensitive column to compare groups by.",
            f"Choose sensitive columns of dataset '{inputs.dataset.name}' ({declared}).",
        )
    y_true = np.asarray(inputs.y_true).astype(int)
    y_pred = np.asarray(inputs.y_pred).astype(int)
    return {
        "positive_label": _json_scalar(inputs.dataset.positive_label),
        "min_group_size": MIN_GROUP_SIZE,
        "features": [
            _assess_feature(inputs.sensitive[name], y_true, y_pred)
            for name in inputs.sensitive.columns
        ],
        "library_versions": {lib: metadata.version(lib) for lib in ("fairlearn", "scikit-learn")},
        "runtime_seconds": round(time.perf_counter() - started, 3),
    }


def _assess_feature(column: pd.Series, y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    grouping = group(column)
    labels = grouping.labels
    frame = MetricFrame(metrics=METRICS, y_true=y_true, y_pred=y_pred, sensitive_features=labels)
    by_group = frame.by_group.reindex(grouping.order)
    groups = [
        {
            "group": name,
            **_rates(by_group.loc[name], y_true[(labels == name).to_numpy()]),
            "sufficient": bool(by_group.loc[name, "count"] >= MIN_GROUP_SIZE),
        }
        for name in grouping.order
    ]
    ratio = _number(demographic_parity_ratio(y_true, y_pred, sensitive_features=labels))
    feature = {
        "feature": str(column.name),
        "binning": grouping.binning,
        "groups": groups,
        "overall": _rates(frame.overall, y_true),
        "demographic_parity_difference": _number(
            demographic_parity_difference(y_true, y_pred, sensitive_features=labels)
        ),
        "demographic_parity_ratio": ratio,
        "equalized_odds_difference": _equalized_odds(y_true, y_pred, labels, groups),
        "four_fifths_passed": None if ratio is None else ratio >= FOUR_FIFTHS,
    }
    feature["reading"] = reading(feature, MIN_GROUP_SIZE)
    return feature


def _rates(metrics: pd.Series, y_true: np.ndarray) -> dict:
    positives = int(y_true.sum())
    return {
        "count": int(metrics["count"]),
        "selection_rate": _number(metrics["selection_rate"]),
        "accuracy": _number(metrics["accuracy"]),
        "tpr": _number(metrics["tpr"]) if positives else None,
        "fpr": _number(metrics["fpr"]) if positives < len(y_true) else None,
    }


def _equalized_odds(y_true, y_pred, labels: pd.Series, groups: list[dict]) -> float | None:
    # A group without positives (or negatives) has no TPR (or FPR); Fairlearn would count it as 0
    # and report a spurious gap, so such groups are left out (the reading names them).
    defined = [g["group"] for g in groups if g["tpr"] is not None and g["fpr"] is not None]
    if len(defined) < 2:
        return None
    keep = labels.isin(defined).to_numpy()
    return _number(
        equalized_odds_difference(y_true[keep], y_pred[keep], sensitive_features=labels[keep])
    )


def _number(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


def _json_scalar(value):
    if isinstance(value, np.generic):
        value = value.item()
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)
