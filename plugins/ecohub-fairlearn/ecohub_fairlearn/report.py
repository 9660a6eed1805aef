"""The fairness report built from a count table: groups, intervals, disparities, verdicts, curves.

:func:`fairness_report` is the one place the report's JSON is assembled, whether the table came
from an evaluation (``assess``), from a file read in chunks (``chunks``) or from the benchmark.
Its keys are documented in the package README, which the dashboard and the gates rely on.
"""

from __future__ import annotations

import itertools
from typing import Any, Mapping, Sequence

import numpy as np

from ecohub_fairlearn import bootstrap, curves
from ecohub_fairlearn.groups import Grouper
from ecohub_fairlearn.metrics import (
    BINARY_DISPARITIES,
    BINARY_RATES,
    binary_counts,
    binary_disparities,
    binary_rates,
    low_high_ratio,
    multiclass_rates,
    ratio,
    regression_rates,
    spread,
)
from ecohub_fairlearn.reading import reading
from ecohub_fairlearn.table import BINARY, MULTICLASS, REGRESSION, CountTable
from ecohub_fairlearn.verdicts import BINARY_RULES, FAIL, MULTICLASS_RULES, PASS, verdict

SCHEMA = 2
MIN_OUTCOMES = 30
"""Fewest rows a rate may be a share of before it counts as enough data: a group needs 30
positives and 30 negatives for its error rates (at 30, the 95% interval of a 50% rate is still
about ±18 points)."""


def fairness_report(table: CountTable, groupers: Mapping[str, Grouper], *, seed: int,
                    resamples: int = bootstrap.RESAMPLES, model_inputs: Sequence[str] = (),
                    positive_label: Any = None) -> dict:
    """The report of a count table (see the README's schema). ``model_inputs`` are the sensitive
    columns the model also reads as features."""
    rng = np.random.default_rng(seed)
    builder = {BINARY: _BinaryFeature, MULTICLASS: _MulticlassFeature, REGRESSION: _RegressionFeature}[table.task]
    columns = list(table.columns)
    single = [builder(table, groupers, [c], rng, resamples).entry(c in model_inputs) for c in columns]
    pairs = [
        builder(table, groupers, list(pair), rng, resamples).entry(any(c in model_inputs for c in pair))
        for pair in itertools.combinations(columns, 2)
    ]
    for pair in pairs:
        pair["small_cells"] = [g["group"] for g in pair["groups"] if not g["sufficient"]]
    report = {
        "schema": SCHEMA,
        "task": table.task,
        "positive_label": _json_scalar(positive_label),
        "classes": [_json_scalar(c) for c in table.classes],
        "rows": table.rows,
        "min_group_size": MIN_OUTCOMES,
        "bootstrap": {"resamples": resamples, "seed": seed, "confidence": bootstrap.CONFIDENCE,
                      "method": bootstrap.METHOD if table.task != REGRESSION else _REGRESSION_METHOD},
        "features": single,
        "intersections": pairs,
        "model_inputs": [c for c in columns if c in model_inputs],
        "warnings": _warnings(columns, model_inputs, pairs),
    }
    if table.task == BINARY and table.scores is not None:
        report["thresholds"] = _thresholds(table, groupers)
        report["calibration"] = _calibration(table, groupers)
    return report


_REGRESSION_METHOD = (
    "normal approximation of each group's mean prediction and mean absolute error from the "
    "table's sums; disparities from 'resamples' draws of those"
)


class _Feature:
    """One sensitive column or pair: its groups' counts, point estimates and resampled values."""

    rules: tuple = ()

    def __init__(self, table: CountTable, groupers, columns, rng, resamples):
        self.table, self.columns = table, columns
        self.labels, indicator = table.margin(columns, groupers)
        flat = table.counts.reshape(len(table.cells), -1)
        self.point = (indicator @ flat).reshape(len(self.labels), *table.counts.shape[1:])
        self.overall = flat.sum(axis=0).reshape(table.counts.shape[1:])
        self.binning = groupers[columns[0]].binning if len(columns) == 1 else None
        self.rng, self.resamples = rng, resamples
        if table.task != REGRESSION:  # each group is a stratum of its own resample
            self.draws = bootstrap.resample(self.point, resamples, rng)
            self.overall_draws = bootstrap.resample(self.overall[None], resamples, rng)[:, 0]

    def entry(self, model_input: bool) -> dict:
        entry = {
            "feature": " × ".join(self.columns),
            "columns": list(self.columns),
            "binning": self.binning,
            "model_input": model_input,
            **self.body(),
        }
        entry["reading"] = reading(entry, self.table.task, MIN_OUTCOMES)
        return entry


class _BinaryFeature(_Feature):
    def body(self) -> dict:
        counts, rates = binary_counts(self.point), binary_rates(self.point)
        boot_rates = binary_rates(self.draws)
        boot_disparities = binary_disparities(boot_rates)
        rate_low, rate_high = {}, {}
        for name in BINARY_RATES:
            rate_low[name], rate_high[name] = bootstrap.interval(boot_rates[name])
        groups = [
            {
                "group": label,
                **{name: int(counts[name][g]) for name in counts},
                **{name: _number(rates[name][g]) for name in BINARY_RATES},
                "intervals": {name: _pair(rate_low[name][g], rate_high[name][g]) for name in BINARY_RATES},
                "sufficient": bool(min(counts["positives"][g], counts["negatives"][g]) >= MIN_OUTCOMES),
            }
            for g, label in enumerate(self.labels)
        ]
        overall_counts, overall_rates = binary_counts(self.overall), binary_rates(self.overall)
        overall_boot = binary_rates(self.overall_draws)
        overall = {
            **{name: int(overall_counts[name]) for name in overall_counts},
            **{name: _number(overall_rates[name]) for name in BINARY_RATES},
            "intervals": {name: _pair(*bootstrap.interval(overall_boot[name])) for name in BINARY_RATES},
        }
        disparities = binary_disparities(rates)
        body = {
            "groups": groups,
            "overall": overall,
            **{name: _number(disparities[name]) for name in BINARY_DISPARITIES},
            "intervals": {name: _pair(*bootstrap.interval(boot_disparities[name])) for name in BINARY_DISPARITIES},
        }
        body["verdicts"] = [self._verdict(rule, body, groups) for rule in BINARY_RULES]
        four_fifths = body["verdicts"][0]["verdict"]
        body["four_fifths_passed"] = True if four_fifths == PASS else False if four_fifths == FAIL else None
        return body

    def _verdict(self, rule, body, groups) -> dict:
        short = [g["group"] for g in groups if min(g[d] for d in rule.denominators) < MIN_OUTCOMES]
        low, high = body["intervals"][rule.metric]
        return verdict(rule, body[rule.metric], low, high, short, MIN_OUTCOMES)


class _MulticlassFeature(_Feature):
    def body(self) -> dict:
        classes = [str(_json_scalar(c)) for c in self.table.classes]
        rates, boot = multiclass_rates(self.point), multiclass_rates(self.draws)
        overall, overall_boot = multiclass_rates(self.overall), multiclass_rates(self.overall_draws)
        class_counts = self.point.sum(axis=-1)  # [group, true class]
        intervals = {name: bootstrap.interval(boot[name]) for name in rates}

        def per_class(values, g=None):
            values = values if g is None else values[g]
            return {c: _number(values[i]) for i, c in enumerate(classes)}

        def per_class_interval(name, g):
            low, high = intervals[name]
            return {c: _pair(low[g][i], high[g][i]) for i, c in enumerate(classes)}

        groups = [
            {
                "group": label,
                "count": int(self.point[g].sum()),
                "class_counts": {c: int(class_counts[g, i]) for i, c in enumerate(classes)},
                "accuracy": _number(rates["accuracy"][g]),
                "selection_rate": per_class(rates["selection_rate"], g),
                "recall": per_class(rates["recall"], g),
                "intervals": {
                    "accuracy": _pair(intervals["accuracy"][0][g], intervals["accuracy"][1][g]),
                    "selection_rate": per_class_interval("selection_rate", g),
                    "recall": per_class_interval("recall", g),
                },
                "sufficient": bool(class_counts[g].min() >= MIN_OUTCOMES),
            }
            for g, label in enumerate(self.labels)
        ]
        # Per class, over groups (the group axis moved last), then the worst class.
        def by_class(values):
            return np.moveaxis(values, -2, -1)

        disparities = {
            "selection_rate_difference": spread(by_class(rates["selection_rate"])),
            "selection_rate_ratio": low_high_ratio(by_class(rates["selection_rate"])),
            "recall_difference": spread(by_class(rates["recall"])),
        }
        boot_disparities = {
            "selection_rate_difference": spread(by_class(boot["selection_rate"])),
            "selection_rate_ratio": low_high_ratio(by_class(boot["selection_rate"])),
            "recall_difference": spread(by_class(boot["recall"])),
        }
        worst = {"selection_rate_difference": np.nanmax, "selection_rate_ratio": np.nanmin,
                 "recall_difference": np.nanmax}
        body = {
            "groups": groups,
            "overall": {
                "count": int(self.overall.sum()),
                "accuracy": _number(overall["accuracy"]),
                "selection_rate": per_class(overall["selection_rate"]),
                "recall": per_class(overall["recall"]),
                "intervals": {"accuracy": _pair(*bootstrap.interval(overall_boot["accuracy"]))},
            },
            "by_class": {name: per_class(values) for name, values in disparities.items()},
            "intervals": {},
        }
        for name, values in disparities.items():
            body[name] = _number(_nan_reduce(worst[name], values))
            body["intervals"][name] = _pair(*bootstrap.interval(_nan_reduce(worst[name], boot_disparities[name], axis=-1)))
        body["verdicts"] = []
        for rule in MULTICLASS_RULES:
            if rule.metric == "recall_difference":
                short = [g["group"] for g in groups if min(g["class_counts"].values()) < MIN_OUTCOMES]
            else:
                short = [g["group"] for g in groups if g["count"] < MIN_OUTCOMES]
            body["verdicts"].append(verdict(rule, body[rule.metric], *body["intervals"][rule.metric], short, MIN_OUTCOMES))
        return body


class _RegressionFeature(_Feature):
    def body(self) -> dict:
        m = self.point
        n = m[:, 0]
        rates = regression_rates(m)
        variance = {
            "mean_prediction": ratio(ratio(m[:, 3], n) - rates["mean_prediction"] ** 2, n),
            "mae": ratio(ratio(m[:, 5], n) - rates["mae"] ** 2, n),
        }
        draws = {name: bootstrap.normal_draws(rates[name], variance[name], self.resamples, self.rng)
                 for name in variance}
        groups = [
            {
                "group": label,
                "count": int(n[g]),
                **{name: _number(rates[name][g]) for name in rates},
                "intervals": {name: _pair(*(v[g] for v in bootstrap.interval(draws[name]))) for name in draws},
                "sufficient": bool(n[g] >= MIN_OUTCOMES),
            }
            for g, label in enumerate(self.labels)
        ]
        overall = regression_rates(self.overall)
        worst = _nan_reduce(np.nanmax, rates["mae"])
        body = {
            "groups": groups,
            "overall": {"count": int(self.overall[0]), **{k: _number(v) for k, v in overall.items()}},
            "mean_prediction_difference": _number(spread(rates["mean_prediction"])),
            "mae_difference": _number(spread(rates["mae"])),
            "worst_group_mae": _number(worst),
            "worst_group": None if np.isnan(worst) else self.labels[int(np.nanargmax(rates["mae"]))],
            "mae_ratio": _number(ratio(np.nanmax(rates["mae"]), np.nanmin(rates["mae"]))),
            "intervals": {
                "mean_prediction_difference": _pair(*bootstrap.interval(spread(draws["mean_prediction"]))),
                "mae_difference": _pair(*bootstrap.interval(spread(draws["mae"]))),
                "worst_group_mae": _pair(*bootstrap.interval(_nan_reduce(np.nanmax, draws["mae"], axis=-1))),
            },
            "verdicts": [],
        }
        return body


def _thresholds(table: CountTable, groupers) -> dict:
    features = []
    for column in table.columns:
        labels, indicator = table.margin([column], groupers)
        scores = (indicator @ table.scores.reshape(len(table.cells), -1)).reshape(len(labels), *table.scores.shape[1:])
        features.append({"feature": column, "groups": [
            {"group": label, **curve} for label, curve in zip(labels, curves.threshold_curves(scores))
        ]})
    return {"grid": curves.grid(), "decide": "1 when the score is at least the threshold",
            "features": features}


def _calibration(table: CountTable, groupers) -> dict:
    features = []
    flat_scores = table.scores.reshape(len(table.cells), -1)
    flat_sums = table.score_sums.reshape(len(table.cells), -1)
    for column in table.columns:
        labels, indicator = table.margin([column], groupers)
        shape = (len(labels), *table.scores.shape[1:])
        per_group = curves.calibration((indicator @ flat_scores).reshape(shape), (indicator @ flat_sums).reshape(shape))
        features.append({"feature": column, "groups": [
            {"group": label, **values} for label, values in zip(labels, per_group)
        ]})
    return {"edges": curves.calibration_edges(), "features": features}


def _warnings(columns, model_inputs, pairs) -> list[str]:
    notes = []
    for column in columns:
        if column in model_inputs:
            notes.append(
                f"'{column}' is a sensitive column and also a model input: the model can use it "
                "directly, so decisions may differ by it for identical other features."
            )
    for pair in pairs:
        if pair["small_cells"]:
            notes.append(
                f"{pair['feature']}: {len(pair['small_cells'])} of {len(pair['groups'])} cells have "
                f"fewer than {MIN_OUTCOMES} positives or negatives ({', '.join(pair['small_cells'][:5])}"
                f"{', …' if len(pair['small_cells']) > 5 else ''}); their rates are not reliable."
            )
    return notes


def _nan_reduce(function, values, axis=None):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return function(values, axis=axis) if axis is not None else function(values)


def _number(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


def _pair(low, high) -> list[float | None]:
    return [_number(low), _number(high)]


def _json_scalar(value):
    if isinstance(value, np.generic):
        value = value.item()
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)
