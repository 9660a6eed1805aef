"""Comparing two versions on the same rows: metric and disparity deltas with intervals, churn by group.

Both versions score the rows of A's declared evaluation (the held-out split of its training data),
so every difference is paired: the rows are tallied once into a table of group × truth ×
A's decision × B's decision, every number is a sum over its cells, and the intervals come from
resampling that table (seeded; a multinomial draw of the cell counts is a row bootstrap). A group
missing from a resample leaves its numbers out of that resample instead of biasing them. Prediction
churn, the share of rows whose decision flips between A and B, is shown per group, because a new
version can keep its accuracy while moving decisions for one group only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from hub.errors import EvaluationError
from hub.jobs.canonical import declared, row_hashes, training_rows
from hub.jobs.data import load_labelled
from hub.jobs.evaluation import evaluation_rows
from hub.jobs.loading import loaded_version, predict, task_of
from hub.plugins.manager import Plugins
from hub.registry import Registry, VersionRecord

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

RESAMPLES = 1000
CONFIDENCE = 0.95
RATES = ("selection_rate", "accuracy", "tpr", "fpr")
DISPARITIES = ("demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference")


@dataclass(frozen=True)
class Comparison:
    a: VersionRecord
    b: VersionRecord
    body: dict[str, Any]


def group_labels(column: "pd.Series", edges: Sequence[float] | None,
                 names: Mapping[Any, str] | None) -> tuple["pd.Series", list[str]]:
    """One label per row, and the labels in reading order: the declared bin (``under 25``, ``25 to
    under 60``, ``60 and over``), the declared name of a coded value, or the value itself;
    ``missing`` where there is none."""
    import numpy as np
    import pandas as pd

    if edges:
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64")
        labels = [f"under {edges[0]:g}"] + [f"{low:g} to under {high:g}" for low, high in zip(edges, edges[1:])] + [
            f"{edges[-1]:g} and over"]
        index = np.searchsorted(np.asarray(edges, dtype="float64"), values, side="right")
        found = np.asarray(labels, dtype=object)[np.minimum(index, len(labels) - 1)]
        per_row = pd.Series(np.where(np.isnan(values), "missing", found), index=column.index)
        return per_row, [label for label in [*labels, "missing"] if label in set(per_row)]
    names = {str(key): value for key, value in (names or {}).items()}
    per_row = column.map(lambda value: "missing" if pd.isna(value) else names.get(str(value), str(value)))
    return per_row, sorted(per_row.unique(), key=str)


def _cells(groups: "np.ndarray", y: "np.ndarray", a: "np.ndarray", b: "np.ndarray", n_groups: int) -> "np.ndarray":
    """Counts of group × truth × A's decision × B's decision."""
    import numpy as np

    code = ((groups * 2 + y) * 2 + a) * 2 + b
    return np.bincount(code, minlength=n_groups * 8).reshape(n_groups, 2, 2, 2).astype("float64")


def _rates(table: "np.ndarray", model: int) -> dict[str, "np.ndarray"]:
    """Per-group rates of model 0 (A) or 1 (B) from tables shaped [..., group, y, a, b]; NaN where undefined."""
    import numpy as np

    decided = table.sum(axis=-1 if model == 0 else -2)  # [..., group, y, decision]
    n = decided.sum(axis=(-1, -2))
    positives, negatives = decided[..., 1, :].sum(axis=-1), decided[..., 0, :].sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "count": n,
            "selection_rate": decided[..., :, 1].sum(axis=-1) / n,
            "accuracy": (decided[..., 0, 0] + decided[..., 1, 1]) / n,
            "tpr": decided[..., 1, 1] / positives,
            "fpr": decided[..., 0, 1] / negatives,
        }


def _churn(table: "np.ndarray") -> "np.ndarray":
    import numpy as np

    flipped = table[..., :, 0, 1].sum(axis=-1) + table[..., :, 1, 0].sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return flipped / table.sum(axis=(-1, -2, -3))


def _disparities(rates: Mapping[str, "np.ndarray"]) -> dict[str, "np.ndarray"]:
    import numpy as np

    def spread(values):
        with np.errstate(invalid="ignore"):
            return np.nanmax(values, axis=-1) - np.nanmin(values, axis=-1)

    import warnings

    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: a resample without two groups
        selection = rates["selection_rate"]
        return {
            "demographic_parity_difference": spread(selection),
            "demographic_parity_ratio": np.nanmin(selection, axis=-1) / np.nanmax(selection, axis=-1),
            "equalized_odds_difference": np.fmax(spread(rates["tpr"]), spread(rates["fpr"])),
        }


def _interval(draws: "np.ndarray") -> list[float | None]:
    import numpy as np

    finite = draws[np.isfinite(draws)]
    if len(finite) < len(draws) / 2:
        return [None, None]
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return [float(low), float(high)]


def _number(value) -> float | None:
    import math

    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def _delta(a_point, b_point, a_draws, b_draws) -> dict[str, Any]:
    return {"a": _number(a_point), "b": _number(b_point), "delta": _number(b_point - a_point),
            "interval": _interval(b_draws - a_draws)}


def compare_tables(labels: "pd.Series", order: Sequence[str], y: "np.ndarray", a: "np.ndarray", b: "np.ndarray",
                   *, seed: int, resamples: int = RESAMPLES) -> dict[str, Any]:
    """Per-group and overall deltas (B − A) of one sensitive column, with paired bootstrap intervals."""
    import numpy as np

    codes = labels.map({label: index for index, label in enumerate(order)}).to_numpy()
    table = _cells(codes, y, a, b, len(order))
    flat = table.reshape(-1)
    draws = np.random.default_rng(seed).multinomial(int(flat.sum()), flat / flat.sum(), size=resamples)
    draws = draws.reshape(resamples, *table.shape).astype("float64")
    point, boot = (_rates(table, 0), _rates(table, 1)), (_rates(draws, 0), _rates(draws, 1))
    overall_point = (_rates(table.sum(axis=0, keepdims=True), 0), _rates(table.sum(axis=0, keepdims=True), 1))
    overall_boot = (_rates(draws.sum(axis=1, keepdims=True), 0), _rates(draws.sum(axis=1, keepdims=True), 1))
    churn_point, churn_boot = _churn(table), _churn(draws)
    groups = []
    for g, label in enumerate(order):
        groups.append({
            "group": str(label), "count": int(point[0]["count"][g]),
            "churn": {"value": _number(churn_point[g]), "interval": _interval(churn_boot[:, g])},
            **{rate: _delta(point[0][rate][g], point[1][rate][g], boot[0][rate][:, g], boot[1][rate][:, g])
               for rate in RATES},
        })
    disparity_point = (_disparities(point[0]), _disparities(point[1]))
    disparity_boot = (_disparities(boot[0]), _disparities(boot[1]))
    all_churn = _churn(table.sum(axis=0))
    return {
        "groups": groups,
        "overall": {
            "churn": {"value": _number(all_churn), "interval": _interval(_churn(draws.sum(axis=1)))},
            **{rate: _delta(overall_point[0][rate][0], overall_point[1][rate][0], overall_boot[0][rate][:, 0],
                            overall_boot[1][rate][:, 0]) for rate in RATES},
        },
        "disparities": {name: _delta(disparity_point[0][name], disparity_point[1][name], disparity_boot[0][name],
                                     disparity_boot[1][name]) for name in DISPARITIES},
    }


def _trained_on_rows(plugins: Plugins, record: VersionRecord, X: "pd.DataFrame") -> int:
    """How many of the compared rows ``record`` was trained on (a version with another split may have been)."""
    import numpy as np

    table = load_labelled(plugins.get("datasets", record.config["dataset"]).spec)
    trained = row_hashes(training_rows(record, table).columns(record.config["features"], "a model feature"))
    return int(np.isin(row_hashes(X), trained).sum())


def compare(plugins: Plugins, registry: Registry, a_ref: str, b_ref: str, *, seed: int = 0,
            resamples: int = RESAMPLES) -> Comparison:
    """Score A and B on A's declared evaluation rows and compare them group by group."""
    a, b = registry.resolve(a_ref), registry.resolve(b_ref)
    task, classes = task_of(a)
    if task_of(b) != (task, classes) or len(classes) != 2:
        raise EvaluationError(f"{a.ref} and {b.ref} are not binary classifiers of the same classes.",
                              "hub compare judges decisions of binary classifiers side by side.")
    spec = plugins.get("datasets", a.config["dataset"]).spec
    declaration = declared(a, spec)
    if not declaration.sensitive:
        raise EvaluationError(f"'{spec.name}' declares no sensitive column, so there are no groups to compare.",
                              "Declare sensitive_features in the dataset's plugin.")
    rows = evaluation_rows(plugins, a.config, sensitive=list(declaration.sensitive))
    missing = [feature for feature in b.config.get("features", []) if feature not in rows.table.frame.columns]
    if missing:
        raise EvaluationError(f"{b.ref} reads columns that {spec.name} lacks: {', '.join(missing)}.")
    decisions = []
    for record in (a, b):
        with loaded_version(plugins, registry, record) as loaded:
            X = rows.table.columns(record.config["features"], "a model feature")
            decisions.append(predict(loaded.model, X, task, classes).y_pred.astype("int64"))
    b_trained = _trained_on_rows(plugins, b, rows.table.columns(b.config["features"], "a model feature"))
    y = rows.table.y.astype("int64")
    columns = {}
    for column in declaration.sensitive:
        labels, order = group_labels(rows.sensitive_frame[column], declaration.bins.get(column),
                                     spec.group_labels.get(column))
        columns[column] = compare_tables(labels.reset_index(drop=True), order, y, decisions[0], decisions[1],
                                         seed=seed, resamples=resamples)
    metrics = {key: {"a": a.metrics.get("test", {}).get(key), "b": value,
                     "delta": value - a.metrics["test"][key] if key in a.metrics.get("test", {}) else None}
               for key, value in sorted(b.metrics.get("test", {}).items())}
    body = {
        "a": a.ref, "b": b.ref,
        "rows": {"dataset": rows.dataset, "count": int(len(y)), "sha256": rows.table.fingerprint(),
                 "scope": f"the declared evaluation of {a.ref}: {rows.scope}",
                 "b_trained_on": b_trained},
        "bootstrap": {"resamples": resamples, "seed": seed, "confidence": CONFIDENCE,
                      "method": "multinomial resampling of the group × truth × A × B count table (paired)"},
        "recorded_test_metrics": metrics,
        "columns": columns,
    }
    if b_trained:
        body["warning"] = (f"{b.ref} was trained on {b_trained} of these {len(y)} rows, so its numbers here are "
                           "optimistic; compare versions trained with the same split.")
    return Comparison(a, b, body)
