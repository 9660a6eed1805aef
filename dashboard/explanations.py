"""The SHAP section: global importance, any explained row's waterfall, token highlights for text,
and the validity panel that says whether to trust them. Used by the Explanations page and the
Model page alike.

The report stores every row it explained (``rows``: SHAP values of every feature) and picked rows
with their feature values and the reason each was picked (``local``; text: ``texts``), per the
shap plugin's README. A row the report does not hold is explained on request, through the same
job as ``hub explain MODEL --row N``, and stored as a new report.
"""

from __future__ import annotations

from html import escape
from typing import Any, Mapping, Sequence

import streamlit as st

from hub.dashboard import charts, frames
from hub.registry import Registry, ReportRecord, VersionRecord

BY_REASON, BY_GROUP, BY_NUMBER = "Most positive / negative / borderline", "Typical row of a group", "Row number"
GROUP_CASE = "typical row of "
POSITIVE_COLOUR, NEGATIVE_COLOUR = (214, 96, 77), (67, 147, 195)


def is_explanation(body: Mapping[str, Any]) -> bool:
    return "global_importance" in body and ("local" in body or "texts" in body)


def badges(body: Mapping[str, Any]) -> list[str]:
    """A Markdown badge saying whether the SHAP values passed their additivity check."""
    if (body.get("additivity") or {}).get("passed"):
        return [":green-badge[:material/verified: SHAP additivity passed]"]
    return [":red-badge[:material/warning: SHAP additivity failed or missing]"]


def render(version: VersionRecord, report: ReportRecord, body: Mapping[str, Any],
           registry: Registry | None = None) -> None:
    """The whole section. With ``registry``, a row the report lacks can be explained on request."""
    space = body.get("output_space", "model output")
    st.header("Explanation (SHAP)", anchor="explanation")
    validity(body)
    importance(body, space)
    if body.get("texts"):
        st.subheader("Which tokens moved each explained text")
        token_highlights(body, version, report)
    else:
        st.subheader("Why the model scored one row as it did")
        local(version, report, body, space, registry)


def importance(body: Mapping[str, Any], space: str) -> None:
    st.subheader("Which features matter overall")
    sample = body.get("sample") or {}
    over = f"{sample['rows']} sampled rows ({sample.get('strategy', 'seeded sample')})" if sample.get("rows") \
        else f"{body.get('rows_explained', '?')} explained rows"
    by_output = body.get("global_importance_by_output") or {}
    if body.get("global_token_importance"):
        st.caption(f"Mean absolute SHAP value of each token (lower-cased) over the explained texts, in {space}.")
        st.altair_chart(charts.importance_chart(body["global_token_importance"], space, key="token"), width="stretch")
        return
    st.caption(
        f"Mean absolute SHAP value of each original feature over {over}, in {space}. Longer bars move the "
        "model's output more, in either direction."
        + (" Summed over classes; the chart below splits it by class." if len(by_output) > 1 else "")
    )
    st.altair_chart(charts.importance_chart(body["global_importance"], space), width="stretch")
    if len(by_output) > 1:
        st.markdown(f"**By class** ({space})")
        st.altair_chart(charts.importance_by_output_chart(by_output, space), width="stretch")


def validity(body: Mapping[str, Any]) -> None:
    """The facts a reviewer needs before trusting the charts: method and why, estimand, additivity
    (which output it compares), background, and whether the ranking survives another background."""
    additivity = body.get("additivity") or {}
    passed = additivity.get("passed")
    error, tolerance = additivity.get("max_abs_error"), additivity.get("tolerance")
    check = (
        f"Additivity check **{'passed' if passed else 'FAILED'}**: base value + contributions reproduce the "
        f"model's output within {error:.2g} (tolerance {tolerance:.2g})"
        if error is not None and tolerance is not None else "No additivity check recorded"
    )
    seeds = body.get("background_seeds") or []
    background = (f"{body.get('background_rows', '?')} background rows"
                  + (f" (two halves, seeds {', '.join(map(str, seeds))})" if seeds else ""))
    note = (
        f"**Explanation validity.** Explainer `{body.get('explainer', '?')}`"
        + (f" ({body['explainer_reason']})" if body.get("explainer_reason") else "")
        + f", estimand `{body.get('estimand', '?')}`, output space {body.get('output_space', '?')}; "
        f"{background}, {body.get('rows_explained', '?')} rows explained, seed {body.get('seed', '?')}. {check}."
    )
    if passed:
        st.success(note, icon=":material/verified:")
    else:
        st.warning(note + " The contributions below may not add up to the model's output; do not rely on them.",
                   icon=":material/warning:")
    if additivity.get("compares"):
        st.caption(f"Additivity compares {additivity['compares']}.")
    stability(body.get("stability") or {})
    libraries = ", ".join(f"{name} {ver}" for name, ver in sorted((body.get("library_versions") or {}).items()))
    details = " · ".join(
        part for part in (libraries, f"{body['runtime_seconds']:.2f} s" if "runtime_seconds" in body else "") if part
    )
    if details:
        st.caption(details)


def stability(found: Mapping[str, Any]) -> None:
    if found.get("note"):
        st.caption(f"Rank stability: {found['note']}")
        return
    if "top_k_agreement" not in found:
        st.caption("No rank stability check recorded.")
        return
    agreement, correlation = found.get("top_k_agreement"), found.get("rank_correlation")
    stable = agreement is not None and agreement >= 0.8 and (correlation is None or correlation >= 0.8)
    text = (f"**Rank stability across background seeds {', '.join(map(str, found.get('background_seeds') or []))}:** "
            f"top-{found.get('top_k')} agreement {agreement:.0%}, rank correlation "
            f"{'—' if correlation is None else f'{correlation:.2f}'} over {found.get('rows', '?')} rows. "
            f"Top features: {', '.join(found.get('top_features') or [])} vs "
            f"{', '.join(found.get('top_features_other_background') or [])}.")
    (st.info if stable else st.warning)(text + ("" if stable else " The ranking depends on the background drawn: "
                                                 "read small differences in importance as ties."),
                                        icon=":material/sync:" if stable else ":material/sync_problem:")


def row_explanation(body: Mapping[str, Any], row: int) -> dict[str, Any] | None:
    """Row ``row``'s explanation: its picked-row entry (with feature values and reason) when there
    is one, else one rebuilt from the stored ``rows`` (SHAP values only); ``None`` when the report
    did not explain it."""
    picked = next((entry for entry in body.get("local") or [] if entry["row"] == row), None)
    if picked is not None:
        return picked
    rows = body.get("rows") or {}
    positions = rows.get("positions") or []
    if row not in positions:
        return None
    index = positions.index(row)
    values = rows["values"][index]
    explained = (rows.get("output") or [None] * len(positions))[index]
    base = (body.get("base_values") or {}).get(str(explained), body.get("base_value", 0.0))
    return {
        "row": row, "case": "in the report's sample", "explained_output": explained,
        "true_label": (rows.get("true_label") or [None] * len(positions))[index],
        "base_value": base, "output": float(base) + sum(float(v) for v in values),
        "contributions": sorted(({"feature": f, "shap": float(v)} for f, v in zip(rows["features"], values)),
                                key=lambda c: abs(c["shap"]), reverse=True),
    }


def local(version: VersionRecord, report: ReportRecord, body: Mapping[str, Any], space: str,
          registry: Registry | None) -> None:
    explained = body.get("local") or []
    if not explained and not body.get("rows"):
        st.info("This report holds no local explanations.")
        return
    key = f"local-{version.model}-{version.version}"
    modes = [BY_REASON, BY_GROUP, BY_NUMBER]
    mode = st.segmented_control("Choose a row", modes, default=BY_REASON, key=f"{key}-mode") or BY_REASON
    if mode == BY_NUMBER:
        total = int((body.get("provenance") or {}).get("rows") or max(
            (body.get("rows") or {}).get("positions") or [e["row"] for e in explained] or [0]) + 1)
        row = st.number_input(f"Row number (0 to {total - 1} of the evaluation rows)", min_value=0,
                              max_value=max(total - 1, 0), value=explained[0]["row"] if explained else 0, step=1,
                              key=f"{key}-number")
        explanation = row_explanation(body, int(row))
        if explanation is None:
            explain_on_request(version, int(row), registry, key)
            return
    else:
        grouped = mode == BY_GROUP
        choices = [entry for entry in explained if entry["case"].startswith(GROUP_CASE) == grouped]
        if not choices:
            st.info("The report picked no rows for this reason." if not grouped else
                    "The report picked no typical rows of groups (its evaluation had no sensitive columns).")
            return
        index = st.selectbox(
            "Explained row", range(len(choices)),
            format_func=lambda i: f"row {choices[i]['row']} · {choices[i]['case']} · score {choices[i]['score']:.2f}",
            key=f"{key}-{'group' if grouped else 'reason'}",
            help="Rows the report picked for a reason; every other explained row is under 'Row number'.",
        )
        explanation = choices[index]
    waterfall(version, explanation, space)


def waterfall(version: VersionRecord, explanation: Mapping[str, Any], space: str) -> None:
    target = version.config.get("target", "the target")
    facts = [f"**Row {explanation['row']}**, picked as *{explanation.get('case', 'requested')}*",
             f"true {target}: **{shown(explanation.get('true_label'))}**"]
    if "predicted" in explanation:
        facts.append(f"predicted **{shown(explanation['predicted'])}** (score {explanation['score']:.3f})")
    facts.append(f"explaining output {explanation.get('explained_output')!r}")
    st.markdown(" · ".join(facts))
    st.caption(
        f"From the base value (the average output over the background rows) each bar adds one feature's "
        f"contribution, ending at this row's output {explanation['output']:.3f} ({space}). Red bars raise the "
        f"output, blue bars lower it."
        + ("" if any("value" in c for c in explanation["contributions"]) else
           " Feature values are stored only for picked rows; `hub explain` with this row records them.")
    )
    chart_column, values_column = st.columns([3, 2])
    with chart_column:
        st.altair_chart(charts.waterfall_chart(explanation, space), width="stretch")
    with values_column:
        table = frames.contributions_frame({"contributions": [{"value": None, **c} for c in explanation["contributions"]]})
        st.dataframe(table, hide_index=True, column_config={"SHAP": st.column_config.NumberColumn(format="%+.3f")})


def shown(value: Any) -> str:
    """A label quoted, a number as a person reads it."""
    return frames.format_value(value) if isinstance(value, (int, float)) else repr(value)


def explain_on_request(version: VersionRecord, row: int, registry: Registry | None, key: str) -> None:
    st.info(f"The report did not explain row {row}. `hub explain {version.ref} --row {row}` explains it and stores "
            "a new report with it" + (", as does the button." if registry else "."), icon=":material/info:")
    if registry is None or not st.button(f"Explain row {row}", key=f"{key}-explain", icon=":material/insights:"):
        return
    from hub.errors import HubError

    with st.spinner(f"Explaining row {row} of {version.ref}…", show_time=True):
        try:
            stored = explain(registry, version, [row])
        except HubError as error:
            from hub.dashboard import state

            state.show_error(error)
            return
    st.session_state["explained-report"] = stored.id
    st.rerun()


def explain(registry: Registry, version: VersionRecord, rows: list[int], evaluator: str = "shap") -> ReportRecord:
    """Explain ``rows`` of the version's evaluation rows and store the report, as ``hub explain
    MODEL --row N`` does."""
    from hub.jobs.evaluation import evaluate
    from hub.plugins.manager import installed_plugins

    (result,) = evaluate(installed_plugins(), registry, version.model, version.version, evaluators=[evaluator],
                         explain_rows=rows)
    return result.report


def token_highlights(body: Mapping[str, Any], version: VersionRecord, report: ReportRecord) -> None:
    """Each explained text with its tokens coloured by attribution (red raises the explained
    class's log-odds, blue lowers it), its reason, group and true label."""
    texts = body["texts"]
    index = st.selectbox(
        "Explained text", range(len(texts)),
        format_func=lambda i: f"row {texts[i]['row']} · {texts[i].get('case', '')} · score {texts[i]['score']:.2f}",
        key=f"text-{version.model}-{version.version}",
    )
    text = texts[index]
    group = ", ".join(f"{column} = {value}" for column, value in (text.get("group") or {}).items()) or "no group columns"
    st.markdown(f"**Row {text['row']}**, picked as *{text.get('case', '')}* · group: {group} · true label "
                f"**{text.get('true_label')!r}** · predicted **{text.get('predicted')!r}** (score {text['score']:.3f}) "
                f"· explaining {text.get('explained_output')!r}")
    st.html(highlighted_html(text.get("tokens") or [], text.get("values") or []))
    st.caption(f"Base value {text['base_value']:.3f} → output {text['output']:.3f} "
               f"({body.get('output_space', 'log-odds')}). Red tokens raise the explained output, blue tokens lower it; "
               "darker means a larger contribution (hover for the value).")
    with st.expander("All explained texts"):
        for entry in texts:
            groups = ", ".join(f"{c} = {v}" for c, v in (entry.get("group") or {}).items())
            st.markdown(f"row {entry['row']} · {entry.get('case', '')}" + (f" · {groups}" if groups else "")
                        + f" · true {entry.get('true_label')!r}")
            st.html(highlighted_html(entry.get("tokens") or [], entry.get("values") or []))


def highlighted_html(tokens: Sequence[str], values: Sequence[float]) -> str:
    """Tokens as escaped HTML spans, each shaded by its SHAP value relative to the largest |value|."""
    largest = max((abs(float(v)) for v in values), default=0.0) or 1.0
    spans = []
    for token, value in zip(tokens, values):
        strength = min(abs(float(value)) / largest, 1.0)
        red, green, blue = POSITIVE_COLOUR if value >= 0 else NEGATIVE_COLOUR
        spans.append(f'<span title="{float(value):+.4f}" style="background: rgba({red}, {green}, {blue}, '
                     f'{0.15 + 0.75 * strength:.2f}); padding: 1px 2px; border-radius: 3px; white-space: pre-wrap">'
                     f"{escape(str(token))}</span>")
    return f'<div style="line-height: 2; font-size: 1rem">{"".join(spans)}</div>'
