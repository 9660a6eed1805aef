"""Which version a page shows, read from its URL so that every page is a permalink.

``?model=NAME&version=N`` names one version exactly. A link keeps meaning what it meant when it
was shared: an unknown model or version says so and stops the page, never shows another one, and a
version number without a model is refused rather than read against whichever model comes first.
The sidebar's choosers write every choice back to the URL (``version`` included, so a copied
link stays on that version after newer ones are registered).
"""

from __future__ import annotations

import streamlit as st

from hub.errors import HubError
from hub.registry import ModelRecord, Registry, VersionRecord


def _refuse(message: str) -> None:
    st.error(message, icon=":material/link_off:")
    st.page_link("views/registry.py", label="Search the registry", icon=":material/search:")
    st.stop()


def _model_names(registry: Registry) -> list[str]:
    return [model.name for model in registry.list_models() if model.versions]


def _requested_model(registry: Registry, names: list[str]) -> ModelRecord:
    name = st.query_params.get("model")
    if name is None:
        if "version" in st.query_params:
            _refuse(f"The link names version {st.query_params['version']} but no model. "
                    "A version number means nothing without its model: add `model=NAME` to the link.")
        name = names[0]
    try:
        model = registry.get_model(name)
    except HubError:
        _refuse(f"There is no model named '{name}' in this registry, or you may not see it. "
                "It may have been renamed or deleted; search the registry for it.")
    if not model.versions:
        _refuse(f"The model '{name}' has no versions yet.")
    return model


def _requested_version(model: ModelRecord, param: str) -> VersionRecord:
    text = st.query_params.get(param)
    if text is None:
        return model.latest
    found = next((v for v in model.versions if text.isdigit() and v.version == int(text)), None)
    if found is None:
        numbers = ", ".join(str(v.version) for v in model.versions)
        _refuse(f"The model '{model.name}' has no version '{text}' (it has {numbers}).")
    return found


def _write_back(**params: str) -> None:
    """Put the choice in the URL and draw the page again for it."""
    for key, value in params.items():
        st.query_params[key] = value
    st.rerun()


def chosen_version(registry: Registry) -> VersionRecord:
    """The version the URL names (the model's latest when the link gives no version), with
    sidebar choosers for another model or version. Stops the page with an explanation when the
    URL names something that does not exist, and with a pointer to training when nothing does."""
    names = _model_names(registry)
    if not names:
        from hub.dashboard import state

        state.empty_registry()
        st.stop()
    model = _requested_model(registry, names)
    version = _requested_version(model, "version")
    if st.query_params.get("model") != model.name or st.query_params.get("version") != str(version.version):
        # Pin what is shown in the URL, so copying it gives a link to exactly this version.
        st.query_params.update(model=model.name, version=str(version.version))

    options = names if model.name in names else [model.name, *names]
    picked_model = st.sidebar.selectbox("Model", options, index=options.index(model.name))
    if picked_model != model.name:
        # Another model starts at its own latest version, not at this one's number.
        _write_back(model=picked_model, version=str(registry.get_model(picked_model).latest.version))
    numbers = [v.version for v in reversed(model.versions)]
    labels = {v.version: f"{v.version}" + (f"  ({', '.join(v.aliases)})" if v.aliases else "") for v in model.versions}
    picked = st.sidebar.selectbox("Version", numbers, index=numbers.index(version.version),
                                  format_func=labels.get,
                                  help="Newest first; aliases in brackets. The URL keeps the choice, so the "
                                       "page can be shared.")
    if picked != version.version:
        _write_back(version=str(picked))
    return version


def other_version(registry: Registry, version: VersionRecord, param: str = "against") -> VersionRecord | None:
    """A second version of the same model for comparisons, named by ``?against=N`` (default: the
    one before ``version``); ``None`` when the model has only one version."""
    model = registry.get_model(version.model)
    others = [v for v in reversed(model.versions) if v.version != version.version]
    if not others:
        return None
    default = next((v for v in others if v.version < version.version), others[0])
    chosen = _requested_version(model, param) if param in st.query_params else default
    numbers = [v.version for v in others]
    picked = st.sidebar.selectbox("Compare with version", numbers,
                                  index=numbers.index(chosen.version) if chosen.version in numbers else 0)
    if picked != chosen.version:
        _write_back(**{param: str(picked)})
    return chosen
