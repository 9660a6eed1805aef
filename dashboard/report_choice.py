"""Which of a version's reports of one kind a page shows: the canonical one first, any other on request.

A version can hold many reports of a kind (other columns, other bins, other data, reports that
arrived with an import). Only the canonical one decides a verdict (``docs/gates.md``), so it is
the default and every other report is labelled with its role and as deciding nothing.
"""

from __future__ import annotations

import streamlit as st

from hub.registry import Registry, ReportRecord, VersionRecord

ROLE_NOTES = {
    "canonical": "canonical: decides verdicts",
    "additional": "additional: other columns, bins or data; decides nothing",
    "overlap": "overlap: includes training rows; decides nothing",
    "imported": "imported: from another hub; decides nothing unless the policy accepts imports",
    "legacy": "legacy: stored before reports were keyed; decides nothing",
}


def label(report: ReportRecord) -> str:
    columns = ", ".join(report.sensitive) or "no sensitive columns"
    return (f"#{report.id} · {ROLE_NOTES.get(report.role, report.role)} · {report.dataset} · {columns} · "
            f"{report.created_at:%Y-%m-%d %H:%M} UTC")


def reports_of_kind(registry: Registry, version: VersionRecord, kind: str) -> list[ReportRecord]:
    """The version's reports of ``kind``: its canonical one first, then the others newest first."""
    canonical = {report.id for report in registry.canonical_reports(version).values() if report.kind == kind}
    found = [report for report in version.reports if report.kind == kind]
    return sorted(found, key=lambda report: (report.id not in canonical, -report.id))


def chosen_report(registry: Registry, version: VersionRecord, kind: str, *, prefer: int | None = None
                  ) -> ReportRecord | None:
    """A selectbox of the version's reports of ``kind`` (canonical first), ``?report=ID`` in the URL
    keeping the choice; ``prefer`` picks a report just stored. ``None`` when there is none."""
    found = reports_of_kind(registry, version, kind)
    if not found:
        return None
    ids = [report.id for report in found]
    asked = st.query_params.get("report")
    start = prefer if prefer in ids else int(asked) if asked and asked.isdigit() and int(asked) in ids else ids[0]
    by_id = {report.id: report for report in found}
    key = f"report-{version.model}-{version.version}-{kind}"
    if prefer in ids:
        st.session_state[key] = prefer
    picked = st.selectbox("Report", ids, index=ids.index(start), format_func=lambda i: label(by_id[i]), key=key,
                          help="The canonical report (the version's declared evaluation) decides verdicts; the "
                               "others are shown for reading only.")
    if picked != ids[0] or "report" in st.query_params:
        st.query_params["report"] = str(picked)
    chosen = by_id[picked]
    if chosen.role != "canonical":
        st.warning(f"This is not the canonical report: {ROLE_NOTES.get(chosen.role, chosen.role)}. Gates and "
                   "verdicts read the canonical report only.", icon=":material/info:")
    return chosen
