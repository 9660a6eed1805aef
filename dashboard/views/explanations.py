"""Explanations page: one version's SHAP report (the canonical one first): global importance, any
row's waterfall, token highlights for text models, and whether to trust them.

``?model=NAME&version=N`` names the version (``&report=ID`` another of its reports).
"""

import streamlit as st

from hub.dashboard import explanations, report_choice, state
from hub.dashboard.choosing import chosen_version

st.title("Explanations")
registry = state.registry()
version = chosen_version(registry)
st.caption(f"{version.ref} · {version.model_type} · {version.task}")
report = report_choice.chosen_report(registry, version, "explanation",
                                     prefer=st.session_state.pop("explained-report", None))
if report is None:
    st.info(f"{version.ref} has no explanation report. Run `hub evaluate {version.ref} --evaluator shap`, or "
            f"`hub explain {version.ref} --row N` to explain chosen rows.", icon=":material/info:")
    st.stop()
explanations.render(version, report, state.read_report(report), registry)
st.caption(f"Report #{report.id} `{report.evaluator}` by plugin `{report.plugin}` on {report.dataset}, "
           f"{report.created_at:%Y-%m-%d %H:%M} UTC, sha256 `{report.sha256[:12]}…`")
