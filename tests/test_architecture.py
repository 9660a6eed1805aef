"""The layout in docs/architecture.md holds: which package may import which, and the public paths.

Imports are read from the source (every ``import`` and ``from ... import``, at any depth, lazy
ones included), so a layer cannot reach upwards by hiding an import inside a function.
"""

from __future__ import annotations

import ast
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "hub"

LOOSE_MODULES_ALLOWED = 8

# package -> hub packages and modules it must never import
FORBIDDEN = {
    "hub.registry": ("hub.plugins", "hub.jobs", "hub.commands", "hub.cli", "hub.serve", "hub.sharing",
                     "hub.access", "hub.dashboard"),
    "hub.plugins": ("hub.cli", "hub.jobs", "hub.serve", "hub.sharing", "hub.dashboard"),
    "hub.jobs": ("hub.cli", "hub.commands", "hub.serve", "hub.sharing", "hub.dashboard"),
}

# the contract kit checks a plugin the way the jobs will use it, so it may run them
ALLOWED_UPWARDS = {("hub.plugins.testing", "hub.jobs")}

# what a first-party plugin may import from the core
PLUGIN_ALLOWED = ("hub", "hub.specs", "hub.errors", "hub.testing", "hub.commands", "hub.output")


def hub_imports(path: Path) -> set[str]:
    """Every ``hub...`` module a source file imports, resolving relative imports."""
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names
                         if (ROOT / Path(*node.module.split("."), alias.name)).with_suffix(".py").exists())
    return {name for name in found if name == "hub" or name.startswith("hub.")}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_never_import_upper_ones(package):
    folder = ROOT / Path(*package.split("."))
    offences = [f"{module_name(path)} imports {name}"
                for path in sorted(folder.rglob("*.py"))
                for name in sorted(hub_imports(path))
                if any(within(name, banned) for banned in FORBIDDEN[package]
                       if (module_name(path), banned) not in ALLOWED_UPWARDS)]
    assert not offences, "\n".join(offences)


def test_the_plugin_manager_and_the_command_line_import_each_other_in_no_direction():
    manager = hub_imports(HUB / "plugins" / "manager.py")
    assert not any(within(name, "hub.cli") for name in manager)


def test_first_party_plugins_use_only_the_public_core():
    offences = [f"{path.relative_to(ROOT)} imports {name}"
                for path in sorted((ROOT / "plugins").glob("*/ecohub_*/**/*.py"))
                for name in sorted(hub_imports(path))
                if name not in PLUGIN_ALLOWED]
    assert not offences, "\n".join(offences)


def test_hub_keeps_only_a_handful_of_loose_modules():
    loose = sorted(path.name for path in HUB.glob("*.py"))
    assert len(loose) <= LOOSE_MODULES_ALLOWED, loose


def test_public_import_paths_keep_working():
    import hub
    from hub import hookimpl
    from hub.plugins import installed_plugins, load_plugins
    from hub.registry import Registry
    from hub.specs import DatasetSpec
    from hub.testing import PluginContract

    assert hub.Registry is Registry
    assert callable(hookimpl) and callable(installed_plugins) and callable(load_plugins)
    assert DatasetSpec.__module__ == "hub.specs" and PluginContract.__name__ == "PluginContract"


def test_the_pytest_kit_is_registered_under_its_public_name():
    points = {point.name: point.value for point in metadata.entry_points(group="pytest11")}
    assert points.get("ecohub") == "hub.testing"


def test_the_architecture_document_names_every_package():
    text = (ROOT / "docs" / "architecture.md").read_text()
    packages = sorted(path.parent.name for path in HUB.glob("*/__init__.py"))
    missing = [name for name in packages if f"`hub.{name}`" not in text]
    assert not missing, f"docs/architecture.md says nothing of: {missing}"
