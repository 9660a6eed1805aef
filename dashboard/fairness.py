"""The fairness section: per sensitive column how each group fares, with 95% intervals and the
verdict of each rule; intersections as a heatmap; what moving the decision threshold would do;
calibration by group. Used by the Fairness page and the Model page alike.

Binary, multi-class and regression reports have different group numbers (see the fairlearn
plugin's README); each section reads the task from the report and shows what that task has.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import streamlit as st

from hub.dashboard import charts, frames
from hub.registry import VersionRecord

RATE_COLUMNS = ("Share", "Selection rate", "Accuracy", "TPR", "FPR")
THIN_ROW = "color: #9a6700; background-color: #fff8e6"
VERDICT_BADGES = {"pass": ("green", "check"), "fail": ("red", "close"), "inconclusive": ("orange", "help")}
METRIC_HELP = {
    "demographic_parity_difference": "Largest gap in selection rate between any two groups. 0 means every group is "
                                     "selected equally often.",
    "demographic_parity_ratio": "Lowest group selection rate divided by the highest. 1 means equal; below 0.8 fails "
                                "the four-fifths rule used in US employment law.",
    "equalized_odds_difference": "Largest gap between groups in true-positive or false-positive rate. 0 means the "
                                 "model makes the same kinds of errors for every group.",
    "selection_rate_ratio": "For the worst class: the lowest group's share predicted as that class over the highest.",
    "recall_difference": "For the worst class: the largest gap in recall between groups.",
    "mae_difference": "Largest gap in mean absolute error between groups, in the target's units.",
    "mae_ratio": "Highest group MAE over the lowest.",
    "mean_prediction_difference": "Largest gap in mean prediction between groups, in the target's units.",
}
DISPARITIES = {
    "binary": ("demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference"),
    "multiclass": ("selection_rate_ratio", "recall_difference"),
    "regression": ("mean_prediction_difference", "mae_difference", "mae_ratio"),
}
LABELS = {"selection_rate_ratio": "Selection rate ratio (worst class)", "recall_difference": "Recall difference (worst class)",
          "mae_difference": "MAE difference", "mae_ratio": "MAE ratio"}
DEPLOYED_THRESHOLD = 0.5


def is_fairness(body: Mapping[str, Any]) -> bool:
    return isinstance(body.get("features"), list) and all("groups" in f for f in body["features"])


def badges(body: Mapping[str, Any]) -> list[str]:
    """Markdown badges per sensitive column: the four-fifths verdict with the DP ratio, every other
    rule's verdict, and any groups too small to judge."""
    found = []
    for feature in body["features"]:
        name = feature["feature"]
        found.extend(_four_fifths_badge(feature))
        for verdict in feature.get("verdicts") or []:
            if verdict.get("metric") == "demographic_parity_ratio":
                continue
            color, icon = VERDICT_BADGES.get(verdict.get("verdict"), ("gray", "remove"))
            found.append(f":{color}-badge[:material/{icon}: {name}: {verdict.get('rule')} {verdict.get('verdict')}, "
                         f"{number_text(verdict.get('value'))}]")
        thin = sum(not group.get("sufficient", True) for group in feature.get("groups", []))
        if thin:
            found.append(f":orange-badge[:material/error: {name}: {thin} group(s) too small to judge]")
    return found


def _four_fifths_badge(feature: Mapping[str, Any]) -> list[str]:
    name, ratio, passed = feature["feature"], feature.get("demographic_parity_ratio"), feature.get("four_fifths_passed")
    if ratio is None and passed is None:
        return []
    ratio_text = f"DP ratio {ratio:.2f}" if ratio is not None else "no DP ratio"
    if passed is None:
        return [f":orange-badge[:material/help: {name}: inconclusive on four-fifths, {ratio_text}]"]
    color, icon, verdict = ("green", "check", "passes") if passed else ("red", "close", "fails")
    return [f":{color}-badge[:material/{icon}: {name}: {verdict} four-fifths, {ratio_text}]"]


def task_of(body: Mapping[str, Any]) -> str:
    return body.get("task") if body.get("task") in DISPARITIES else "binary"


def render(version: VersionRecord, body: Mapping[str, Any], key: str = "fairness") -> None:
    """The whole section; ``key`` keeps widget keys apart when a page shows two reports."""
    st.header("Fairness (Fairlearn)", anchor="fairness")
    provenance = body.get("provenance") or {}
    target = version.config.get("target", "the target")
    task = task_of(body)
    positive = body.get("positive_label", version.config.get("positive_label"))
    rows = f"{provenance['rows']} rows ({provenance.get('scope', 'evaluation rows')})" if "rows" in provenance \
        else f"{body['rows']} rows" if "rows" in body else "the evaluation rows"
    minimum = body.get("min_group_size")
    what = {
        "binary": f" Being *selected* means the model predicts {target} = {positive!r}"
                  + (f" (score ≥ {provenance['decision_threshold']})" if "decision_threshold" in provenance else "")
                  + ". TPR: share of truly positive rows the model selects; FPR: share of truly negative rows it selects.",
        "multiclass": f" Per class: the share of each group predicted as that class, and the class's recall "
                      f"({', '.join(map(str, body.get('classes') or []))}).",
        "regression": f" Mean prediction and mean absolute error of {target} per group, in the target's units.",
    }[task]
    resampling = body.get("bootstrap") or {}
    st.caption(
        f"Measured on {rows}.{what} Intervals are 95% "
        f"{'bootstrap (' + str(resampling.get('resamples')) + ' resamples)' if resampling else ''}; a rule passes only "
        "when its whole interval is on the good side of its threshold, fails only when it is all on the bad side, "
        "and is inconclusive otherwise."
        + (f" Groups with fewer than {minimum} of the rows a rate is a share of are marked as not having enough "
           "data: their rates are too noisy to compare." if minimum else "")
    )
    if body.get("warnings"):
        st.warning("\n".join(f"- {warning}" for warning in body["warnings"]), icon=":material/warning:")
    for feature in body["features"]:
        with st.container(border=True):
            sensitive_feature(feature, task, minimum, body.get("classes") or [])
    intersections(body, key)
    if body.get("thresholds"):
        thresholds(body["thresholds"], key)
    if body.get("calibration"):
        calibration(body["calibration"], key)


def sensitive_feature(feature: Mapping[str, Any], task: str, minimum: int | None, classes: Sequence[Any]) -> None:
    st.subheader(f"By {feature['feature']}")
    if feature.get("binning"):
        st.caption(binning_text(feature["feature"], feature["binning"]))
    if feature.get("reading"):
        st.info(feature["reading"], icon=":material/balance:")
    disparity(feature, task)
    verdict_table(feature)

    group_table(feature, task, minimum, classes)
    thin = [str(g["group"]) for g in feature.get("groups", []) if not g.get("sufficient", True)]
    if thin:
        st.warning(f"Too few rows to judge: {', '.join(thin)}. Faded in the chart.", icon=":material/error:")
    chart_column, _ = st.columns([3, 1])
    chart_column.altair_chart(group_chart(feature, task, classes), width="stretch")


def group_table(feature: Mapping[str, Any], task: str, minimum: int | None, classes: Sequence[Any]) -> None:
    if task == "binary":
        table = frames.groups_frame(feature, minimum)
        everyone = [*feature.get("groups", []), feature.get("overall") or {}]
        for key, column in (("selection_rate", "Selection rate"), ("tpr", "TPR"), ("fpr", "FPR")):
            table.insert(table.columns.get_loc(column) + 1, f"{column} 95%",
                         [interval_text((g.get("intervals") or {}).get(key)) for g in everyone[:len(table)]])
        styled = (
            table.style.format({"Count": "{:.0f}", **{column: "{:.1%}" for column in RATE_COLUMNS}}, na_rep="—")
            .apply(lambda row: [THIN_ROW if row["Enough data"] != "yes" else ""] * len(row), axis=1)
        )
        st.table(styled, hide_index=True, alt=f"Outcomes by {feature['feature']} group")
        return
    import pandas as pd

    rows = []
    for group in feature.get("groups", []):
        intervals = group.get("intervals") or {}
        row = {"Group": str(group["group"]), "Count": group.get("count")}
        if task == "multiclass":
            row["Accuracy"] = _percent(group.get("accuracy"))
            for name in classes:
                for key, label in (("selection_rate", "selected as"), ("recall", "recall of")):
                    value = (group.get(key) or {}).get(str(name))
                    interval = (intervals.get(key) or {}).get(str(name))
                    row[f"{label.capitalize()} {name}"] = f"{_percent(value)} ({interval_text(interval)})"
        else:
            for key, label in (("mean_true", "Mean true"), ("mean_prediction", "Mean prediction"), ("mae", "MAE"),
                               ("rmse", "RMSE")):
                value = group.get(key)
                row[label] = "—" if value is None else f"{value:.4g}"
                if key in intervals:
                    row[f"{label} 95%"] = interval_text(intervals[key], percent=False)
        row["Enough data"] = "yes" if group.get("sufficient", True) else f"no (< {minimum})"
        rows.append(row)
    st.table(pd.DataFrame(rows), hide_index=True, alt=f"Outcomes by {feature['feature']} group")


def group_chart(feature: Mapping[str, Any], task: str, classes: Sequence[Any]):
    if task == "binary":
        return charts.group_rates_chart(feature.get("groups", []), (feature.get("overall") or {}).get("selection_rate"))
    import pandas as pd

    rows = []
    for group in feature.get("groups", []):
        intervals = group.get("intervals") or {}
        common = {"group": str(group["group"]), "sufficient": bool(group.get("sufficient", True)),
                  "count": group.get("count")}
        if task == "multiclass":
            for name in classes:
                low, high = (intervals.get("selection_rate") or {}).get(str(name)) or [None, None]
                rows.append({**common, "metric": f"selected as {name}",
                             "value": (group.get("selection_rate") or {}).get(str(name)), "low": low, "high": high})
        else:
            low, high = intervals.get("mae") or [None, None]
            rows.append({**common, "metric": "MAE", "value": group.get("mae"), "low": low, "high": high})
    frame = pd.DataFrame(rows, columns=["group", "metric", "value", "low", "high", "sufficient", "count"])
    if task == "multiclass":
        return charts.group_bars_chart(frame, title="share predicted as each class (95% interval)")
    return charts.group_bars_chart(frame, title="mean absolute error (95% interval)", percent=False)


def disparity(feature: Mapping[str, Any], task: str) -> None:
    keys = DISPARITIES[task]
    intervals = feature.get("intervals") or {}
    for column, key in zip(st.columns(len(keys)), keys):
        column.metric(LABELS.get(key, frames.metric_label(key)), number_text(feature.get(key)),
                      help=METRIC_HELP.get(key))
        column.caption(f"95% interval {interval_text(intervals.get(key), percent=False)}")
    if task == "binary" and not feature.get("verdicts"):
        passed = feature.get("four_fifths_passed")
        if passed is not None:
            st.badge("passes the four-fifths rule" if passed else "fails the four-fifths rule (ratio < 0.8)",
                     icon=":material/check:" if passed else ":material/close:", color="green" if passed else "red")


def verdict_table(feature: Mapping[str, Any]) -> None:
    """Each rule with its value, interval, threshold and verdict, and the sentence that explains it."""
    verdicts = feature.get("verdicts") or []
    if not verdicts:
        return
    for verdict in verdicts:
        color, icon = VERDICT_BADGES.get(verdict.get("verdict"), ("gray", "remove"))
        value = verdict.get("value")
        st.markdown(
            f":{color}-badge[:material/{icon}: {verdict.get('verdict', '?')}] **{verdict.get('rule')}** "
            f"(`{verdict.get('metric')}` {verdict.get('op')} {verdict.get('threshold')}): "
            f"{number_text(value)}, 95% interval {interval_text([verdict.get('low'), verdict.get('high')], percent=False)}"
            + (f"; too few rows in {', '.join(map(str, verdict['insufficient_groups']))}"
               if verdict.get("insufficient_groups") else ""),
            help=verdict.get("reading"),
        )


def intersections(body: Mapping[str, Any], key: str) -> None:
    """Pairs of sensitive columns as heatmaps: one cell per pair of groups."""
    entries = [entry for entry in body.get("intersections") or [] if len(entry.get("columns") or []) == 2]
    if not entries:
        return
    st.subheader("Intersections")
    st.caption("Every pair of sensitive columns: a gap can hide inside groups that look alike one column at a time. "
               "Each cell shows the selection rate and its rows; faded cells have too few rows to judge.")
    metrics = {"Selection rate": "selection_rate", "TPR": "tpr", "FPR": "fpr", "Accuracy": "accuracy"} \
        if task_of(body) == "binary" else {"Accuracy": "accuracy"}
    for entry in entries:
        with st.container(border=True):
            st.markdown(f"**{entry['feature']}**")
            if task_of(body) == "regression":
                group_table(entry, "regression", body.get("min_group_size"), [])
                continue
            first = next(iter(metrics))
            shown = st.segmented_control("Colour by", list(metrics), default=first,
                                         key=f"{key}-heatmap-{entry['feature']}")
            st.altair_chart(charts.intersection_heatmap(entry, metrics[shown or first]), width="stretch")
            if entry.get("reading"):
                st.caption(entry["reading"])


def thresholds(curves: Mapping[str, Any], key: str) -> None:
    """A threshold slider: each group's selection rate, TPR and FPR at the chosen threshold, against
    the deployed one, read from the report's curves (no model runs)."""
    grid = list(curves.get("grid") or [])
    if not grid:
        return
    import pandas as pd

    st.subheader("What if the threshold moved")
    st.caption(f"The report stores each group's rates at every threshold of {len(grid)} ({curves.get('decide', '')}). "
               f"Move the slider to see them change; the deployed threshold is {DEPLOYED_THRESHOLD}.")
    chosen = st.select_slider("Decision threshold", options=grid, value=min(grid, key=lambda t: abs(t - DEPLOYED_THRESHOLD)),
                              format_func=lambda t: f"{t:.2f}", key=f"{key}-threshold")
    at, deployed = grid.index(chosen), min(range(len(grid)), key=lambda i: abs(grid[i] - DEPLOYED_THRESHOLD))
    for feature in curves.get("features") or []:
        with st.container(border=True):
            st.markdown(f"**By {feature['feature']}** at threshold {chosen:.2f}")
            rows = []
            for group in feature.get("groups", []):
                row = {"Group": str(group["group"])}
                for metric, label in charts.RATE_METRICS.items():
                    values = group.get(metric) or []
                    now = values[at] if at < len(values) else None
                    then = values[deployed] if deployed < len(values) else None
                    row[label] = now
                    row[f"{label} change"] = None if now is None or then is None else now - then
                rows.append(row)
            table = pd.DataFrame(rows)
            rates = table["Selection rate"].dropna()
            ratio = rates.min() / rates.max() if len(rates) and rates.max() > 0 else None
            st.table(table.style.format({**{label: "{:.1%}" for label in charts.RATE_METRICS.values()},
                                         **{f"{label} change": "{:+.1%}" for label in charts.RATE_METRICS.values()}},
                                        na_rep="—"), hide_index=True)
            st.caption(f"Selection-rate ratio at {chosen:.2f}: {number_text(ratio)} (point estimate, no interval; "
                       f"changes are against the deployed {grid[deployed]:.2f}).")
            for column, metric in zip(st.columns(len(charts.RATE_METRICS)), charts.RATE_METRICS):
                column.altair_chart(charts.threshold_chart(grid, feature, chosen, metric), width="stretch")


def calibration(curves: Mapping[str, Any], key: str) -> None:
    edges = curves.get("edges") or []
    features = curves.get("features") or []
    if not features:
        return
    st.subheader("Calibration by group")
    st.caption("Per tenth of the score range: the share of rows truly positive against the mean score. On the "
               "diagonal a score means what it says; a group's line below it is over-scored, above it under-scored. "
               "Larger points hold more rows.")
    for column, feature in zip(st.columns(min(len(features), 2)) * len(features), features):
        with column:
            st.markdown(f"**By {feature['feature']}**")
            st.altair_chart(charts.calibration_chart(edges, feature), width="stretch")


def before_after(before: Mapping[str, Any], after: Mapping[str, Any], before_ref: str, after_ref: str):
    """Each column's disparities in two reports side by side, with their 95% intervals."""
    import pandas as pd

    later = {feature["feature"]: feature for feature in after.get("features", [])}
    rows = []
    for feature in before.get("features", []):
        other = later.get(feature["feature"], {})
        for key in DISPARITIES[task_of(before)]:
            rows.append({
                "Column": feature["feature"], "Measure": LABELS.get(key, frames.metric_label(key)),
                before_ref: f"{number_text(feature.get(key))} ({interval_text((feature.get('intervals') or {}).get(key), False)})",
                after_ref: f"{number_text(other.get(key))} ({interval_text((other.get('intervals') or {}).get(key), False)})",
                "Change": None if feature.get(key) is None or other.get(key) is None else
                f"{other[key] - feature[key]:+.3f}",
            })
    return pd.DataFrame(rows)


def binning_text(name: str, binning: Mapping[str, Any]) -> str:
    """How a continuous feature was cut into the groups shown, in one sentence."""
    edges = ", ".join(frames.format_value(edge) for edge in binning.get("edges") or [])
    labels = ", ".join(str(label) for label in binning.get("labels") or [])
    closed = f"; intervals closed {binning['closed']}" if binning.get("closed") else ""
    count = binning.get("bins") or len(binning.get("labels") or []) or "?"
    return (f"{name} is continuous, so it was cut into {count} groups by "
            f"{binning.get('method', '?')} binning: {labels} (edges {edges}{closed}).")


def interval_text(interval: Sequence[float | None] | None, percent: bool = True) -> str:
    if not interval or None in interval[:2]:
        return "—"
    low, high = interval[:2]
    return f"{low * 100:.1f} to {high * 100:.1f}%" if percent else f"{low:.3g} to {high:.3g}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def number_text(value: float | None) -> str:
    """A disparity or rate to three decimals; a dash where it is undefined."""
    return "—" if value is None else f"{value:.3f}"
