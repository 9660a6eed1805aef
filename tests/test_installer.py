"""``hub plugins install|uninstall|freeze|enable|disable|info`` with real pip, in a throwaway environment.

Every package here is built from a few lines in a temporary folder and installed offline; the
environment sees ecohub and the first-party plugins but pip writes only into it.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from plugin_samples.packages import build_wheel, hub_environment, write_package

from hub import PLUGIN_API_VERSION

DATASET_PLUGIN = '''
from hub import hookimpl
from hub.specs import DatasetSpec

HUB_PLUGIN_API = ">=1,<2"


@hookimpl
def hub_datasets():
    return [DatasetSpec(name="{name}", description="Loans", load=lambda: None, target="approved",
                        positive_label="yes", license="cc0-1.0")]
'''

BROKEN = {
    "broken-import": "import ecohub_dependency_nobody_installed\n",
    "raising": "from hub import hookimpl\n\n@hookimpl\ndef hub_datasets():\n    raise OSError('disk on fire')\n",
    "wrong-type": "from hub import hookimpl\n\n@hookimpl\ndef hub_models():\n    return ['gradient-boosting']\n",
    "duplicate": DATASET_PLUGIN.replace("{name}", "german-credit"),
    "future": 'HUB_PLUGIN_API = ">=2"\n',
    "typo": "from hub import hookimpl\n\n@hookimpl\ndef hub_evaluator():\n    return []\n",
    "crashing-command": '''
import click
from hub import hookimpl
from hub.specs import CommandSpec


@click.command()
def crash():
    raise KeyError("settings")


@hookimpl
def hub_commands():
    return [CommandSpec(name="crash", help="Crash.", load=lambda: crash)]
''',
}


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def hub_env(tmp_path_factory):
    return hub_environment(tmp_path_factory.mktemp("hub-env"))


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    return tmp_path_factory.mktemp("sources")


def lock(env) -> dict:
    return json.loads((env.root / "config" / "plugins.lock.json").read_text())["plugins"]


def test_install_from_a_local_path_records_it_and_the_plugin_works(hub_env, sources):
    package = write_package(sources, "path-loans", DATASET_PLUGIN.replace("{name}", "path-loans"))

    result = hub_env.hub("plugins", "install", str(package))

    assert "path-loans" in result.stdout and "ok" in result.stdout
    entry = lock(hub_env)["ecohub-path-loans"]
    assert (entry["version"], entry["requested"], entry["url"], entry["plugins"], entry["editable"]) == (
        "0.1.0", str(package), package.as_uri(), ["path-loans"], False)
    datasets = {d["name"]: d["plugin"] for d in json.loads(hub_env.hub("datasets", "list", "--json").stdout)}
    assert datasets["path-loans"] == "path-loans"


def test_install_a_built_wheel_records_its_sha256_and_uninstall_removes_it(hub_env, sources):
    wheel = build_wheel(write_package(sources, "wheel-loans", DATASET_PLUGIN.replace("{name}", "wheel-loans")),
                        sources / "wheels")

    hub_env.hub("plugins", "install", str(wheel))
    recorded = lock(hub_env)["ecohub-wheel-loans"]
    hub_env.hub("plugins", "uninstall", "wheel-loans")

    assert recorded["sha256"] == sha256(wheel)
    assert "wheel-loans" not in hub_env.plugins()
    assert "ecohub-wheel-loans" not in lock(hub_env)


def test_uninstall_refuses_what_is_not_a_plugin(hub_env):
    result = hub_env.hub("plugins", "uninstall", "click", check=False)

    assert result.returncode == 1
    assert "'click' is not an installed plugin or plugin package." in result.stderr


def test_freeze_with_hashes_reproduces_the_plugin_set_in_another_environment(hub_env, sources, tmp_path):
    wheel = build_wheel(write_package(sources, "pinned", DATASET_PLUGIN.replace("{name}", "pinned")),
                        sources / "pinned-wheels")
    hub_env.hub("plugins", "install", str(wheel))

    frozen = hub_env.hub("plugins", "freeze", "--hashes")
    requirements = tmp_path / "plugins.txt"
    requirements.write_text(frozen.stdout)
    elsewhere = hub_environment(tmp_path / "elsewhere")
    elsewhere.hub("plugins", "install", "-r", str(requirements), "--require-hashes")

    assert f"ecohub-pinned @ {wheel.as_uri()} --hash=sha256:{sha256(wheel)}" in frozen.stdout.splitlines()
    assert "# not pinnable by hash: -e " in frozen.stdout  # the editable first-party plugins
    assert "no hash can pin them" in frozen.stderr
    assert elsewhere.plugins()["pinned"]["status"] == "ok"
    assert lock(elsewhere)["ecohub-pinned"]["sha256"] == sha256(wheel)


def test_restore_refuses_a_file_whose_hash_differs(hub_env, sources, tmp_path):
    wheel = build_wheel(write_package(sources, "tampered", DATASET_PLUGIN.replace("{name}", "tampered")),
                        sources / "tampered-wheels")
    requirements = tmp_path / "plugins.txt"
    requirements.write_text(f"ecohub-tampered @ {wheel.as_uri()} --hash=sha256:{'0' * 64}\n")

    result = hub_env.hub("plugins", "install", "-r", str(requirements), "--require-hashes", check=False)

    assert result.returncode == 1
    assert "Refused: a downloaded file's sha256 is not the one the requirements file pins." in result.stderr
    assert "tampered" not in hub_env.plugins()


def test_editable_install_is_frozen_as_editable(hub_env, sources):
    package = write_package(sources, "editable-loans", DATASET_PLUGIN.replace("{name}", "editable-loans"))

    hub_env.hub("plugins", "install", "-e", str(package))

    assert f"-e {package}" in hub_env.hub("plugins", "freeze").stdout.splitlines()
    assert lock(hub_env)["ecohub-editable-loans"]["editable"] is True


@pytest.fixture(scope="module")
def broken(hub_env, tmp_path_factory):
    """One package per way a plugin can break, installed together."""
    root = tmp_path_factory.mktemp("broken")
    packages = [str(write_package(root, name, module)) for name, module in BROKEN.items()]
    hub_env.hub("plugins", "install", *packages)
    return hub_env


def test_each_broken_plugin_is_reported_by_name_and_package_while_the_hub_works(broken):
    plugins = broken.plugins()

    assert {name: (plugins[name]["status"], plugins[name]["package"]) for name in BROKEN} == {
        "broken-import": ("failed", "ecohub-broken-import"),
        "raising": ("failed", "ecohub-raising"),
        "wrong-type": ("failed", "ecohub-wrong-type"),
        "duplicate": ("conflict", "ecohub-duplicate"),
        "future": ("incompatible", "ecohub-future"),
        "typo": ("failed", "ecohub-typo"),
        "crashing-command": ("ok", "ecohub-crashing-command"),
    }
    assert plugins["broken-import"]["errors"] == [
        "could not load ecohub_broken_import: ModuleNotFoundError: "
        "No module named 'ecohub_dependency_nobody_installed'"]
    assert plugins["raising"]["errors"] == ["hub_datasets raised OSError: disk on fire"]
    assert plugins["wrong-type"]["errors"] == ["hub_models returned str, expected ModelSpec"]
    assert plugins["duplicate"]["errors"] == ["dataset 'german-credit' is already provided by plugin 'datasets'"]
    assert plugins["future"]["errors"][0].startswith(f"supports plugin API >=2, but ecohub 0.1.0 provides plugin API {PLUGIN_API_VERSION}")
    assert plugins["typo"]["errors"] == ["hub_evaluator is not an ecohub hook (did you mean hub_evaluators?)"]
    assert plugins["datasets"]["status"] == "ok"
    datasets = {d["name"]: d["plugin"] for d in json.loads(broken.hub("datasets", "list", "--json").stdout)}
    assert datasets["german-credit"] == "datasets"


def test_crash_in_a_plugin_command_says_how_to_start_without_it(broken):
    result = broken.hub("crash", check=False)

    assert result.returncode == 1
    assert "KeyError: 'settings'" in result.stderr
    assert "It was raised inside plugin 'crashing-command' (package ecohub-crashing-command 0.1.0)." in result.stderr
    assert "HUB_DISABLE_PLUGINS=crashing-command hub ..." in result.stderr
    assert "'hub --no-plugins ...' starts without any" in result.stderr


def test_strict_mode_reraises_for_plugin_authors(broken):
    result = broken.hub("plugins", "list", check=False, HUB_STRICT_PLUGINS="1")

    assert result.returncode == 1
    assert "Traceback" in result.stderr and "ModuleNotFoundError" in result.stderr


def test_plugins_chosen_for_one_run_and_disabled_for_good(broken):
    without = broken.hub("--no-plugins", "plugins", "list", "--json")
    only = broken.plugins(HUB_LOAD_PLUGINS="datasets,ecohub-raising")
    excluded = broken.plugins(HUB_DISABLE_PLUGINS="broken-import")
    broken.hub("plugins", "disable", "broken-import")
    disabled = broken.plugins()["broken-import"]
    broken.hub("plugins", "enable", "broken-import")

    assert {p["status"] for p in json.loads(without.stdout)} == {"disabled"}
    assert {name for name, p in only.items() if p["status"] != "disabled"} == {"datasets", "raising"}
    assert excluded["broken-import"]["errors"] == ["HUB_DISABLE_PLUGINS names it"]
    assert (disabled["status"], disabled["errors"]) == (
        "disabled", ["disabled in the hub's config ('hub plugins enable broken-import' turns it back on)"])
    assert broken.plugins()["broken-import"]["status"] == "failed"


def test_info_shows_everything_about_one_plugin(broken):
    info = json.loads(broken.hub("plugins", "info", "ecohub-raising", "--json").stdout)

    assert {key: info[key] for key in ("name", "package", "version", "status", "hooks", "requires", "entry_point",
                                       "plugin_api", "last_error")} == {
        "name": "raising", "package": "ecohub-raising", "version": "0.1.0", "status": "failed",
        "hooks": ["hub_datasets"], "requires": ["ecohub"], "entry_point": "ecohub_raising",
        "plugin_api": {"supports": "undeclared", "hub_provides": PLUGIN_API_VERSION},
        "last_error": "hub_datasets raised OSError: disk on fire",
    }
    assert info["installed_by_hub"]["package"] == "ecohub-raising"


def test_install_from_version_control_is_frozen_at_its_commit(hub_env, sources):
    import subprocess

    package = write_package(sources, "vcs-loans", DATASET_PLUGIN.replace("{name}", "vcs-loans"))
    git = ["git", "-C", str(package), "-c", "user.name=test", "-c", "user.email=test@example.org"]
    subprocess.run([*git, "init", "--quiet"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", "plugin"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()

    hub_env.hub("plugins", "install", f"git+{package.as_uri()}")

    assert f"ecohub-vcs-loans @ git+{package.as_uri()}@{commit}" in hub_env.hub("plugins", "freeze").stdout.splitlines()
    assert lock(hub_env)["ecohub-vcs-loans"]["vcs_commit"] == commit
