"""The *Fairness overview* dashboard page: every model's latest version, judged side by side."""

from __future__ import annotations

import streamlit as st

from ecohub_review.checklist import blocking_failures, checklist


def overview_rows(registry) -> list[dict]:
    """One row per model and sensitive feature of its latest version's newest fairness report."""
    rows = []
    for model in registry.list_models():
        version = model.latest
        if version is None:
            continue
        fairness = [report for report in version.reports if report.kind == "fairness"]
        ready = "yes" if not blocking_failures(checklist(version, registry.read_report)) else "no"
        if not fairness:
            rows.append({"Model": model.name, "Version": version.version, "Feature": "(no fairness report)",
                         "DP ratio": None, "Four-fifths": "n/a", "EO difference": None, "Ready for production": ready})
            continue
        for feature in registry.read_report(fairness[-1]).get("features", []):
            passed = feature.get("four_fifths_passed")
            rows.append({
                "Model": model.name, "Version": version.version, "Feature": feature["feature"],
                "DP ratio": feature.get("demographic_parity_ratio"),
                "Four-fifths": "n/a" if passed is None else ("passes" if passed else "fails"),
                "EO difference": feature.get("equalized_odds_difference"),
                "Ready for production": ready,
            })
    return rows


def render(registry) -> None:
    st.title("Fairness overview")
    st.caption("The newest fairness report of each model's latest version. A DP ratio below 0.8 fails the "
               "four-fifths rule; 'Ready for production' is the production-review publish check.")
    rows = overview_rows(registry)
    if not rows:
        st.info("No model is registered yet. Run `hub demo`, then come back.", icon=":material/info:")
        return
    st.dataframe(rows, hide_index=True, column_config={
        "DP ratio": st.column_config.NumberColumn(format="%.2f"),
        "EO difference": st.column_config.NumberColumn(format="%.2f"),
    })
