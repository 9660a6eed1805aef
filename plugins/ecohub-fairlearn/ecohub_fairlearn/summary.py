"""Terminal lines from a stored fairness report: per sensitive column a table of group rates with
their intervals, each rule's verdict, and the reading; then one line per intersection."""

from __future__ import annotations

from typing import Any, Mapping

COLUMNS = {
    "binary": (("selection_rate", "selected"), ("accuracy", "accuracy"), ("tpr", "TPR"), ("fpr", "FPR")),
    "multiclass": (("accuracy", "accuracy"),),
    "regression": (("mean_prediction", "mean pred"), ("mae", "MAE")),
}
MARK = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE"}


def summarize(report: Mapping[str, Any]) -> str:
    task = report.get("task", "binary")
    blocks = [_feature_block(feature, task, report["min_group_size"]) for feature in report["features"]]
    intersections = report.get("intersections") or []
    if intersections:
        blocks.append("\n".join(["Intersections:"] + [_intersection_line(f, task) for f in intersections]))
    if report.get("warnings"):
        blocks.append("\n".join(f"! {note}" for note in report["warnings"]))
    return "\n\n".join(blocks)


def _feature_block(feature: Mapping[str, Any], task: str, minimum: int) -> str:
    columns = COLUMNS[task]
    percent = task != "regression"
    rows = [(g["group"] + ("" if g["sufficient"] else " *"), g) for g in feature["groups"]]
    rows.append(("overall", feature["overall"]))
    width = max(len("group"), *(len(name) for name, _ in rows))
    cell = 17 if percent else 22
    header = f"  {'group':<{width}}  {'n':>8}" + "".join(f"  {title:>{cell}}" for _, title in columns)
    lines = [f"{feature['feature']}: {_headline(feature, task)}"]
    if feature.get("binning"):
        binning = feature["binning"]
        lines.append(f"  binned at {', '.join(str(e) for e in binning['edges'])}: {', '.join(binning['labels'])}")
    if feature.get("model_input"):
        lines.append("  (also a model input)")
    lines.append(header)
    for name, values in rows:
        intervals = values.get("intervals", {})
        lines.append(
            f"  {name:<{width}}  {values['count']:>8}"
            + "".join(f"  {_value(values.get(key), intervals.get(key), percent):>{cell}}" for key, _ in columns)
        )
    if any(not g["sufficient"] for g in feature["groups"]):
        what = "rows" if task == "regression" else "positives or negatives"
        lines.append(f"  * fewer than {minimum} {what}: not enough data to judge")
    for verdict in feature.get("verdicts", []):
        lines.append(f"  {MARK[verdict['verdict']]:<12} {verdict['rule']}")
    lines.append(f"  {feature['reading']}")
    return "\n".join(lines)


def _headline(feature: Mapping[str, Any], task: str) -> str:
    names = {
        "binary": (("demographic_parity_difference", "DP difference"), ("demographic_parity_ratio", "DP ratio"),
                   ("equalized_odds_difference", "EO difference")),
        "multiclass": (("selection_rate_ratio", "worst-class selection ratio"),
                       ("recall_difference", "worst-class recall gap")),
        "regression": (("worst_group_mae", "worst-group MAE"), ("mae_difference", "MAE gap"),
                       ("mean_prediction_difference", "mean prediction gap")),
    }[task]
    intervals = feature.get("intervals", {})
    return ", ".join(f"{title} {_value(feature.get(key), intervals.get(key), False)}" for key, title in names)


def _intersection_line(feature: Mapping[str, Any], task: str) -> str:
    verdicts = "; ".join(f"{v['rule']} {v['verdict']}" for v in feature.get("verdicts", []))
    small = feature.get("small_cells") or []
    note = f"; {len(small)} of {len(feature['groups'])} cells too small" if small else ""
    return f"  {feature['feature']}: {_headline(feature, task)}" + (f" — {verdicts}" if verdicts else "") + note


def _value(value, interval, percent: bool) -> str:
    if value is None:
        return "n/a"
    text = f"{value:.0%}" if percent else f"{value:.3g}" if abs(value) >= 10 else f"{value:.2f}"
    if interval and interval[0] is not None:
        low, high = interval
        text += f" ({low:.0%}–{high:.0%})" if percent else f" ({low:.2f}–{high:.2f})"
    return text
