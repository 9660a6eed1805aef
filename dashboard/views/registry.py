"""Registry page: every shared model with its latest version, then every version."""

import streamlit as st

from hub.dashboard import frames, state

st.title("Model registry")
models = state.registry().list_models()
if not any(model.versions for model in models):
    state.empty_registry()
    st.stop()

st.caption("Each model's latest version: its license, what it was trained on, and how it scores on held-out rows.")
RATES = {f"Test {frames.metric_label(key)}": st.column_config.NumberColumn(format="%.3f") for key in frames.KEY_METRICS}
st.dataframe(frames.models_frame(models), hide_index=True, column_config=RATES, key="models")

st.subheader("Review a model")
for model in models:
    if model.latest:
        st.page_link(
            "views/model.py",
            label=f"{model.name} v{model.latest.version}: license, metrics, explanation and fairness",
            icon=":material/fact_check:",
            query_params={"model": model.name, "version": str(model.latest.version)},
        )

st.subheader("All versions")
st.dataframe(frames.versions_frame(models), hide_index=True, column_config=RATES, key="versions")
