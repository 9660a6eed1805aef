"""The SHAP section of the model page: global importance, one row's waterfall, and whether to trust them."""

from __future__ import annotations

from typing import Any, Mapping

import streamlit as st

from hub.dashboard import charts, frames
from hub.registry import ReportRecord, VersionRecord


def is_explanation(body: Mapping[str, Any]) -> bool:
    return "global_importance" in body and "local" in body


def badges(body: Mapping[str, Any]) -> list[str]:
    """A Markdown badge saying whether the SHAP values passed their additivity check."""
    if (body.get("additivity") or {}).get("passed"):
        return [":green-badge[:material/verified: SHAP additivity passed]"]
    return [":red-badge[:material/warning: SHAP additivity failed or missing]"]


def render(version: VersionRecord, report: ReportRecord, body: Mapping[str, Any]) -> None:
    space = body.get("output_space", "model output")
    st.header("Explanation (SHAP)", anchor="explanation")
    validity(body)

    st.subheader("Which features matter overall")
    st.caption(
        f"Mean absolute SHAP value of each original feature over {body.get('rows_explained', '?')} "
        f"explained rows, in {space}. Longer bars move the model's output more, in either direction."
    )
    st.altair_chart(charts.importance_chart(body["global_importance"], space), width="stretch")

    st.subheader("Why the model scored one row as it did")
    local(version, report, body, space)


def validity(body: Mapping[str, Any]) -> None:
    """The facts a reviewer needs before trusting the charts: method, estimand, additivity."""
    additivity = body.get("additivity") or {}
    passed = additivity.get("passed")
    error, tolerance = additivity.get("max_abs_error"), additivity.get("tolerance")
    check = (
        f"additivity check **{'passed' if passed else 'FAILED'}**: base value + contributions reproduce the "
        f"model's output within {error:.2g} (tolerance {tolerance:.2g})"
        if error is not None and tolerance is not None else "no additivity check recorded"
    )
    libraries = ", ".join(f"{name} {ver}" for name, ver in sorted((body.get("library_versions") or {}).items()))
    note = (
        f"**Explanation validity.** Explainer `{body.get('explainer', '?')}`, estimand "
        f"`{body.get('estimand', '?')}`, output space {body.get('output_space', '?')}; "
        f"{body.get('background_rows', '?')} background rows, {body.get('rows_explained', '?')} rows explained, "
        f"seed {body.get('seed', '?')}. {check[0].upper() + check[1:]}."
    )
    details = " · ".join(
        part for part in (libraries, f"{body['runtime_seconds']:.2f} s" if "runtime_seconds" in body else "") if part
    )
    if passed:
        st.success(note, icon=":material/verified:")
    else:
        st.warning(note + " The contributions below may not add up to the model's output; do not rely on them.",
                   icon=":material/warning:")
    if details:
        st.caption(details)


def local(version: VersionRecord, report: ReportRecord, body: Mapping[str, Any], space: str) -> None:
    explained = body.get("local") or []
    if not explained:
        st.info("This report holds no local explanations.")
        return
    target = version.config.get("target", "the target")
    positive = version.config.get("positive_label", "positive")
    index = st.selectbox(
        "Explained row",
        range(len(explained)),
        format_func=lambda i: f"row {explained[i]['row']} · score {explained[i]['score']:.2f}",
        key=f"local-row-{report.id}",
        help="Rows of the evaluation split that the report explains one by one.",
    )
    explanation = explained[index]
    st.caption(
        f"From the base value (the average output over the background rows) each bar adds one feature's "
        f"contribution, ending at this row's output {explanation['output']:.3f} ({space}), i.e. a score of "
        f"{explanation['score']:.2f} that {target} is {positive!r}. Red bars push towards {positive!r}, blue away."
    )
    chart_column, values_column = st.columns([3, 2])
    with chart_column:
        st.altair_chart(charts.waterfall_chart(explanation, space), width="stretch")
    with values_column:
        st.dataframe(
            frames.contributions_frame(explanation),
            hide_index=True,
            column_config={"SHAP": st.column_config.NumberColumn(format="%+.3f")},
        )
