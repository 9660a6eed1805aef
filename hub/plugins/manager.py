"""Finding, loading and checking plugins.

Every plugin, first-party or not, arrives through an entry point in the ``ecohub`` group. Each
entry point is loaded on its own and each hook implementation is called on its own, so a plugin
that fails to import, declares a plugin API this hub does not provide, misnames a hook, raises,
hangs (:mod:`hub.plugins.isolation`) or returns the wrong type is reported by name while every other
plugin keeps working.
``HUB_STRICT_PLUGINS=1`` turns each of those reports into an exception, for plugin authors.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import logging
import os
import types
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Callable, Generic, Iterable, TypeVar

import pluggy

from hub import PLUGIN_API_VERSION, __version__
from hub.plugins import hookspecs
from hub.plugins import isolation
from hub.plugins.isolation import PluginTimeout, call_with_deadline
from hub.errors import PluginError, UnknownNameError
from hub.plugins.selection import Selection
from hub.specs import (
    BaseModelSpec,
    CommandSpec,
    DashboardPageSpec,
    DatasetSpec,
    DeriverSpec,
    EvaluatorSpec,
    ModelSpec,
    PublishCheckSpec,
    StorageBackendSpec,
    TrainerSpec,
)

ENTRY_POINT_GROUP = "ecohub"
API_ATTRIBUTE = "HUB_PLUGIN_API"

log = logging.getLogger(__name__)

SpecT = TypeVar("SpecT")


def _builtin_commands() -> Iterable[str]:
    from hub.commands.builtin import COMMANDS

    return COMMANDS


@dataclass(frozen=True)
class Provision:
    """What one provider hook collects: its spec type, the word for one item, its unique key."""

    hook: str
    spec_type: type
    noun: str
    key: str = "name"
    reserved: Callable[[], Iterable[str]] = tuple
    """Names the core itself uses, which no plugin may take."""


PROVISIONS = {
    "datasets": Provision("hub_datasets", DatasetSpec, "dataset"),
    "models": Provision("hub_models", ModelSpec, "model type"),
    "trainers": Provision("hub_trainers", TrainerSpec, "trainer"),
    "evaluators": Provision("hub_evaluators", EvaluatorSpec, "evaluator"),
    "derivers": Provision("hub_derivers", DeriverSpec, "deriver"),
    "base_models": Provision("hub_base_models", BaseModelSpec, "base model"),
    "commands": Provision("hub_commands", CommandSpec, "command", reserved=_builtin_commands),
    "dashboard_pages": Provision("hub_dashboard_pages", DashboardPageSpec, "dashboard page"),
    "publish_checks": Provision("hub_publish_checks", PublishCheckSpec, "publish check"),
    "storage_backends": Provision("hub_storage_backends", StorageBackendSpec, "storage scheme", key="scheme"),
}

EVENTS = ("hub_version_registered", "hub_before_training", "hub_after_training", "hub_after_evaluation")


def strict() -> bool:
    """``HUB_STRICT_PLUGINS=1``: raise on the first plugin fault instead of reporting it."""
    return os.environ.get("HUB_STRICT_PLUGINS", "") not in ("", "0")


@dataclass
class PluginInfo:
    """One installed plugin as ``hub plugins list`` shows it.

    ``status`` is ``ok``, ``failed``, ``conflict``, ``incompatible`` or ``disabled``; ``errors``
    says why, newest last.
    """

    name: str
    package: str
    version: str
    status: str = "ok"
    errors: list[str] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)
    provides: dict[str, list[str]] = field(default_factory=dict)
    plugin_api: str = ""

    def fail(self, status: str, message: str) -> None:
        if self.status == "ok" or status == "failed":
            self.status = status
        if message not in self.errors:
            self.errors.append(message)

    @property
    def label(self) -> str:
        """How messages name the plugin: its name and, where known, its package."""
        return f"'{self.name}'" + (f" (package {self.package} {self.version})" if self.package else "")

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "package": self.package,
            "version": self.version,
            "status": self.status,
            "errors": self.errors,
            "hooks": self.hooks,
            "provides": self.provides,
            "plugin_api": self.plugin_api,
        }


@dataclass(frozen=True)
class Provided(Generic[SpecT]):
    """A spec together with the plugin that provided it."""

    spec: SpecT
    plugin: str


def api_problem(declared: Any) -> str | None:
    """Why a plugin declaring this ``HUB_PLUGIN_API`` range cannot load here, or None."""
    if declared is None:
        return None
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        supported = SpecifierSet(str(declared))
    except InvalidSpecifier:
        return f"declares {API_ATTRIBUTE} = {declared!r}, which is not a version range such as '>=1,<2'"
    if supported.contains(PLUGIN_API_VERSION, prereleases=True):
        return None
    major = PLUGIN_API_VERSION.split(".")[0]
    return (
        f"supports plugin API {declared}, but ecohub {__version__} provides plugin API {PLUGIN_API_VERSION}: "
        f"install a release of the plugin made for plugin API {major}, or an ecohub that provides {declared}"
    )


def _required_arguments(function: Callable) -> list[str]:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return []
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in parameters if p.default is p.empty and p.kind in positional]


def validation_problems(manager: pluggy.PluginManager, plugin: object) -> list[str]:
    """pluggy's checks, in plain words: every hook must exist and take only arguments it is given."""
    known = sorted(name for name in vars(manager.hook) if not name.startswith("_"))
    problems = []
    for attribute in dir(plugin):
        options = manager.parse_hookimpl_opts(plugin, attribute)
        if options is None:
            continue
        hook = options.get("specname") or attribute
        caller = getattr(manager.hook, hook, None)
        if caller is None or not caller.has_spec():
            close = difflib.get_close_matches(hook, known, n=1)
            problems.append(f"{hook} is not an ecohub hook" + (f" (did you mean {close[0]}?)" if close else ""))
            continue
        given = caller.spec.argnames
        for argument in _required_arguments(getattr(plugin, attribute)):
            if argument not in given:
                offered = ", ".join(given) or "no arguments"
                problems.append(f"{hook} takes an argument '{argument}' that the hook does not pass "
                                f"(it passes: {offered})")
    return problems


class Plugins:
    """The loaded plugin set: what each plugin provides, and which ones are broken.

    What a provider hook returns is collected on first use, so ``hub --help`` calls
    ``hub_commands`` and nothing else.
    """

    def __init__(self, manager: pluggy.PluginManager, infos: dict[str, PluginInfo],
                 timeout: float = isolation.DEFAULT_TIMEOUT):
        self.manager = manager
        self._infos = infos
        self.timeout = timeout
        """Seconds one plugin import, listing-hook or event-hook call may take."""
        self._provided: dict[str, dict[str, Provided]] = {}

    @property
    def infos(self) -> dict[str, PluginInfo]:
        """Every plugin with its final status: all provider hooks are called first."""
        for kind in PROVISIONS:
            self.all(kind)
        return self._infos

    def info(self, name: str) -> PluginInfo:
        """One plugin's record as it stands, without calling any hook to complete it."""
        return self._infos[name]

    def report(self, info: PluginInfo, status: str, message: str, error: BaseException | None = None) -> None:
        """Record a plugin's fault; under ``HUB_STRICT_PLUGINS=1`` raise it instead."""
        if strict():
            if error is not None:
                raise error
            raise PluginError(f"Plugin {info.label}: {message}.")
        info.fail(status, message)

    def register(self, plugin: object, name: str, package: str = "", version: str = "") -> PluginInfo:
        """Add one plugin object. One that cannot load is recorded with its reason (or, under
        ``HUB_STRICT_PLUGINS=1``, raised); reusing a plugin name is a programming error."""
        if name in self._infos:
            raise ValueError(f"A plugin named '{name}' is already in this plugin set.")
        info = PluginInfo(name=name, package=package, version=version)
        self._infos[name] = info
        self._provided.clear()
        declared = getattr(plugin, API_ATTRIBUTE, None)
        info.plugin_api = "" if declared is None else str(declared)
        problem = api_problem(declared)
        if problem:
            self.report(info, "incompatible", problem)
            return info
        problems = validation_problems(self.manager, plugin)
        if problems:
            self.report(info, "failed", "; ".join(problems))
            return info
        try:
            self.manager.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as error:
            self.report(info, "failed", f"could not be registered: {error}", error)
            return info
        info.hooks = sorted(caller.name for caller in self.manager.get_hookcallers(plugin) or ())
        return info

    def _collect(self, provision: Provision, **arguments: Any) -> dict[str, Provided]:
        collected: dict[str, Provided] = {}
        reserved = set(provision.reserved())
        caller = getattr(self.manager.hook, provision.hook)
        for impl in caller.get_hookimpls():
            plugin = self.manager.get_name(impl.plugin)
            info = self._infos[plugin]
            given = {name: arguments.get(name) for name in impl.argnames}
            try:
                returned = call_with_deadline(lambda: impl.function(**given), provision.hook, self.timeout)
            except PluginTimeout as exc:
                self.report(info, "failed", exc.message, exc)
                continue
            except Exception as exc:  # a plugin's bug must not take the hub down
                self.report(info, "failed", f"{provision.hook} raised {type(exc).__name__}: {exc}", exc)
                continue
            if not isinstance(returned, (list, tuple, type(None))):
                self.report(info, "failed", f"{provision.hook} returned {type(returned).__name__}, "
                                            f"expected a list of {provision.spec_type.__name__}")
                continue
            for spec in returned or ():
                if not isinstance(spec, provision.spec_type):
                    self.report(info, "failed", f"{provision.hook} returned {type(spec).__name__}, "
                                                f"expected {provision.spec_type.__name__}")
                    continue
                key = getattr(spec, provision.key)
                if key in reserved:
                    self.report(info, "conflict", f"{provision.noun} '{key}' is built into ecohub")
                    continue
                if key in collected:
                    owner = collected[key].plugin
                    self.report(info, "conflict", f"{provision.noun} '{key}' is already provided by plugin '{owner}'")
                    continue
                collected[key] = Provided(spec, plugin)
                provides = info.provides.setdefault(provision.noun, [])
                if key not in provides:
                    provides.append(key)
        return collected

    def all(self, kind: str) -> dict[str, Provided]:
        """Every valid spec of one kind (a key of ``PROVISIONS``), by name."""
        if kind not in self._provided:
            self._provided[kind] = self._collect(PROVISIONS[kind])
        return self._provided[kind]

    def get(self, kind: str, name: str) -> Provided:
        """One spec by name, or an error that lists what exists and which plugins are broken."""
        try:
            return self.all(kind)[name]
        except KeyError:
            known = ", ".join(sorted(self.all(kind))) or "none"
            broken = [i.name for i in self.infos.values() if i.status not in ("ok", "disabled")]
            off = [i.name for i in self.infos.values() if i.status == "disabled"]
            hint = f"Available: {known}."
            if broken:
                hint += f" Plugins that failed to load: {', '.join(broken)} (see 'hub plugins list')."
            if off:
                hint += f" Plugins not loaded this run: {', '.join(off)}."
            raise UnknownNameError(f"No {PROVISIONS[kind].noun} named '{name}'.", hint) from None

    def publish_checks(self, registry: Any) -> list[Provided[PublishCheckSpec]]:
        """The publish checks, asked for afresh with the registry they guard."""
        return list(self._collect(PROVISIONS["publish_checks"], registry=registry).values())

    def storage_backends(self) -> dict[str, Callable[[str], Any]]:
        """``{scheme: open}`` for the registry's ``backends`` argument."""
        return {scheme: provided.spec.open for scheme, provided in self.all("storage_backends").items()}

    def notify(self, hook: str, **arguments: Any) -> None:
        """Tell every listener of an event hook; one that raises is reported and the rest still hear."""
        for impl in getattr(self.manager.hook, hook).get_hookimpls():
            info = self.info(self.manager.get_name(impl.plugin))
            given = {name: arguments.get(name) for name in impl.argnames}
            try:
                call_with_deadline(lambda: impl.function(**given), hook, self.timeout)
            except Exception as exc:  # a listener's bug must not undo the work it was told about
                message = exc.message if isinstance(exc, PluginTimeout) else f"{hook} raised {type(exc).__name__}: {exc}"
                self.report(info, "failed", message, exc)
                log.warning("Plugin %s: %s (ignored; 'hub plugins list' shows it).", info.label, message)

    def version_of(self, plugin: str) -> str:
        """The installed version of a plugin's package ('' for in-memory plugins)."""
        return self._infos[plugin].version

    def trainer_for(self, framework: str) -> Provided[TrainerSpec]:
        for provided in self.all("trainers").values():
            if provided.spec.framework == framework:
                return provided
        raise UnknownNameError(
            f"No trainer handles the '{framework}' framework.",
            "Install the plugin that provides it, then check 'hub plugins list'.",
        )

    def plugin_in_traceback(self, traceback: types.TracebackType | None) -> PluginInfo | None:
        """The plugin whose code raised, judged by the innermost frame from a plugin's package."""
        packages = {}
        for name, plugin in self.manager.list_name_plugin():
            module = plugin.__name__ if isinstance(plugin, types.ModuleType) else type(plugin).__module__
            packages[module.split(".")[0]] = name
        found = None
        while traceback is not None:
            module = traceback.tb_frame.f_globals.get("__name__", "")
            found = packages.get(module.split(".")[0], found)
            traceback = traceback.tb_next
        return self._infos.get(found) if found else None


def _new_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager("ecohub")
    manager.add_hookspecs(hookspecs)
    return manager


def load_plugins(
    entry_points: list[metadata.EntryPoint] | None = None, selection: Selection | None = None
) -> Plugins:
    """Load the ``ecohub`` entry points chosen for this run, each in isolation."""
    plugins = Plugins(_new_manager(), {}, isolation.timeout())
    selection = selection or Selection.from_environment()
    if entry_points is None:
        # In name order, so which of two plugins keeps a contested name never depends on sys.path.
        entry_points = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
    for entry_point in entry_points:
        dist = entry_point.dist
        package, version = (dist.name, dist.version) if dist else ("", "")
        info = PluginInfo(name=entry_point.name, package=package, version=version)
        if info.name in plugins._infos:
            other = plugins._infos[info.name]
            info.name = f"{info.name} [{package}]"
            plugins._infos[info.name] = info
            plugins.report(info, "conflict", f"plugin name '{entry_point.name}' is already used by {other.label}")
            continue
        skipped = selection.why_skipped(entry_point.name, package)
        if skipped:
            info.status, info.errors = "disabled", [skipped]
            plugins._infos[info.name] = info
            continue
        try:
            loaded = call_with_deadline(entry_point.load, f"importing {entry_point.value}", plugins.timeout)
        except PluginTimeout as exc:
            plugins._infos[info.name] = info
            plugins.report(info, "failed", exc.message, exc)
            continue
        except Exception as exc:  # an import error in one plugin must not break the others
            plugins._infos[info.name] = info
            plugins.report(info, "failed", f"could not load {entry_point.value}: {type(exc).__name__}: {exc}", exc)
            continue
        plugins.register(loaded, entry_point.name, package, version)
    return plugins


def register_objects(*named_plugins: tuple[str, object]) -> Plugins:
    """Build a plugin set from in-memory plugin objects only (for tests and embedding)."""
    plugins = Plugins(_new_manager(), {})
    for name, plugin in named_plugins:
        plugins.register(plugin, name)
    return plugins


@functools.cache
def installed_plugins() -> Plugins:
    """The plugins installed in this environment and chosen for this run, loaded once per process."""
    return load_plugins()
