"""The registry's hooks answered by plugins: ``hub_version_registered`` and ``hub_publish_checks``.

The registry knows nothing of plugins (see :mod:`hub.registry.events`); whoever opens it for a
person (the CLI, the dashboard) passes a :class:`PluginRegistryHooks`, then binds the registry to it
so that publish checks can read the reports they judge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.plugins.manager import Plugins
from hub.specs import PublishCheckResult

if TYPE_CHECKING:
    from hub.registry import Registry, VersionRecord


class PluginRegistryHooks:
    """Forwards what the registry tells and asks to the plugins' hooks."""

    def __init__(self, plugins: Plugins, registry: Registry | None = None):
        self.plugins = plugins
        self.registry = registry

    def bind(self, registry: Registry) -> Registry:
        """Give publish checks the registry they guard; returns it, for one-line opening."""
        self.registry = registry
        return registry

    def version_registered(self, version: VersionRecord) -> None:
        self.plugins.notify("hub_version_registered", version=version)

    def publish_checks(self, version: VersionRecord, action: str, target: str) -> list[PublishCheckResult]:
        """Every check's verdict. A check that raises or answers wrongly fails: it cannot vouch."""
        results = []
        for provided in self.plugins.publish_checks(self.registry):
            spec, info = provided.spec, self.plugins.info(provided.plugin)
            try:
                result = spec.check(version, action, target)
            except Exception as exc:  # a broken check blocks, with the reason, instead of crashing
                reason = f"the check raised {type(exc).__name__}: {exc}"
                self.plugins.report(info, "failed", f"publish check '{spec.name}': {reason}", exc)
                result = PublishCheckResult(spec.name, False, f"{reason} (plugin {info.label})")
            if not isinstance(result, PublishCheckResult):
                reason = f"the check returned {type(result).__name__}, expected PublishCheckResult"
                self.plugins.report(info, "failed", f"publish check '{spec.name}': {reason}")
                result = PublishCheckResult(spec.name, False, f"{reason} (plugin {info.label})")
            results.append(result)
        return results


def open_registry(url: str, store: str, plugins: Plugins) -> Registry:
    """A registry wired to the plugins: their storage backends, listeners and publish checks."""
    from hub.registry import Registry

    hooks = PluginRegistryHooks(plugins)
    return hooks.bind(Registry(url, store, hooks=hooks, backends=plugins.storage_backends()))

