"""What every page shares: the registry, opened once per location, and report bodies read once."""

from __future__ import annotations

from typing import Any

import streamlit as st

from hub import config
from hub.errors import HubError
from hub.plugins.events import open_registry
from hub.plugins.manager import installed_plugins
from hub.registry import Registry, ReportRecord


def location() -> config.Location:
    """Where the registry lives: ``HUB_REGISTRY_URL`` / ``HUB_STORE``, as ``hub dashboard`` sets them."""
    return config.resolve()


def registry() -> Registry:
    where = location()
    return _open_registry(where.url, where.store)


@st.cache_resource(show_spinner=False)
def _open_registry(url: str, store: str) -> Registry:
    """The registry wired to the installed plugins, as the CLI opens it: their storage backends,
    listeners and publish checks apply to what the dashboard does too."""
    return open_registry(url, store, installed_plugins())


def read_report(report: ReportRecord) -> dict[str, Any]:
    """A report's JSON body; cached by checksum, since stored bytes never change."""
    where = location()
    return _read_report(where.url, where.store, report.sha256, report)


@st.cache_data(show_spinner=False, max_entries=64)
def _read_report(url: str, store: str, sha256: str, _report: ReportRecord) -> dict[str, Any]:
    return _open_registry(url, store).read_report(_report)


def show_error(error: HubError) -> None:
    """Show a hub error the way the command line does: what was wrong, then what to do."""
    st.error(error.message + (f"\n\n{error.hint}" if error.hint else ""))


def empty_registry() -> None:
    """What an empty registry shows instead of tables: how to put a first model in it."""
    st.info(
        f"The registry at `{location().url}` has no models yet. Run `hub demo` to train and evaluate "
        "an example credit-risk model, or train one on the Train page.",
        icon=":material/info:",
    )
    st.page_link("views/train.py", label="Train a model", icon=":material/model_training:")
