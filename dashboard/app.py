"""The ecohub dashboard. ``hub dashboard`` serves this file with ``streamlit run``.

Plugins add pages through ``hub_dashboard_pages``; they are listed under their own heading, and a
page that raises shows its plugin's name and the error instead of breaking the dashboard.
"""

from pathlib import Path

import streamlit as st

from hub.dashboard import state
from hub.plugins.manager import installed_plugins

# A favicon shipped with the package: a ":material/..." icon makes every browser fetch it from
# fonts.gstatic.com, and the dashboard must work with no internet.
st.set_page_config(page_title="ecohub", page_icon=Path(__file__).parent / "static" / "favicon.png", layout="wide")


def plugin_page(provided) -> st.Page:
    spec = provided.spec

    def render() -> None:
        try:
            spec.render(state.registry())
        except Exception as error:  # a plugin's page must not take the dashboard down
            st.error(f"The page '{spec.title}' of plugin '{provided.plugin}' failed: {type(error).__name__}: {error}. "
                     "'hub plugins list' shows the plugin's status.")

    return st.Page(render, title=spec.title, icon=spec.icon or None, url_path=spec.name)


# One module per page; a page's file name is its URL path (``/model?model=NAME&version=N``).
pages = [
    st.Page("views/registry.py", title="Registry", icon=":material/inventory_2:", default=True),
    st.Page("views/model.py", title="Model version", icon=":material/fact_check:"),
    st.Page("views/explanations.py", title="Explanations", icon=":material/insights:"),
    st.Page("views/fairness.py", title="Fairness", icon=":material/balance:"),
    st.Page("views/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("views/signoff.py", title="Sign-off", icon=":material/approval:"),
    st.Page("views/train.py", title="Train", icon=":material/model_training:"),
    st.Page("views/plugins.py", title="Plugins", icon=":material/extension:"),
]
from_plugins = [plugin_page(provided) for provided in installed_plugins().all("dashboard_pages").values()]
navigation = st.navigation({"Review": pages, "From plugins": from_plugins} if from_plugins else pages)
st.sidebar.caption(f"Registry: `{state.location().url}`")
navigation.run()
