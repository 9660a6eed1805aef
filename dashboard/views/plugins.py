"""Plugins page: what is installed and whether it loaded, the catalog, installing, enabling and disabling.

It does what ``hub plugins list|search|install|enable|disable`` do, through the same functions
(``hub.plugins.catalog``, ``installer``, ``selection``), so the lock file, the sha256 check of
catalog installs and the config file are the same whichever way a plugin was installed or switched.
Every change asks for confirmation first, and takes effect in this dashboard at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from hub.dashboard import state

from hub.errors import HubError
from hub.plugins.manager import installed_plugins

PENDING = "plugins-pending"
DONE = "plugins-done"


@dataclass(frozen=True)
class Change:
    """A change waiting for its confirmation: what it will do, and how."""

    question: str
    action: str  # "install", "install-verified", "enable" or "disable"
    target: str
    sha256: str = ""
    index: str = ""
    requested: str = ""


def provides(provided: dict[str, list[str]]) -> str:
    return "; ".join(f"{noun}: {', '.join(names)}" for noun, names in provided.items())


def reload_plugins() -> None:
    """Load the plugin set again, and the registry with it (its listeners and backends come from plugins)."""
    installed_plugins.cache_clear()
    st.cache_resource.clear()


def apply(change: Change) -> str:
    """Do a confirmed change; returns what was done, for the page to say."""
    from hub.plugins import installer
    from hub.plugins.selection import set_disabled

    if change.action in ("enable", "disable"):
        set_disabled(change.target, change.action == "disable")
        reload_plugins()
        return (f"Plugin '{change.target}' {change.action}d. It applies in this dashboard now and to every "
                "'hub' command from the next one on.")
    with st.spinner(f"Installing {change.requested or change.target} with pip", show_time=True):
        if change.action == "install-verified":
            recorded = installer.install_verified(change.target, change.sha256, index=change.index,
                                                  requested=change.requested)
        else:
            recorded = installer.install([change.target])
    reload_plugins()
    if not recorded:
        return (f"Nothing new was installed from {change.target}: it is installed already, or it provides no "
                "ecohub plugin.")
    names = ", ".join(f"{entry.package} {entry.version} ({', '.join(entry.plugins)})" for entry in recorded)
    return f"Installed {names}; recorded in {installer.lock_path()}. Its status is in the table above."


def confirmation() -> None:
    """The change waiting for a yes or no, if any."""
    change: Change | None = st.session_state.get(PENDING)
    if change is None:
        return
    with st.container(border=True):
        st.warning(change.question, icon=":material/help:")
        yes, no = st.columns([1, 6])
        if yes.button("Confirm", type="primary", key="plugins-confirm"):
            st.session_state.pop(PENDING)
            try:
                st.session_state[DONE] = apply(change)
            except HubError as error:
                st.session_state[DONE] = error
            st.rerun()
        if no.button("Cancel", key="plugins-cancel"):
            st.session_state.pop(PENDING)
            st.rerun()


def ask(change: Change) -> None:
    st.session_state[PENDING] = change
    st.session_state.pop(DONE, None)
    st.rerun()


def installed() -> None:
    infos = sorted(installed_plugins().infos.values(), key=lambda info: info.name)
    st.dataframe([
        {"Plugin": info.name, "Status": info.status, "Provides": provides(info.provides),
         "Errors": " | ".join(info.errors), "Version": info.version, "Package": info.package,
         "Hooks": ", ".join(info.hooks)}
        for info in infos
    ], hide_index=True, key="installed-plugins",
        column_config={"Provides": st.column_config.TextColumn(width="large"),
                       "Errors": st.column_config.TextColumn(width="medium")})
    for info in infos:
        if info.status not in ("ok", "disabled"):
            st.error(f"**{info.name}** ({info.package or 'no package'}) {info.status}: {' | '.join(info.errors)}. "
                     f"Disable it below, or fix or uninstall its package.", icon=":material/extension_off:")
    if not infos:
        st.info("No plugin is installed. Install one from the catalog below.", icon=":material/extension:")
        return
    names = [info.name for info in infos]
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    name = left.selectbox("Plugin", names, key="plugins-switch")
    info = next(info for info in infos if info.name == name)
    off = info.status == "disabled"
    if right.button("Enable" if off else "Disable", icon=":material/toggle_on:" if off else ":material/toggle_off:",
                    key="plugins-toggle"):
        what = "enable" if off else "disable"
        consequence = ("its datasets, model types, evaluators and pages come back" if off else
                       "what it provides disappears from the dashboard and the command line until it is enabled "
                       "again; it stays installed")
        ask(Change(f"{what.capitalize()} the plugin '{name}'? {consequence[0].upper()}{consequence[1:]}.",
                   what, name))
    if off and info.errors:
        st.caption(f"'{name}' is off because: {' | '.join(info.errors)}")


def catalog() -> None:
    from hub.plugins.catalog import index_location, load_index
    from hub.plugins.installer import canonical, plugin_distributions

    st.header("Find and install plugins")
    term = st.text_input("Search the plugin index", placeholder="a name, a hook or what it provides (dataset names…)",
                         key="plugins-search")
    try:
        index = load_index(index_location())
    except HubError as error:
        state.show_error(error)
        return
    have = {name: dist.version for name, dist in plugin_distributions().items()}
    found = index.search(term.strip())
    st.caption(f"{len(found)} of {len(index.entries)} plugins in `{index.location}` "
               "(set HUB_PLUGIN_INDEX to use your organisation's index).")
    st.dataframe([
        {"Plugin": e.name, "Version": e.version, "Installed": have.get(canonical(e.package), ""),
         "Summary": e.summary, "Provides": provides(e.provides), "License": e.license, "Verified": e.verified,
         "Package": e.package}
        for e in found
    ], hide_index=True, key="catalog", column_config={"Summary": st.column_config.TextColumn(width="large")})
    if found:
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        chosen = left.selectbox("Plugin to install", [e.name for e in found], key="plugins-install-choice")
        entry = index.find(chosen)
        if right.button("Install…", icon=":material/download:", key="plugins-install"):
            ask(Change(f"Install {entry.package} {entry.version} from the plugin index {index.location}? pip installs "
                       f"it only if its sha256 is {entry.sha256}, as the index lists, then its dependencies. "
                       "Its code runs in this dashboard and in every 'hub' command.",
                       "install-verified", index.requirement(entry), sha256=entry.sha256, index=index.location,
                       requested=entry.name))
    with st.form("plugins-install-other", border=False):
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        spec = left.text_input("Or install a package name, path, wheel or URL",
                               placeholder="ecohub-my-plugin, ./my-plugin, dist/my_plugin-0.1-py3-none-any.whl")
        if right.form_submit_button("Install…", icon=":material/download:") and spec.strip():
            ask(Change(f"Install '{spec.strip()}' with pip? It is not checked against the plugin index: install only "
                       "what you trust, since its code runs in this dashboard and in every 'hub' command.",
                       "install", spec.strip()))


st.title("Plugins")
st.caption("Plugins provide datasets, model types, trainers, evaluators, storage and pages. The same list as "
           "`hub plugins list`.")
done = st.session_state.get(DONE)
if isinstance(done, HubError):
    state.show_error(done)
elif done:
    st.success(done, icon=":material/check_circle:")
confirmation()
installed()
catalog()
