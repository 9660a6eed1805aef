"""What the registry tells the outside world, and asks it, while it works.

The registry knows nothing of plugins; whoever opens it (the CLI, the dashboard, a test) passes an
object with these methods. ``hub.plugins.events.PluginRegistryHooks`` forwards them to plugin hooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from hub.specs import PublishCheckResult

if TYPE_CHECKING:
    from hub.registry.records import VersionRecord


class RegistryHooks(Protocol):
    def version_registered(self, version: "VersionRecord") -> None:
        """Called after a new version's transaction has committed."""

    def publish_checks(self, version: "VersionRecord", action: str, target: str) -> list[PublishCheckResult]:
        """Called before ``action`` ("alias" or "push") to ``target``; any failure blocks it."""


class NoHooks:
    """The hooks of a registry opened without plugins: nothing to tell, nothing that objects."""

    def version_registered(self, version: "VersionRecord") -> None:
        pass

    def publish_checks(self, version: "VersionRecord", action: str, target: str) -> list[PublishCheckResult]:
        return []
