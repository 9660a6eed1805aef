"""Finding, loading and checking plugins.

Every plugin, first-party or not, arrives through an entry point in the ``ecohub`` group. Each
entry point is loaded on its own and each hook implementation is called on its own, so a plugin
that fails to import, raises, or returns the wrong type is reported by name while every other
plugin keeps working.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import metadata
from typing import Generic, TypeVar

import pluggy

from hub import hookspecs
from hub.errors import UnknownNameError
from hub.specs import DatasetSpec, EvaluatorSpec, ModelSpec, TrainerSpec

ENTRY_POINT_GROUP = "ecohub"

SpecT = TypeVar("SpecT", DatasetSpec, ModelSpec, TrainerSpec, EvaluatorSpec)


@dataclass(frozen=True)
class Provision:
    """What one hook collects: the spec type it must return and the word for one item."""

    hook: str
    spec_type: type
    noun: str


PROVISIONS = {
    "datasets": Provision("hub_datasets", DatasetSpec, "dataset"),
    "models": Provision("hub_models", ModelSpec, "model type"),
    "trainers": Provision("hub_trainers", TrainerSpec, "trainer"),
    "evaluators": Provision("hub_evaluators", EvaluatorSpec, "evaluator"),
}


@dataclass
class PluginInfo:
    """One installed plugin as ``hub plugins list`` shows it."""

    name: str
    package: str
    version: str
    status: str = "ok"
    errors: list[str] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)
    provides: dict[str, list[str]] = field(default_factory=dict)

    def fail(self, status: str, message: str) -> None:
        if self.status == "ok" or status == "failed":
            self.status = status
        self.errors.append(message)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "package": self.package,
            "version": self.version,
            "status": self.status,
            "errors": self.errors,
            "hooks": self.hooks,
            "provides": self.provides,
        }


@dataclass(frozen=True)
class Provided(Generic[SpecT]):
    """A spec together with the plugin that provided it."""

    spec: SpecT
    plugin: str


class Plugins:
    """The loaded plugin set: what each plugin provides, and which ones are broken."""

    def __init__(self, manager: pluggy.PluginManager, infos: dict[str, PluginInfo]):
        self.manager = manager
        self.infos = infos
        self._provided = {kind: self._collect(provision) for kind, provision in PROVISIONS.items()}

    def _collect(self, provision: Provision) -> dict[str, Provided]:
        collected: dict[str, Provided] = {}
        caller = getattr(self.manager.hook, provision.hook)
        for impl in caller.get_hookimpls():
            plugin = self.manager.get_name(impl.plugin)
            info = self.infos[plugin]
            try:
                returned = impl.function()
            except Exception as exc:  # a plugin's bug must not take the hub down
                info.fail("failed", f"{provision.hook} raised {type(exc).__name__}: {exc}")
                continue
            if not isinstance(returned, (list, tuple, type(None))):
                info.fail(
                    "failed",
                    f"{provision.hook} returned {type(returned).__name__}, "
                    f"expected a list of {provision.spec_type.__name__}",
                )
                continue
            for spec in returned or ():
                if not isinstance(spec, provision.spec_type):
                    info.fail(
                        "failed",
                        f"{provision.hook} returned {type(spec).__name__}, "
                        f"expected {provision.spec_type.__name__}",
                    )
                    continue
                if spec.name in collected:
                    owner = collected[spec.name].plugin
                    info.fail(
                        "conflict",
                        f"{provision.noun} '{spec.name}' is already provided by plugin '{owner}'",
                    )
                    continue
                collected[spec.name] = Provided(spec, plugin)
                info.provides.setdefault(provision.noun, []).append(spec.name)
        return collected

    def all(self, kind: str) -> dict[str, Provided]:
        """Every valid spec of one kind (``datasets``, ``models``, ``trainers``, ``evaluators``)."""
        return self._provided[kind]

    def get(self, kind: str, name: str) -> Provided:
        """One spec by name, or an error that lists what exists and which plugins are broken."""
        try:
            return self._provided[kind][name]
        except KeyError:
            known = ", ".join(sorted(self._provided[kind])) or "none"
            broken = [i.name for i in self.infos.values() if i.status != "ok"]
            hint = f"Available: {known}."
            if broken:
                hint += f" Plugins that failed to load: {', '.join(broken)} (see 'hub plugins list')."
            raise UnknownNameError(f"No {PROVISIONS[kind].noun} named '{name}'.", hint) from None

    def version_of(self, plugin: str) -> str:
        """The installed version of a plugin's package ('' for in-memory plugins)."""
        return self.infos[plugin].version

    def trainer_for(self, framework: str) -> Provided[TrainerSpec]:
        for provided in self._provided["trainers"].values():
            if provided.spec.framework == framework:
                return provided
        raise UnknownNameError(
            f"No trainer handles the '{framework}' framework.",
            "Install the plugin that provides it, then check 'hub plugins list'.",
        )


def _hooks_of(manager: pluggy.PluginManager, plugin: object) -> list[str]:
    return sorted(caller.name for caller in manager.get_hookcallers(plugin) or ())


def _new_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager("ecohub")
    manager.add_hookspecs(hookspecs)
    return manager


def load_plugins(entry_points: list[metadata.EntryPoint] | None = None) -> Plugins:
    """Load every ``ecohub`` entry point, each in isolation, and collect what they provide."""
    manager = _new_manager()
    infos: dict[str, PluginInfo] = {}
    if entry_points is None:
        entry_points = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
    for entry_point in entry_points:
        dist = entry_point.dist
        info = PluginInfo(
            name=entry_point.name,
            package=dist.name if dist else "",
            version=dist.version if dist else "",
        )
        infos[info.name] = info
        try:
            module = entry_point.load()
            manager.register(module, name=entry_point.name)
        except Exception as exc:  # an import error in one plugin must not break the others
            info.fail("failed", f"could not load {entry_point.value}: {type(exc).__name__}: {exc}")
            continue
        info.hooks = _hooks_of(manager, module)
    return Plugins(manager, infos)


def register_objects(*named_plugins: tuple[str, object]) -> Plugins:
    """Build a plugin set from in-memory plugin objects only (for tests and embedding)."""
    manager = _new_manager()
    infos: dict[str, PluginInfo] = {}
    for name, plugin in named_plugins:
        manager.register(plugin, name=name)
        infos[name] = PluginInfo(name=name, package="", version="", hooks=_hooks_of(manager, plugin))
    return Plugins(manager, infos)


@functools.cache
def installed_plugins() -> Plugins:
    """The plugins installed in this environment, loaded once per process."""
    return load_plugins()
