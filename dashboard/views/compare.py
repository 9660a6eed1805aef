"""Compare page: two versions of one model side by side.

``?model=NAME&version=N&against=M`` compares version N with version M (default: the one before
it). Decisions are compared with ``hub compare M N`` (:mod:`hub.jobs.comparing`): both versions
score M's declared evaluation rows, so every delta (N − M) is paired and has a 95% bootstrap
interval, and prediction churn is counted per group. Scoring runs the models, so its result is
cached by the two versions' commits.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd
import streamlit as st

from hub.dashboard import charts, fairness, frames, state
from hub.dashboard.choosing import chosen_version, other_version
from hub.errors import HubError
from hub.registry import Registry, VersionRecord

RATE_LABELS = {"selection_rate": "Selection rate", "accuracy": "Accuracy", "tpr": "TPR", "fpr": "FPR"}


@st.cache_data(show_spinner=False, max_entries=32)
def compared(url: str, store: str, a_ref: str, a_commit: str, b_ref: str, b_commit: str) -> dict[str, Any]:
    """``hub compare A B``'s body; the commits key the cache, so a re-registered version is scored again."""
    from hub.jobs.comparing import compare
    from hub.plugins.manager import installed_plugins

    return compare(installed_plugins(), state.registry(), a_ref, b_ref).body


def delta_text(entry: Mapping[str, Any], percent: bool = True) -> str:
    delta = entry.get("delta")
    if delta is None:
        return "—"
    shown = f"{delta:+.1%}" if percent else f"{delta:+.3f}"
    return f"{shown} ({fairness.interval_text(entry.get('interval'), percent)})"


def side_by_side(a: VersionRecord, b: VersionRecord) -> None:
    for column, version, role in zip(st.columns(2), (a, b), ("baseline", "compared")):
        with column.container(border=True):
            st.subheader(f"{version.ref} ({role})")
            aliases = ", ".join(version.aliases) or "no aliases"
            st.markdown(f"{version.model_type} ({version.framework}) · license {version.license} · {aliases} · "
                        f"registered {version.created_at:%Y-%m-%d %H:%M} UTC by {version.created_by or '?'}")
            st.caption(f"trained on {frames.trained_on(version)}, seed {version.config.get('seed', '?')}; "
                       f"commit `{version.commit[:12]}`")


def recorded_metrics(a: VersionRecord, b: VersionRecord) -> None:
    st.header("Held-out metrics as recorded")
    first, second = a.metrics.get("test", {}), b.metrics.get("test", {})
    keys = [key for key in frames.METRIC_LABELS if key in first or key in second] + sorted(
        (set(first) | set(second)) - set(frames.METRIC_LABELS))
    if not keys:
        st.info("Neither version recorded held-out metrics.")
        return
    table = pd.DataFrame([{"Metric": frames.metric_label(key), a.ref: first.get(key), b.ref: second.get(key),
                           "Change": None if key not in first or key not in second else second[key] - first[key]}
                          for key in keys])
    st.dataframe(table, hide_index=True, column_config={
        a.ref: st.column_config.NumberColumn(format="%.3f"), b.ref: st.column_config.NumberColumn(format="%.3f"),
        "Change": st.column_config.NumberColumn(format="%+.3f")})
    st.caption("Each on its own held-out split, so versions trained with other seeds are scored on other rows; "
               "the paired comparison below scores both on the same rows.")


def importance_ranks(registry: Registry, version: VersionRecord) -> list[str] | None:
    report = next((r for r in registry.reviewed_reports(version).values()
                   if r.kind == "explanation"), None)
    if report is None:
        return None
    body = state.read_report(report)
    return [row.get("feature", row.get("token")) for row in body.get("global_importance") or []]


def ranking_changes(registry: Registry, a: VersionRecord, b: VersionRecord) -> None:
    st.header("Ranking changes")
    ranks = {version.ref: importance_ranks(registry, version) for version in (a, b)}
    missing = [ref for ref, found in ranks.items() if found is None]
    if missing:
        st.info("No explanation report for " + " and ".join(missing) + ": run "
                + " and ".join(f"`hub evaluate {ref} --evaluator shap`" for ref in missing) + ".",
                icon=":material/info:")
        return
    first, second = ranks[a.ref], ranks[b.ref]
    features = list(dict.fromkeys([*first, *second]))
    frame = pd.DataFrame([{"feature": f, "rank_a": first.index(f) + 1 if f in first else None,
                           "rank_b": second.index(f) + 1 if f in second else None} for f in features])
    frame["shift"] = frame["rank_a"] - frame["rank_b"]
    st.caption(f"Features by mean |SHAP| in each version's explanation report (1 = most important). A feature "
               f"that climbs matters more to {b.ref} than it did to {a.ref}.")
    chart_column, table_column = st.columns([3, 2])
    chart_column.altair_chart(charts.rank_shift_chart(frame.head(15), a.ref, b.ref), width="stretch")
    table_column.dataframe(
        frame.rename(columns={"feature": "Feature", "rank_a": f"Rank in {a.ref}", "rank_b": f"Rank in {b.ref}",
                              "shift": "Places climbed"}),
        hide_index=True)


def decisions(a: VersionRecord, b: VersionRecord) -> None:
    st.header("Decisions on the same rows")
    where = state.location()
    with st.spinner(f"Scoring {a.ref} and {b.ref} on {a.ref}'s evaluation rows…", show_time=True):
        try:
            body = compared(where.url, str(where.store), a.ref, a.commit, b.ref, b.commit)
        except HubError as error:
            state.show_error(error)
            return
    rows, resampling = body["rows"], body["bootstrap"]
    st.caption(f"{rows['count']} rows: {rows['scope']}. Changes are {b.ref} − {a.ref}, with 95% paired bootstrap "
               f"intervals ({resampling['resamples']} resamples). Same as `hub compare {a.ref} {b.ref}`.")
    if body.get("warning"):
        st.warning(body["warning"], icon=":material/warning:")
    overall = next(iter(body["columns"].values()))["overall"]
    tiles = st.columns(len(RATE_LABELS) + 1)
    tiles[0].metric("Decisions that flip", "—" if overall["churn"]["value"] is None else f"{overall['churn']['value']:.1%}",
                    help="Share of rows whose decision differs between the two versions.")
    tiles[0].caption(f"95% interval {fairness.interval_text(overall['churn']['interval'])}")
    for tile, (key, label) in zip(tiles[1:], RATE_LABELS.items()):
        entry = overall[key]
        tile.metric(label, "—" if entry["b"] is None else f"{entry['b']:.1%}",
                    delta=None if entry["delta"] is None else f"{entry['delta']:+.1%}", delta_color="off")
        tile.caption(f"change 95% {fairness.interval_text(entry['interval'])}")
    for column, found in body["columns"].items():
        with st.container(border=True):
            st.subheader(f"By {column}")
            st.table(pd.DataFrame([{
                "Disparity": frames.metric_label(name), a.ref: fairness.number_text(entry["a"]),
                b.ref: fairness.number_text(entry["b"]), "Change (95% interval)": delta_text(entry, percent=False),
            } for name, entry in found["disparities"].items()]), hide_index=True)
            st.table(pd.DataFrame([{
                "Group": group["group"], "Rows": group["count"],
                **{f"{label} change": delta_text(group[key]) for key, label in RATE_LABELS.items()},
                "Decisions that flip": f"{group['churn']['value']:.1%} "
                                       f"({fairness.interval_text(group['churn']['interval'])})"
                if group["churn"]["value"] is not None else "—",
            } for group in found["groups"]]), hide_index=True)
            churn = pd.DataFrame([{
                "group": group["group"], "metric": "decisions that flip", "value": group["churn"]["value"],
                "low": group["churn"]["interval"][0], "high": group["churn"]["interval"][1],
                "sufficient": True, "count": group["count"]} for group in found["groups"]])
            st.altair_chart(charts.group_bars_chart(churn, title="share of decisions that flip (95% interval)"),
                            width="stretch")


st.title("Compare versions")
registry = state.registry()
version = chosen_version(registry)
baseline = other_version(registry, version, "against")
if baseline is None:
    st.info(f"{version.model} has only one version. Train another (`hub train ... --name {version.model}`) or derive "
            f"one (`hub derive {version.ref} ...`) to compare.", icon=":material/info:")
    st.stop()
side_by_side(baseline, version)
recorded_metrics(baseline, version)
ranking_changes(registry, baseline, version)
decisions(baseline, version)
