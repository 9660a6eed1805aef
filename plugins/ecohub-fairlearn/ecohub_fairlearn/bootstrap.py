"""Bootstrap resamples of a count table, drawn as counts rather than rows.

The resample is *stratified by group*: every group of the column (or pair of columns) being
assessed keeps its size and its (true, decision) counts are re-drawn from multinomials with the
group's own shares, which is what resampling that group's rows with replacement gives (up to the
smoothing :func:`resample` describes). So no group ever vanishes from a resample or changes
size, and a 1,000-resample bootstrap over a million rows is a few thousand multinomial draws.
A rate whose denominator happens to be zero in a resample (a group's few positives all drawn
away) is undefined there and left out of that rate's interval, the same condition under which
the point estimate exists; groups that small are flagged as not having enough data and their
rules are inconclusive anyway.
"""

from __future__ import annotations

import warnings

import numpy as np

RESAMPLES = 1000
CONFIDENCE = 0.95
METHOD = (
    "stratified multinomial bootstrap over the count table: each group keeps its size, its "
    "true outcomes are redrawn, then its decisions per true outcome (half a row added to each "
    "decision); percentile intervals"
)


def resample(counts: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``resamples`` redraws of ``counts[group, true, decision]``, shape (resamples, groups, true, decision).

    Within each group, how many rows have each true outcome is drawn from the group's own shares;
    the decisions of those rows are then drawn from the decision shares of that true outcome
    with half a row added to every decision (Jeffreys smoothing). Without it a rate seen as 0% or
    100% (0 of 40 selected) would be redrawn identically every time and get an interval of zero
    width, which would make a verdict look certain; with a few hundred rows the shift is
    negligible. A true outcome a group does not have stays absent, so rates undefined in the data
    stay undefined.
    """
    groups, classes = counts.shape[0], counts.shape[1]
    by_truth = counts.sum(axis=2)
    sizes = by_truth.sum(axis=1)
    truth_shares = by_truth / np.maximum(sizes, 1)[:, None]
    truth_shares[sizes == 0] = 1.0 / classes
    truths = rng.multinomial(sizes.astype(np.int64), truth_shares, size=(resamples, groups))
    decision_shares = (counts + 0.5) / (by_truth + 0.5 * counts.shape[2])[..., None]
    return rng.multinomial(truths, decision_shares)


def normal_draws(mean: np.ndarray, variance: np.ndarray, resamples: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Draws of group means from their sampling distribution (central limit theorem), for the
    regression report whose table holds sums, not counts."""
    spread = np.sqrt(np.clip(variance, 0.0, None))
    return mean + spread * rng.standard_normal((resamples, *np.shape(mean)))


def interval(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The percentile interval over the first axis, ignoring resamples where the value is
    undefined; NaN where it is never defined."""
    tail = (1 - CONFIDENCE) / 2 * 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(samples, [tail, 100 - tail], axis=0)
    return low, high
