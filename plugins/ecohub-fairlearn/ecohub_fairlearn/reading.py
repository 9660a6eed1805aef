"""One paragraph per sensitive feature that says, in words, what its numbers mean.

Written from the stored figures so the sentence and the table can never disagree. It names the
groups behind each extreme, because "a gap of 0.13" is only actionable once a reviewer knows who
is on which side of it, and it says when an extreme rests on too few rows to trust.
"""

from __future__ import annotations

FOUR_FIFTHS = 0.8
"""The US EEOC rule of thumb: a selection rate below 4/5 of the highest suggests adverse impact."""


def reading(feature: dict, min_group_size: int) -> str:
    groups = feature["groups"]
    if len(groups) < 2:
        return f"Only one group ({groups[0]['group']}) is present, so there is nothing to compare."
    sentences = [_selection(feature), _error_rates(feature)]
    small = [g for g in groups if not g["sufficient"]]
    if small:
        names = ", ".join(f"{g['group']} (n={g['count']})" for g in small)
        sentences.append(
            f"Too few rows to judge (fewer than {min_group_size}): {names}; "
            "treat their rates and any gap involving them as unreliable."
        )
    return " ".join(sentences)


def _selection(feature: dict) -> str:
    low = min(feature["groups"], key=lambda g: g["selection_rate"])
    high = max(feature["groups"], key=lambda g: g["selection_rate"])
    text = (
        f"Selection rate ranges from {low['selection_rate']:.0%} ({low['group']}) "
        f"to {high['selection_rate']:.0%} ({high['group']})"
    )
    ratio = feature["demographic_parity_ratio"]
    if ratio is None:
        return text + "; no group is selected at all, so the ratio between groups is undefined."
    verdict = "passes" if feature["four_fifths_passed"] else "fails"
    return (
        text + f"; the lowest-rate group ({low['group']}) is selected at {ratio:.2f}× the highest "
        f"(four-fifths rule: {verdict})."
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
    left_out = (
        f" Left out of it: {', '.join(undefined)}, which lack positive or negative rows."
        if undefined else ""
    )
    return (
        f"The largest gap in true- or false-positive rate between groups is {difference:.2f} "
        f"(equalized odds difference), widest in the {where}." + left_out
    )


def _spread(groups: list[dict], rate: str) -> float:
    return max(g[rate] for g in groups) - min(g[rate] for g in groups)
