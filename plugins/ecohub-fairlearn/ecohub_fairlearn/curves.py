"""Threshold curves and calibration by group, from the count table's score bins.

The dashboard's threshold explorer moves the decision threshold and shows each group's selection
rate, TPR and FPR; with scores binned at 0.01 steps these are cumulative sums from the top bin,
exact at every grid threshold. Calibration puts the same bins into tenths: per group, the mean
score against the share that is truly positive.
"""

from __future__ import annotations

import numpy as np

from ecohub_fairlearn.metrics import ratio
from ecohub_fairlearn.table import SCORE_GRID, SCORE_STEPS

CALIBRATION_BINS = 10
DIGITS = 6


def threshold_curves(scores: np.ndarray) -> list[dict]:
    """Per group (first axis of ``scores[group, true, bin]``): the rates at each grid threshold,
    deciding 1 when the score is at least the threshold."""
    at_or_above = np.cumsum(scores[..., ::-1], axis=-1)[..., ::-1]  # [group, true, threshold]
    positives, negatives = at_or_above[:, 1, 0], at_or_above[:, 0, 0]
    selected = at_or_above.sum(axis=1)
    curves = []
    for g in range(scores.shape[0]):
        curves.append({
            "selection_rate": _rounded(ratio(selected[g], positives[g] + negatives[g])),
            "tpr": _rounded(ratio(at_or_above[g, 1], positives[g])),
            "fpr": _rounded(ratio(at_or_above[g, 0], negatives[g])),
        })
    return curves


def calibration(scores: np.ndarray, score_sums: np.ndarray) -> list[dict]:
    """Per group: rows, mean score and observed positive share in each tenth of the score range."""
    tenth = np.minimum(np.arange(SCORE_STEPS + 1) * CALIBRATION_BINS // SCORE_STEPS, CALIBRATION_BINS - 1)
    counts = np.zeros((*scores.shape[:2], CALIBRATION_BINS))
    sums = np.zeros_like(counts)
    np.add.at(counts, (slice(None), slice(None), tenth), scores)
    np.add.at(sums, (slice(None), slice(None), tenth), score_sums)
    rows = counts.sum(axis=1)
    return [
        {
            "count": [int(v) for v in rows[g]],
            "mean_score": _rounded(ratio(sums[g].sum(axis=0), rows[g])),
            "observed_rate": _rounded(ratio(counts[g, 1], rows[g])),
        }
        for g in range(scores.shape[0])
    ]


def grid() -> list[float]:
    return [round(float(t), 2) for t in SCORE_GRID]


def calibration_edges() -> list[float]:
    return [round(i / CALIBRATION_BINS, 2) for i in range(CALIBRATION_BINS + 1)]


def _rounded(values: np.ndarray) -> list[float | None]:
    return [None if np.isnan(v) else round(float(v), DIGITS) for v in values]
