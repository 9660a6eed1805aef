"""ecohub: an open, plugin-based hub for sharing machine-learning models.

Importing ``hub`` stays cheap on purpose: the command line, plugin listing and every plugin
module import it, so only the pluggy marker lives here. Heavy libraries load inside the code
that uses them.
"""

import pluggy

__version__ = "0.1.0"

PLUGIN_API_VERSION = "1.2"
"""The version of the hook interface. A plugin declares the range it supports as
``HUB_PLUGIN_API = ">=1,<2"``; a minor bump adds hooks or spec fields, a major bump breaks some."""

hookimpl = pluggy.HookimplMarker("ecohub")
"""Decorator that marks a plugin function as an implementation of an ecohub hook."""

__all__ = ["PLUGIN_API_VERSION", "__version__", "hookimpl"]


def __getattr__(name: str):
    """``hub.Registry``, imported on first use, so ``import hub`` loads no database library."""
    if name == "Registry":
        from hub.registry import Registry

        return Registry
    raise AttributeError(f"module 'hub' has no attribute {name!r}")
