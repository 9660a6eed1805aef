"""Which evaluation rows are explained: a seeded, stratified sample for global importance, and
named cases (extremes, borderline decisions, confident errors, one per group, the user's own).

Explaining every row costs time linear in the rows and tells a reviewer little more than a
sample does; the rows a reviewer reads one by one are picked for a stated reason instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hub.errors import EvaluationError
from hub.specs import TABULAR_REGRESSION

SMALLEST_STRATUM = 20
"""Each stratum (label × group) gets at least this many rows, or all it has, as far as the
requested size allows: small groups are oversampled so their explanations rest on more than a
handful of rows."""
MAX_GROUPS = 12
REGRESSION_BINS = 5


def strata(inputs) -> np.ndarray:
    """A stratum code per evaluation row: the label (regression: its quintile) × the sensitive groups."""
    label = np.asarray(inputs.y_true)
    if inputs.task == TABULAR_REGRESSION:
        label = pd.qcut(pd.Series(label, dtype="float64"), REGRESSION_BINS, labels=False, duplicates="drop").to_numpy()
    keys = pd.DataFrame({"label": label}).join(inputs.sensitive.reset_index(drop=True).astype(str))
    return keys.groupby(list(keys.columns), sort=True, dropna=False).ngroup().to_numpy()


def stratified_sample(codes: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Sorted positions of about ``size`` rows: proportional per stratum, at least
    :data:`SMALLEST_STRATUM` from each (fewer when ``size`` is small; never more than it has);
    every row when ``size`` covers them."""
    if size >= len(codes):
        return np.arange(len(codes))
    rng = np.random.default_rng(seed)
    counts = np.bincount(codes)
    floor = min(SMALLEST_STRATUM, max(1, size // len(counts)))
    quota = np.minimum(counts, np.maximum(np.round(counts * size / len(codes)).astype(int), floor))
    chosen = [rng.choice(np.flatnonzero(codes == code), size=int(n), replace=False)
              for code, n in enumerate(quota) if n]
    return np.sort(np.concatenate(chosen))


def requested_rows(inputs) -> list[int]:
    """The rows the user asked for (``options["rows"]``), checked against the evaluation rows."""
    rows = [int(row) for row in inputs.options.get("rows", ())]
    outside = [row for row in rows if not 0 <= row < len(inputs.y_true)]
    if outside:
        raise EvaluationError(
            f"Row {outside[0]} is not an evaluation row: there are {len(inputs.y_true)}, numbered 0 to "
            f"{len(inputs.y_true) - 1}.",
            "Pick a row in that range ('hub explain MODEL --row N').",
        )
    return rows


def cases(inputs, output: np.ndarray, boundary: float, seed: int) -> dict[int, str]:
    """Rows a reviewer should read one by one, each with why it was picked.

    ``output`` is the explained output of each row (the positive class's log-odds, the predicted
    class's score, or the prediction) and ``boundary`` where a decision flips (0 log-odds) or, for
    regression, the median prediction. The seed breaks ties.
    """
    order = np.random.default_rng(seed).permutation(len(output))
    ranked = order[np.argsort(output[order], kind="stable")]
    closest = order[np.argsort(np.abs(output[order] - boundary), kind="stable")]
    picked: dict[int, str] = {}
    for row in requested_rows(inputs):
        picked.setdefault(row, "requested")
    picked.setdefault(int(ranked[-1]), "most positive")
    picked.setdefault(int(ranked[0]), "most negative")
    for row in closest[:3]:
        picked.setdefault(int(row), "borderline" if inputs.task != TABULAR_REGRESSION else "typical prediction")
    if inputs.task != TABULAR_REGRESSION:
        wrong = np.asarray(inputs.y_pred) != np.asarray(inputs.y_true)
        errors = [row for row in ranked if wrong[row]]
        if errors:
            picked.setdefault(int(errors[-1]), "most confident error (highest output)")
            picked.setdefault(int(errors[0]), "most confident error (lowest output)")
    for column in list(inputs.sensitive.columns)[:2]:
        values = inputs.sensitive[column].astype(str).to_numpy()
        for group in pd.unique(values)[:MAX_GROUPS]:
            members = order[values[order] == group]
            typical = members[np.argmin(np.abs(output[members] - np.median(output[members])))]
            picked.setdefault(int(typical), f"typical row of {column} = {group}")
    return picked
