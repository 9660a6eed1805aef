"""The *Fairness overview* dashboard page: every version of every model, judged side by side.

Each row comes from the version's canonical fairness report (its declared evaluation), so
re-running an evaluation on other columns or rows never changes what this page shows. Every
version is judged, not only the newest: the version in production is often an older one, and a
reviewer needs to see it beside its successors. Each row says which aliases point at it and
whether it is the model's latest.
"""

from __future__ import annotations

import streamlit as st

from ecohub_review.checklist import blocking_failures, checklist

NO_REPORT = "(no canonical fairness report)"


def overview_rows(registry, *, aliased_and_latest_only: bool = False) -> list[dict]:
    """One row per version and sensitive feature of its canonical fairness report, newest version
    first within each model; with ``aliased_and_latest_only``, only versions an alias points at and
    each model's latest."""
    rows = []
    for model in registry.list_models():
        for version in reversed(model.versions):
            latest = version is model.latest
            if aliased_and_latest_only and not latest and not version.aliases:
                continue
            rows.extend(_version_rows(registry, model.name, version, latest))
    return rows


def _version_rows(registry, name: str, version, latest: bool) -> list[dict]:
    which = {"Model": name, "Version": version.version, "Aliases": ", ".join(version.aliases),
             "Latest": "latest" if latest else ""}
    ready = "yes" if not blocking_failures(checklist(version, registry)) else "no"
    fairness = [report for report in registry.canonical_reports(version).values() if report.kind == "fairness"]
    if not fairness:
        return [{**which, "Feature": NO_REPORT, "DP ratio": None, "DP ratio interval": "", "Four-fifths": "n/a",
                 "EO difference": None, "Ready for production": ready}]
    rows = []
    for feature in registry.read_report(fairness[0]).get("features", []):
        verdicts = {verdict.get("metric"): verdict for verdict in feature.get("verdicts") or []}
        low_high = (feature.get("intervals") or {}).get("demographic_parity_ratio") or [None, None]
        rows.append({
            **which, "Feature": feature["feature"],
            "DP ratio": feature.get("demographic_parity_ratio"),
            "DP ratio interval": "" if None in low_high else f"{low_high[0]:.2f} to {low_high[1]:.2f}",
            "Four-fifths": verdicts.get("demographic_parity_ratio", {}).get("verdict", "n/a"),
            "EO difference": feature.get("equalized_odds_difference"),
            "Ready for production": ready,
        })
    return rows


def render(registry) -> None:
    st.title("Fairness overview")
    st.caption("The canonical fairness report (held-out rows, every declared sensitive column) of every version, "
               "newest first, with the aliases that point at it. The four-fifths rule passes when the whole 95% "
               "interval of the DP ratio is at least 0.8, fails when it is all below, and is inconclusive "
               "otherwise; 'Ready for production' is the registry's gate policy.")
    narrow = st.toggle("Only versions with an alias, and each model's latest", key="fairness-overview-narrow")
    rows = overview_rows(registry, aliased_and_latest_only=narrow)
    if not rows:
        st.info("No model is registered yet. Run `hub demo`, then come back.", icon=":material/info:")
        return
    st.dataframe(rows, hide_index=True, column_config={
        "DP ratio": st.column_config.NumberColumn(format="%.2f"),
        "EO difference": st.column_config.NumberColumn(format="%.2f"),
    })
