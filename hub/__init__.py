"""ecohub: an open, plugin-based hub for sharing machine-learning models.

Importing ``hub`` stays cheap on purpose: the command line, plugin listing and every plugin
module import it, so only the pluggy marker lives here. Heavy libraries load inside the code
that uses them.
"""

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("ecohub")
"""Decorator that marks a plugin function as an implementation of an ecohub hook."""

__all__ = ["__version__", "hookimpl"]
