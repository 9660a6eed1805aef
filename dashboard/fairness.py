"""The fairness section of the model page: per sensitive feature, how each group fares and how far apart."""

from __future__ import annotations

from typing import Any, Mapping

import streamlit as st

from hub.dashboard import charts, frames
from hub.registry import VersionRecord

RATE_COLUMNS = ("Share", "Selection rate", "Accuracy", "TPR", "FPR")
THIN_ROW = "color: #9a6700; background-color: #fff8e6"
METRIC_HELP = {
    "dp_difference": "Largest gap in selection rate between any two groups. 0 means every group is selected "
                     "equally often.",
    "dp_ratio": "Lowest group selection rate divided by the highest. 1 means equal; below 0.8 fails the "
                "four-fifths rule used in US employment law.",
    "eo_difference": "Largest gap between groups in true-positive or false-positive rate. 0 means the model "
                     "makes the same kinds of errors for every group.",
}


def is_fairness(body: Mapping[str, Any]) -> bool:
    return isinstance(body.get("features"), list) and all("groups" in f for f in body["features"])


def badges(body: Mapping[str, Any]) -> list[str]:
    """One Markdown badge per sensitive feature: the four-fifths verdict, and any groups too small to judge."""
    found = []
    for feature in body["features"]:
        name, ratio, passed = feature["feature"], feature.get("demographic_parity_ratio"), feature.get("four_fifths_passed")
        ratio_text = f"DP ratio {ratio:.2f}" if ratio is not None else "no DP ratio"
        if passed is None and ratio is not None:
            found.append(f":orange-badge[:material/help: {name}: inconclusive on four-fifths, {ratio_text}]")
        elif passed is None:
            found.append(f":gray-badge[{name}: {ratio_text}]")
        else:
            color, icon, verdict = ("green", "check", "passes") if passed else ("red", "close", "fails")
            found.append(f":{color}-badge[:material/{icon}: {name}: {verdict} four-fifths, {ratio_text}]")
        thin = sum(not group.get("sufficient", True) for group in feature.get("groups", []))
        if thin:
            found.append(f":orange-badge[:material/error: {name}: {thin} group(s) too small to judge]")
    return found


def render(version: VersionRecord, body: Mapping[str, Any]) -> None:
    st.header("Fairness (Fairlearn)", anchor="fairness")
    provenance = body.get("provenance") or {}
    target = version.config.get("target", "the target")
    positive = body.get("positive_label", version.config.get("positive_label"))
    rows = f"{provenance['rows']} rows ({provenance.get('scope', 'evaluation rows')})" if "rows" in provenance else "the evaluation rows"
    minimum = body.get("min_group_size")
    st.caption(
        f"Measured on {rows}. Being *selected* means the model predicts {target} = {positive!r}"
        + (f" (score ≥ {provenance['decision_threshold']})" if "decision_threshold" in provenance else "")
        + ". TPR: share of truly positive rows the model selects; FPR: share of truly negative rows it selects."
        + (f" Groups with fewer than {minimum} truly positive or truly negative rows are marked as not having enough data: their rates are too noisy to compare."
           if minimum else "")
    )
    for feature in body["features"]:
        with st.container(border=True):
            sensitive_feature(feature, minimum)


def sensitive_feature(feature: Mapping[str, Any], minimum: int | None) -> None:
    st.subheader(f"By {feature['feature']}")
    if feature.get("binning"):
        st.caption(binning_text(feature["feature"], feature["binning"]))
    if feature.get("reading"):
        st.info(feature["reading"], icon=":material/balance:")
    disparity(feature)

    table_column, chart_column = st.columns([3, 2])
    with table_column:
        table = frames.groups_frame(feature, minimum)
        styled = (
            table.style.format({"Count": "{:.0f}", **{column: "{:.1%}" for column in RATE_COLUMNS}}, na_rep="—")
            .apply(lambda row: [THIN_ROW if row["Enough data"] != "yes" else ""] * len(row), axis=1)
        )
        st.table(styled, hide_index=True, alt=f"Outcomes by {feature['feature']} group")
        thin = [str(g["group"]) for g in feature.get("groups", []) if not g.get("sufficient", True)]
        if thin:
            st.warning(f"Too few rows to judge: {', '.join(thin)}. Faded in the chart.", icon=":material/error:")
    with chart_column:
        overall = (feature.get("overall") or {}).get("selection_rate")
        st.altair_chart(charts.group_rates_chart(feature.get("groups", []), overall), width="stretch")


def disparity(feature: Mapping[str, Any]) -> None:
    difference, ratio = feature.get("demographic_parity_difference"), feature.get("demographic_parity_ratio")
    odds = feature.get("equalized_odds_difference")
    first, second, third = st.columns(3)
    first.metric("Demographic parity difference", _number(difference), help=METRIC_HELP["dp_difference"])
    with second:
        st.metric("Demographic parity ratio", _number(ratio), help=METRIC_HELP["dp_ratio"])
        passed = feature.get("four_fifths_passed")
        if passed is True:
            st.badge("passes the four-fifths rule", icon=":material/check:", color="green")
        elif passed is False:
            st.badge("fails the four-fifths rule (ratio < 0.8)", icon=":material/close:", color="red")
        elif ratio is not None:
            st.badge("four-fifths rule inconclusive: the interval straddles 0.8", icon=":material/help:",
                     color="orange")
    third.metric("Equalized odds difference", _number(odds), help=METRIC_HELP["eo_difference"])


def binning_text(name: str, binning: Mapping[str, Any]) -> str:
    """How a continuous feature was cut into the groups shown, in one sentence."""
    edges = ", ".join(frames.format_value(edge) for edge in binning.get("edges") or [])
    labels = ", ".join(str(label) for label in binning.get("labels") or [])
    closed = f"; intervals closed {binning['closed']}" if binning.get("closed") else ""
    return (f"{name} is continuous, so it was cut into {binning.get('bins', '?')} groups by "
            f"{binning.get('method', '?')} binning: {labels} (edges {edges}{closed}).")


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"
