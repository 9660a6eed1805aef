"""Running a plugin's loading code so that it cannot hang a command.

Importing a plugin and calling its listing hooks happen on every ``hub`` command, ``hub --help``
included, so a plugin that sleeps, waits on the network or deadlocks there would hang them all.
Each such call runs in a daemon thread and is given up on after ``HUB_PLUGIN_TIMEOUT`` seconds
(default 10): the plugin is reported as failed and the command goes on without it. The abandoned
thread cannot be stopped, only left behind; it ends with the process.

Training, evaluating and other work a user asked a plugin to do has no such limit: it may
legitimately take hours.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable

from hub.errors import PluginError

TIMEOUT_VARIABLE = "HUB_PLUGIN_TIMEOUT"
DEFAULT_TIMEOUT = 10.0


class PluginTimeout(PluginError):
    """A plugin's loading code did not finish within the time limit."""


def timeout() -> float:
    """The limit in seconds for one plugin import or listing-hook call."""
    raw = os.environ.get(TIMEOUT_VARIABLE, "")
    try:
        seconds = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        raise PluginError(f"{TIMEOUT_VARIABLE}={raw!r} is not a number of seconds.",
                          f"Set it to a positive number such as {DEFAULT_TIMEOUT:g}, or unset it.") from None
    if not seconds > 0:
        raise PluginError(f"{TIMEOUT_VARIABLE}={raw!r} must be a positive number of seconds.")
    return seconds


def call_with_deadline(function: Callable[[], Any], what: str, limit: float) -> Any:
    """``function()``'s result or exception, or :class:`PluginTimeout` after ``limit`` seconds."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:  # handed to the caller, who reports it against the plugin
            outcome["error"] = error

    worker = threading.Thread(target=run, name=f"hub-plugin: {what}", daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        raise PluginTimeout(f"{what} did not finish within {limit:g} s ({TIMEOUT_VARIABLE})")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
