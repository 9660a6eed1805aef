"""Terminal lines from a stored fairness report: a table per sensitive feature, then its reading."""

from __future__ import annotations

from typing import Any, Mapping

COLUMNS = (("selection_rate", "selected"), ("accuracy", "accuracy"), ("tpr", "TPR"), ("fpr", "FPR"))


def summarize(report: Mapping[str, Any]) -> str:
    blocks = [_feature_block(feature, report["min_group_size"]) for feature in report["features"]]
    return "\n\n".join(blocks)


def _feature_block(feature: Mapping[str, Any], min_group_size: int) -> str:
    rows = [(g["group"] + ("" if g["sufficient"] else " *"), g) for g in feature["groups"]]
    rows.append(("overall", feature["overall"]))
    width = max(len("group"), *(len(name) for name, _ in rows))
    header = f"  {'group':<{width}}  {'n':>6}" + "".join(f"  {title:>8}" for _, title in COLUMNS)
    lines = [
        f"{feature['feature']}: DP difference {_number(feature['demographic_parity_difference'])}, "
        f"DP ratio {_number(feature['demographic_parity_ratio'])} "
        f"(four-fifths: {_verdict(feature['four_fifths_passed'])}), "
        f"EO difference {_number(feature['equalized_odds_difference'])}"
    ]
    if feature["binning"]:
        binning = feature["binning"]
        labels = ", ".join(binning["labels"])
        lines.append(f"  binned by {binning['method']} into {binning['bins']}: {labels}")
    lines.append(header)
    lines += [
        f"  {name:<{width}}  {values['count']:>6}"
        + "".join(f"  {_percent(values[key]):>8}" for key, _ in COLUMNS)
        for name, values in rows
    ]
    if any(not g["sufficient"] for g in feature["groups"]):
        lines.append(f"  * fewer than {min_group_size} rows: not enough data to judge")
    lines.append(f"  {feature['reading']}")
    return "\n".join(lines)


def _percent(value) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _number(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _verdict(passed) -> str:
    return "n/a" if passed is None else ("passes" if passed else "fails")
