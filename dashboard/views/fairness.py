"""Fairness page: one version's fairness report (the canonical one first), and its mitigations.

``?model=NAME&version=N`` names the version (``&report=ID`` another of its reports), so a
reviewer's view can be shared as a link.
"""

import streamlit as st

from hub.dashboard import fairness, report_choice, state
from hub.dashboard.choosing import chosen_version
from hub.errors import HubError
from hub.registry import Registry, VersionRecord

MITIGATED = "mitigated"


def mitigations(registry: Registry, version: VersionRecord, body: dict) -> None:
    """Versions derived from this one with relation ``mitigated``: their canonical fairness
    numbers beside this version's, and how to make another."""
    st.header("Mitigation runs", anchor="mitigation")
    children = [edge.child for edge in registry.lineage(version.ref).descendants
                if edge.parent == version.ref and edge.relation == MITIGATED]
    for ref in children:
        child = registry.resolve(ref)
        report = next((r for r in report_choice.reports_of_kind(registry, child, "fairness")), None)
        with st.container(border=True):
            st.markdown(f"**{child.ref}** ({child.model_type}, trainer `{child.trainer}`)")
            st.page_link("views/fairness.py", label=f"Open the fairness report of {child.ref}",
                         query_params={"model": child.model, "version": str(child.version)},
                         icon=":material/balance:")
            if report is None:
                st.info(f"{child.ref} has no fairness report yet. Run `hub evaluate {child.ref}`.")
                continue
            st.table(fairness.before_after(body, state.read_report(report), version.ref, child.ref), hide_index=True)
    if not children:
        st.caption(f"No mitigated version of {version.ref} yet.")
    inputs = [column for column in version.config.get("features", [])
              if column in ((body.get("provenance") or {}).get("sensitive_features") or [])]
    st.markdown("Make one from the command line (the column must be a model input, since it decides by group):")
    st.code(f"hub derive {version.ref} --with threshold-optimizer --param sensitive={inputs[0] if inputs else 'COLUMN'}",
            language="bash")
    if not inputs or version.framework != "sklearn":
        st.caption("Here: none of the sensitive columns is a model input of this scikit-learn version, so the "
                   "threshold optimizer cannot run on it." if version.framework == "sklearn" else
                   f"The threshold optimizer handles scikit-learn models; this is a {version.framework} model.")
        return
    with st.form(f"derive-{version.ref}"):
        column = st.selectbox("Sensitive column", inputs)
        constraint = st.selectbox("Constraint", ["demographic_parity", "equalized_odds"])
        run = st.form_submit_button("Derive a mitigated version", icon=":material/tune:")
    if run:
        from hub.jobs.deriving import derive
        from hub.plugins.manager import installed_plugins

        bar = st.progress(0.0, text="Starting")
        try:
            result = derive(installed_plugins(), registry, version.ref, "threshold-optimizer",
                            params={"sensitive": column, "constraint": constraint},
                            progress=lambda message, fraction: bar.progress(min(max(fraction, 0.0), 1.0), text=message))
        except HubError as error:
            state.show_error(error)
        else:
            st.success(f"Registered {result.version.ref}; reload to see it above.", icon=":material/check_circle:")


st.title("Fairness")
registry = state.registry()
version = chosen_version(registry)
st.caption(f"{version.ref} · {version.model_type} · {version.task}")
report = report_choice.chosen_report(registry, version, "fairness")
if report is None:
    st.info(f"{version.ref} has no fairness report. Run `hub evaluate {version.ref}` for the declared evaluation "
            "(its held-out rows and every sensitive column its dataset declares).", icon=":material/info:")
    st.stop()
body = state.read_report(report)
fairness.render(version, body, key=f"report-{report.id}")
st.caption(f"Report #{report.id} `{report.evaluator}` by plugin `{report.plugin}` on {report.dataset}, "
           f"{report.created_at:%Y-%m-%d %H:%M} UTC, sha256 `{report.sha256[:12]}…`")
mitigations(registry, version, body)
