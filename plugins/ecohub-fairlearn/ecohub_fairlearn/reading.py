"""One paragraph per sensitive column (or pair) that says, in words, what its numbers mean.

Written from the stored figures so the sentence and the table can never disagree. It names the
groups behind each extreme, because "a gap of 0.13" is only actionable once a reviewer knows who
is on which side of it, gives the interval, repeats each rule's verdict, and says which groups
have too few positives or negatives to trust.
"""

from __future__ import annotations


def reading(feature: dict, task: str, minimum: int) -> str:
    groups = feature["groups"]
    if len(groups) < 2:
        return f"Only one group ({groups[0]['group']}) is present, so there is nothing to compare."
    if task == "regression":
        sentences = [_regression(feature)]
    elif task == "multiclass":
        sentences = [_multiclass(feature)]
    else:
        sentences = [_selection(feature), _error_rates(feature)]
    sentences += [v["reading"] for v in feature.get("verdicts", [])]
    small = [g for g in groups if not g["sufficient"]]
    if small:
        what = "rows" if task == "regression" else (
            "rows of some class" if task == "multiclass" else "positives or negatives")
        names = ", ".join(f"{g['group']} ({_outcomes(g, task)})" for g in small)
        sentences.append(
            f"Not enough data (fewer than {minimum} {what}): {names}; treat their rates and any "
            "gap involving them as unreliable."
        )
    return " ".join(sentences)


def _outcomes(group: dict, task: str) -> str:
    if task == "binary":
        return f"{group['positives']} positive, {group['negatives']} negative"
    return f"n={group['count']}"


def _interval(feature: dict, name: str) -> str:
    words = _interval_words(feature, name)
    return f" ({words})" if words else ""


def _interval_words(feature: dict, name: str) -> str:
    low, high = feature["intervals"][name]
    return "" if low is None else f"95% interval {low:.2f} to {high:.2f}"


def _selection(feature: dict) -> str:
    groups = [g for g in feature["groups"] if g["selection_rate"] is not None]
    low = min(groups, key=lambda g: g["selection_rate"])
    high = max(groups, key=lambda g: g["selection_rate"])
    text = (
        f"Selection rate ranges from {low['selection_rate']:.0%} ({low['group']}) "
        f"to {high['selection_rate']:.0%} ({high['group']})"
    )
    ratio = feature["demographic_parity_ratio"]
    if ratio is None:
        return text + "; no group is selected at all, so the ratio between groups is undefined."
    return (
        text + f"; the lowest-rate group ({low['group']}) is selected at {ratio:.2f}× the highest"
        f"{_interval(feature, 'demographic_parity_ratio')}."
    )


def _error_rates(feature: dict) -> str:
    difference = feature["equalized_odds_difference"]
    if difference is None:
        return (
            "Fewer than two groups have both positive and negative rows, so their error rates "
            "cannot be compared."
        )
    groups = feature["groups"]
    defined = [g for g in groups if g["tpr"] is not None and g["fpr"] is not None]
    rate = max(("tpr", "fpr"), key=lambda r: _spread(defined, r))
    # The worse side of a gap is the lower true-positive rate or the higher false-positive rate.
    ranked = sorted(defined, key=lambda g: g[rate], reverse=rate == "fpr")
    worse, better = ranked[0], ranked[-1]
    where = (
        f"{'true' if rate == 'tpr' else 'false'}-positive rate, "
        f"{'lowest' if rate == 'tpr' else 'highest'} for {worse['group']} "
        f"({worse[rate]:.0%} vs {better[rate]:.0%} for {better['group']})"
    )
    undefined = [g["group"] for g in groups if g not in defined]
    words = _interval_words(feature, "equalized_odds_difference")
    left_out = (
        f" Left out of it: {', '.join(undefined)}, which lack positive or negative rows."
        if undefined else ""
    )
    return (
        f"The largest gap in true- or false-positive rate between groups is {difference:.2f} "
        f"(equalized odds difference{', ' + words if words else ''}), "
        f"widest in the {where}." + left_out
    )


def _multiclass(feature: dict) -> str:
    by_class = feature["by_class"]["selection_rate_ratio"]
    defined = {c: v for c, v in by_class.items() if v is not None}
    if not defined:
        return "No class is predicted for two groups, so rates cannot be compared."
    worst = min(defined, key=defined.get)
    recall = {c: v for c, v in feature["by_class"]["recall_difference"].items() if v is not None}
    text = (
        f"The class whose prediction rate differs most between groups is {worst}: the "
        f"lowest-rate group is predicted it at {defined[worst]:.2f}× the rate of the highest"
        f"{_interval(feature, 'selection_rate_ratio')}."
    )
    if recall:
        gap = max(recall, key=recall.get)
        text += (
            f" The largest recall gap between groups is {recall[gap]:.2f}, for class {gap}"
            f"{_interval(feature, 'recall_difference')}."
        )
    return text


def _regression(feature: dict) -> str:
    groups = [g for g in feature["groups"] if g["mae"] is not None]
    best = min(groups, key=lambda g: g["mae"])
    return (
        f"The mean absolute error is largest for {feature['worst_group']} "
        f"({feature['worst_group_mae']:.4g}{_interval(feature, 'worst_group_mae')}) and smallest for "
        f"{best['group']} ({best['mae']:.4g}); mean predictions differ between groups by up to "
        f"{feature['mean_prediction_difference']:.4g}{_interval(feature, 'mean_prediction_difference')}."
    )


def _spread(groups: list[dict], rate: str) -> float:
    return max(g[rate] for g in groups) - min(g[rate] for g in groups)
