"""Model page: one version's license, lineage and metrics, then its explanation and fairness reports.

``?model=NAME&version=N`` in the URL selects the version, so a review can be shared as a link.
"""

import json

import streamlit as st

from hub.registry import licenses
from hub.dashboard import explanations, fairness, frames, state

registry = state.registry()
models = {model.name: model for model in registry.list_models() if model.versions}
if not models:
    st.title("Model")
    state.empty_registry()
    st.stop()


def newest_version() -> None:
    """A different model starts at its own latest version, not at the previous model's number."""
    st.session_state["version"] = models[st.session_state["model"]].latest.version


name = st.sidebar.selectbox("Model", list(models), key="model", bind="query-params", on_change=newest_version)
model = models[name]
numbers = [v.version for v in reversed(model.versions)]
number = st.sidebar.selectbox("Version", numbers, key="version", bind="query-params",
                                  help="Newest first. The URL keeps the choice, so the page can be shared.")
version = next(v for v in model.versions if v.version == number)

st.title(f"{version.model} v{version.version}")
st.caption(
    f"{model.description or version.model_type} · {version.task} · registered "
    f"{version.created_at:%Y-%m-%d %H:%M} UTC · {len(model.versions)} version(s)"
)

# The canonical report of each evaluator heads the page (verdicts read only those); an evaluator
# with no canonical report yet shows its newest one.
reports = {**registry.latest_reports(version), **registry.canonical_reports(version)}
bodies = {evaluator: state.read_report(report) for evaluator, report in reports.items()}
verdicts = [badge for body in bodies.values() for badge in (
    explanations.badges(body) if explanations.is_explanation(body) else
    fairness.badges(body) if fairness.is_fairness(body) else []
)]
if verdicts:
    st.markdown("**At a glance:** " + " ".join(verdicts))

license_column, lineage_column = st.columns(2)
with license_column:
    license_name = licenses.describe(version.license)
    st.metric("License", version.license, help=license_name)
    st.markdown(f"**{license_name}**. Why this license:")
    st.markdown("\n".join(f"- {reason}" for reason in version.license_reasons) or "- no reasons recorded")
with lineage_column:
    st.metric("Trained on", frames.trained_on(version))
    split = version.config.get("split", {})
    lines = [
        f"- **{use.dataset}** ({use.role}) from plugin `{use.plugin}`: {use.rows} rows, license {use.license}, "
        f"data sha256 `{use.sha256[:12]}…`"
        for use in version.datasets
    ]
    if split:
        lines.append(f"- split: {split.get('method', '?')}, {split.get('train_rows', '?')} training rows, "
                     f"{split.get('test_rows', '?')} held out (seed {version.config.get('seed', '?')})")
    lines.append(f"- {version.model_type} ({version.framework}), fitted by trainer `{version.trainer}`")
    st.markdown("\n".join(lines))

with st.expander("Configuration and files"):
    st.json(version.config, expanded=1)
    st.dataframe([file.as_dict() for file in version.files], hide_index=True)

st.header("Metrics")
test = version.metrics.get("test", {})
if test:
    tiles, table = st.columns(2)
    for column, key in zip(tiles.columns(len(frames.KEY_METRICS)), frames.KEY_METRICS):
        if key in test:
            column.metric(f"Held-out {frames.metric_label(key)}", f"{test[key]:.3f}")
    tiles.caption("On the held-out split. A much better score on the training split (right) means overfitting.")
    table.dataframe(frames.metrics_frame(version.metrics), column_config={
        split: st.column_config.NumberColumn(format="%.3f") for split in version.metrics
    })
else:
    st.info("No metrics were recorded for this version.")



def section_order(evaluator: str) -> int:
    """Explanation first, then fairness, then anything else, whatever order the evaluators ran in."""
    body = bodies[evaluator]
    return 0 if explanations.is_explanation(body) else 1 if fairness.is_fairness(body) else 2


if not reports:
    st.info(
        f"No reports yet. Run `hub evaluate {version.ref}` to add SHAP and fairness reports.",
        icon=":material/info:",
    )
for evaluator in sorted(reports, key=section_order):
    report, body = reports[evaluator], bodies[evaluator]
    if explanations.is_explanation(body):
        explanations.render(version, report, body)
    elif fairness.is_fairness(body):
        fairness.render(version, body)
    else:
        st.header(f"Report: {evaluator}")
        st.json(body, expanded=1)
    st.caption(
        f"Report `{evaluator}` ({report.kind}) by plugin `{report.plugin}` on {report.dataset}, "
        f"{report.created_at:%Y-%m-%d %H:%M} UTC, sha256 `{report.sha256[:12]}…`"
    )
    st.download_button(
        "Download report JSON", json.dumps(body, indent=2, sort_keys=True),
        file_name=f"{version.model}-v{version.version}-{evaluator}.json", mime="application/json",
        key=f"download-{report.id}", icon=":material/download:",
    )
