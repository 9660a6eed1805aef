"""The *Fairness overview* dashboard page: every model's latest version, judged side by side.

Each row comes from the version's canonical fairness report (its declared evaluation), so
re-running an evaluation on other columns or rows never changes what this page shows.
"""

from __future__ import annotations

import streamlit as st

from ecohub_review.checklist import blocking_failures, checklist


def overview_rows(registry) -> list[dict]:
    """One row per model and sensitive feature of its latest version's canonical fairness report."""
    rows = []
    for model in registry.list_models():
        version = model.latest
        if version is None:
            continue
        fairness = [report for report in registry.canonical_reports(version).values() if report.kind == "fairness"]
        ready = "yes" if not blocking_failures(checklist(version, registry)) else "no"
        if not fairness:
            rows.append({"Model": model.name, "Version": version.version, "Feature": "(no canonical fairness report)",
                         "DP ratio": None, "DP ratio interval": "", "Four-fifths": "n/a", "EO difference": None,
                         "Ready for production": ready})
            continue
        for feature in registry.read_report(fairness[0]).get("features", []):
            verdicts = {verdict.get("metric"): verdict for verdict in feature.get("verdicts") or []}
            low_high = (feature.get("intervals") or {}).get("demographic_parity_ratio") or [None, None]
            rows.append({
                "Model": model.name, "Version": version.version, "Feature": feature["feature"],
                "DP ratio": feature.get("demographic_parity_ratio"),
                "DP ratio interval": "" if None in low_high else f"{low_high[0]:.2f} to {low_high[1]:.2f}",
                "Four-fifths": verdicts.get("demographic_parity_ratio", {}).get("verdict", "n/a"),
                "EO difference": feature.get("equalized_odds_difference"),
                "Ready for production": ready,
            })
    return rows


def render(registry) -> None:
    st.title("Fairness overview")
    st.caption("The canonical fairness report (held-out rows, every declared sensitive column) of each model's "
               "latest version. The four-fifths rule passes when the whole 95% interval of the DP ratio is at "
               "least 0.8, fails when it is all below, and is inconclusive otherwise; 'Ready for production' is "
               "the registry's gate policy.")
    rows = overview_rows(registry)
    if not rows:
        st.info("No model is registered yet. Run `hub demo`, then come back.", icon=":material/info:")
        return
    st.dataframe(rows, hide_index=True, column_config={
        "DP ratio": st.column_config.NumberColumn(format="%.2f"),
        "EO difference": st.column_config.NumberColumn(format="%.2f"),
    })
