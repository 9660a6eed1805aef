"""The ecohub dashboard. ``hub dashboard`` serves this file with ``streamlit run``."""

import streamlit as st

from hub.dashboard import state

st.set_page_config(page_title="ecohub", page_icon=":material/hub:", layout="wide")

navigation = st.navigation([
    st.Page("views/registry.py", title="Registry", icon=":material/inventory_2:", default=True),
    st.Page("views/model.py", title="Model", icon=":material/fact_check:"),
    st.Page("views/train.py", title="Train", icon=":material/model_training:"),
])
st.sidebar.caption(f"Registry: `{state.location().url}`")
navigation.run()
