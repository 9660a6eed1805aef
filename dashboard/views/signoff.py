"""Sign-off page: a reviewer reads a version's reports and gates, then approves or rejects it.

The decision is recorded with the sha256 of every report listed here (:meth:`Registry.sign_off`),
so a gate requiring ``signoff: approved`` knows whether the reports approved are still the
version's current canonical ones. ``?model=NAME&version=N`` names the version.
"""

import pandas as pd
import streamlit as st

from hub.dashboard import state
from hub.dashboard.choosing import chosen_version
from hub.errors import HubError
from hub.registry import audit, signoff

GATE_ALIAS = "production"
RECORDED = "signoff-recorded"

registry = state.registry()
version = chosen_version(registry)
st.title(f"Sign-off: {version.ref}")
if recorded := st.session_state.pop(RECORDED, None):
    st.success(recorded, icon=":material/check_circle:")
st.page_link("views/model.py", label=f"Back to {version.ref}", icon=":material/fact_check:",
             query_params={"model": version.model, "version": str(version.version)})

canonical = registry.canonical_reports(version)
shown = registry.reviewed_reports(version)
st.header("Reports you are signing off")
if shown:
    st.dataframe(pd.DataFrame([{
        "Evaluator": evaluator, "Kind": report.kind, "Role": report.role, "Dataset": report.dataset,
        "Created": f"{report.created_at:%Y-%m-%d %H:%M} UTC", "Report": report.id, "sha256": report.sha256,
    } for evaluator, report in sorted(shown.items())]), hide_index=True, key="reports")
    st.caption("The canonical report of each evaluator, else its newest. Your decision records each one's sha256; "
               "a later canonical evaluation makes an approval stale.")
else:
    st.warning(f"{version.ref} has no reports: run `hub evaluate {version.ref}` before approving it.",
               icon=":material/warning:")

st.header(f"Gates for `{GATE_ALIAS}`")
scope, _ = registry.gate_policy(version.model)
results = registry.gate(version, "alias", GATE_ALIAS)
if results:
    st.dataframe(pd.DataFrame([{"Gate": r.gate, "Requirement": r.requirement, "Verdict": r.status,
                                "Detail": r.detail} for r in results]), hide_index=True, key="gates")
    st.caption(f"Policy: {scope} ('hub gates show {version.model}').")
else:
    st.caption(f"No gate of the {scope} policy guards `{GATE_ALIAS}`.")

st.header("Your decision")
with st.form("decision", clear_on_submit=True):
    decision = st.radio("Decision", signoff.DECISIONS, format_func=str.capitalize, horizontal=True)
    comment = st.text_area("Comment", max_chars=signoff.MAX_COMMENT,
                           help="Required to reject: say what must change.")
    reviewer = st.text_input("Reviewer", value=audit.current_actor(), max_chars=signoff.MAX_ACTOR,
                             help="Defaults to HUB_USER, else your login name.")
    submitted = st.form_submit_button("Record decision", type="primary")
if submitted:
    try:
        decided = registry.sign_off(version.ref, decision, comment, reports_seen=[r.sha256 for r in shown.values()],
                                    actor=reviewer.strip() or None)
    except HubError as error:
        state.show_error(error)
    else:
        # Drawn again so the gates above judge the new decision; the confirmation survives the rerun.
        st.session_state[RECORDED] = (f"Recorded: {decided.actor} {'approved' if decided.approved else 'rejected'} "
                                      f"{version.ref}, having read {len(decided.reports)} report(s).")
        st.rerun()

st.header("History")
history = registry.sign_offs(version)
if history:
    st.dataframe(pd.DataFrame([{
        "When": f"{d.at:%Y-%m-%d %H:%M:%S} UTC", "Reviewer": d.actor, "Decision": d.decision, "Comment": d.comment,
        "Reports read": ", ".join(f"{r.evaluator} {r.sha256[:12]}" for r in d.reports),
        "Still current": "yes" if not signoff.unseen(d, canonical) else "no: evaluated since",
    } for d in history]), hide_index=True, key="history")
else:
    st.caption("No decision yet.")
