"""Rates and disparities as sums over count-table cells, vectorised over resamples and groups.

Every function takes counts with any leading axes (resamples, groups) and returns NaN where a rate
has nothing to be computed from (the TPR of a group with no positives): Fairlearn returns 0 there,
which would show a spurious gap. Disparities skip undefined groups for the same reason.
The definitions follow Fairlearn's (``MetricFrame`` with ``selection_rate``, ``true_positive_rate``
…; ``demographic_parity_*``, ``equalized_odds_difference``, ``equal_opportunity_difference`` with
their defaults: between groups, worst case), and the tests hold them equal to Fairlearn's output.
"""

from __future__ import annotations

import warnings

import numpy as np

BINARY_RATES = ("selection_rate", "accuracy", "tpr", "fpr", "fnr", "precision")
BINARY_DISPARITIES = (
    "demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference",
    "equal_opportunity_difference",
)


def ratio(numerator, denominator):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)


def binary_counts(c: np.ndarray) -> dict[str, np.ndarray]:
    """Counts of ``c[..., true, decision]``: rows, positives, negatives, selected."""
    return {
        "count": c.sum(axis=(-1, -2)),
        "positives": c[..., 1, :].sum(axis=-1),
        "negatives": c[..., 0, :].sum(axis=-1),
        "selected": c[..., :, 1].sum(axis=-1),
    }


def binary_rates(c: np.ndarray) -> dict[str, np.ndarray]:
    n = binary_counts(c)
    tp, fp, fn, tn = c[..., 1, 1], c[..., 0, 1], c[..., 1, 0], c[..., 0, 0]
    return {
        "selection_rate": ratio(n["selected"], n["count"]),
        "accuracy": ratio(tp + tn, n["count"]),
        "tpr": ratio(tp, n["positives"]),
        "fpr": ratio(fp, n["negatives"]),
        "fnr": ratio(fn, n["positives"]),
        "precision": ratio(tp, n["selected"]),
    }


def spread(values: np.ndarray) -> np.ndarray:
    """Largest minus smallest over the last (group) axis, ignoring undefined groups; NaN when
    fewer than two groups are defined."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        defined = (~np.isnan(values)).sum(axis=-1)
        return np.where(defined >= 2, np.nanmax(values, axis=-1) - np.nanmin(values, axis=-1), np.nan)


def low_high_ratio(values: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        defined = (~np.isnan(values)).sum(axis=-1)
        return np.where(defined >= 2, ratio(np.nanmin(values, axis=-1), np.nanmax(values, axis=-1)), np.nan)


def binary_disparities(rates: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Disparities over the last (group) axis of each rate.

    Equalized odds takes the groups whose TPR and FPR are both defined, as Fairlearn can only
    compare those.
    """
    both = ~np.isnan(rates["tpr"]) & ~np.isnan(rates["fpr"])
    tpr, fpr = np.where(both, rates["tpr"], np.nan), np.where(both, rates["fpr"], np.nan)
    return {
        "demographic_parity_difference": spread(rates["selection_rate"]),
        "demographic_parity_ratio": low_high_ratio(rates["selection_rate"]),
        "equalized_odds_difference": np.fmax(spread(tpr), spread(fpr)),
        "equal_opportunity_difference": spread(rates["tpr"]),
    }


def multiclass_rates(c: np.ndarray) -> dict[str, np.ndarray]:
    """Per-class selection rate (share predicted as the class) and recall, class on the last
    axis; accuracy over all classes."""
    count = c.sum(axis=(-1, -2))
    diagonal = np.diagonal(c, axis1=-2, axis2=-1)
    return {
        "accuracy": ratio(diagonal.sum(axis=-1), count),
        "selection_rate": ratio(c.sum(axis=-2), count[..., None]),
        "recall": ratio(diagonal, c.sum(axis=-1)),
    }


def regression_rates(m: np.ndarray) -> dict[str, np.ndarray]:
    """Means from the moment sums ``m[..., moment]`` (see ``table.MOMENTS``)."""
    n = m[..., 0]
    return {
        "mean_true": ratio(m[..., 1], n),
        "mean_prediction": ratio(m[..., 2], n),
        "mae": ratio(m[..., 4], n),
        "rmse": np.sqrt(ratio(m[..., 5], n)),
    }
