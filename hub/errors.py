"""Every error ecohub reports to a person.

Each carries a message that says what was wrong and, where one exists, a hint saying what to do.
The command line prints both and exits 1 instead of showing a traceback.
"""

from __future__ import annotations


class HubError(Exception):
    """Base class: an error with a plain-words message and an optional hint."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class UnknownNameError(HubError):
    """A dataset, model type, trainer, evaluator or registered model that does not exist."""


class PluginError(HubError):
    """A plugin failed to load, raised inside a hook, or returned something invalid."""


class DatasetUnavailableError(HubError):
    """A dataset is declared but its data cannot be read on this machine."""


class LicenseError(HubError):
    """An unknown or unusable license id."""


class InvalidNameError(HubError):
    """A model name that cannot be stored (empty, too long, path-like)."""


class IntegrityError(HubError):
    """Stored bytes no longer match the checksum recorded when they were written."""


class UnsafeArtifactError(HubError):
    """A model file that would run untrusted code when loaded."""


class EvaluationError(HubError):
    """An evaluation that cannot run as asked (wrong columns, unsupported model)."""
