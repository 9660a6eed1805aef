"""The Plugins page with Streamlit's AppTest: status, enable and disable, catalog search and install.

Installing runs real pip, so those tests drive the page from a throwaway environment
(``plugin_samples.packages.hub_environment``) where pip writes only there, with a plugin index of
local wheels as ``tests/test_catalog.py`` builds it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import textwrap
from pathlib import Path

import pytest
from plugin_samples.packages import build_wheel, hub_environment, write_package
from streamlit.testing.v1 import AppTest

from hub import config
from hub.plugins.manager import installed_plugins

APP = Path(list(importlib.util.find_spec("hub.dashboard").submodule_search_locations)[0]) / "app.py"
LOANS = '''
from hub import hookimpl
from hub.specs import DatasetSpec

HUB_PLUGIN_API = ">=1,<2"


@hookimpl
def hub_datasets():
    return [DatasetSpec(name="{name}", description="Loans", load=lambda: None, target="approved",
                        positive_label="yes", license="cc0-1.0")]
'''
BROKEN = "from hub import hookimpl\n\n@hookimpl\ndef hub_datasets():\n    raise OSError('disk on fire')\n"

# Drives the page in the throwaway environment; prints what the page showed after each step.
DRIVER = textwrap.dedent('''
    import json, sys
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(sys.argv[1], default_timeout=120).run()
    app.switch_page("views/plugins.py").run()
    shown = []

    def record(step):
        assert not app.exception, [e.value for e in app.exception]
        table = next(f.value for f in app.dataframe if "Hooks" in f.value.columns)
        shown.append({"step": step, "success": [e.value for e in app.success], "error": [e.value for e in app.error],
                      "warning": [e.value for e in app.warning], "caption": [e.value for e in app.caption],
                      "status": dict(zip(table["Plugin"], table["Status"])),
                      "catalog": [list(f.value["Plugin"]) for f in app.dataframe if "Verified" in f.value.columns]})

    def button(label):
        return next(b for b in app.button if b.label == label)

    for step in json.loads(sys.argv[2]):
        action, value = step
        if action == "search":
            app.text_input(key="plugins-search").input(value).run()
        elif action == "choose":
            app.selectbox(key="plugins-install-choice").set_value(value).run()
        elif action == "other":
            next(t for t in app.text_input if t.label.startswith("Or install")).input(value)
            next(b for b in app.button if b.label == "Install…" and b.key != "plugins-install").click().run()
        else:
            button(value).click().run()
        record(step)
    print(json.dumps(shown))
''')


@pytest.fixture
def empty(tmp_path, monkeypatch) -> config.Location:
    location = config.resolve(f"sqlite:///{tmp_path / 'registry.db'}", tmp_path / "hub-store")
    monkeypatch.setenv("HUB_REGISTRY_URL", location.url)
    monkeypatch.setenv("HUB_STORE", str(location.store))
    monkeypatch.setenv("HUB_CONFIG_DIR", str(tmp_path / "config"))
    installed_plugins.cache_clear()
    yield location
    installed_plugins.cache_clear()  # the next test loads the plugins as this environment has them


def plugins_page() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.switch_page("views/plugins.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def statuses(app: AppTest) -> dict[str, str]:
    table = next(frame.value for frame in app.dataframe if "Hooks" in frame.value.columns)
    return dict(zip(table["Plugin"], table["Status"]))


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def test_installed_plugins_are_listed_with_status_and_what_they_provide(empty):
    app = plugins_page()

    table = next(frame.value for frame in app.dataframe if "Hooks" in frame.value.columns).set_index("Plugin")
    assert table.loc["sklearn", "Status"] == "ok"
    assert "gradient-boosting" in table.loc["sklearn", "Provides"].split("; ")[0]
    assert "hub_datasets" in table.loc["datasets", "Hooks"]


def test_disable_asks_first_then_switches_the_plugin_off_and_enable_brings_it_back(empty, tmp_path):
    app = plugins_page()
    app.selectbox(key="plugins-switch").set_value("compress").run()

    button(app, "Disable").click().run()
    question = app.warning[0].value
    unchanged = statuses(app)["compress"]
    button(app, "Confirm").click().run()
    off = statuses(app)["compress"]
    saved = json.loads((tmp_path / "config" / "config.json").read_text())["disabled_plugins"]
    button(app, "Enable").click().run()
    button(app, "Confirm").click().run()

    assert "Disable the plugin 'compress'?" in question and unchanged == "ok"
    assert off == "disabled" and saved == ["compress"]
    assert statuses(app)["compress"] == "ok"
    assert "Plugin 'compress' enabled" in app.success[0].value


def test_cancel_leaves_the_plugin_as_it_was(empty, tmp_path):
    app = plugins_page()
    app.selectbox(key="plugins-switch").set_value("compress").run()

    button(app, "Disable").click().run()
    button(app, "Cancel").click().run()

    assert statuses(app)["compress"] == "ok"
    assert not (tmp_path / "config" / "config.json").exists()
    assert not app.warning


def test_the_catalog_is_searched_by_what_plugins_provide(empty):
    app = plugins_page()

    app.text_input(key="plugins-search").input("gradient-boosting").run()

    catalog = next(frame.value for frame in app.dataframe if "Verified" in frame.value.columns)
    assert list(catalog["Plugin"]) == ["sklearn"]
    assert catalog["Installed"][0] == "0.1.0"


@pytest.fixture(scope="module")
def catalog_env(tmp_path_factory):
    """A throwaway environment, a plugin index of local wheels (one listed with a wrong sha256) and a broken package."""
    root = tmp_path_factory.mktemp("plugins-page")
    good = build_wheel(write_package(root / "src", "page-loans", LOANS.replace("{name}", "page-loans")), root / "wheels")
    bad = build_wheel(write_package(root / "src", "tampered", LOANS.replace("{name}", "tampered")), root / "wheels")
    entries = [(good, "page-loans", hashlib.sha256(good.read_bytes()).hexdigest()), (bad, "tampered", "0" * 64)]
    (root / "index.json").write_text(json.dumps({"format": "ecohub-plugin-index/1", "plugins": [
        {"name": name, "package": f"ecohub-{name}", "version": "0.1.0", "summary": "Loans for the page",
         "pip": f"wheels/{wheel.name}", "sha256": sha256, "provides": {"dataset": [name]}}
        for wheel, name, sha256 in entries]}))
    environment = hub_environment(root / "env")
    environment.broken = write_package(root / "src", "on-fire", BROKEN)
    environment.extra = {"HUB_PLUGIN_INDEX": str(root / "index.json"),
                         "HUB_REGISTRY_URL": f"sqlite:///{root / 'registry.db'}", "HUB_STORE": str(root / "store")}
    return environment


def drive(env, *steps: tuple[str, str]) -> list[dict]:
    result = subprocess.run([env.python, "-c", DRIVER, str(APP), json.dumps(steps)], capture_output=True, text=True,
                            env={**env.env, **env.extra}, cwd=env.root, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.slow
def test_install_from_the_catalog_is_confirmed_then_verified_by_sha256(catalog_env):
    searched, asked, installed = drive(catalog_env, ("search", "page-loans"), ("click", "Install…"), ("click", "Confirm"))

    assert searched["catalog"] == [["page-loans"]]
    assert any("sha256 is" in warning for warning in asked["warning"])
    assert "page-loans" not in asked["status"]
    assert installed["status"]["page-loans"] == "ok"
    assert "Installed ecohub-page-loans 0.1.0 (page-loans)" in installed["success"][0]
    lock = json.loads((catalog_env.root / "config" / "plugins.lock.json").read_text())["plugins"]
    assert lock["ecohub-page-loans"]["sha256"] == json.loads(Path(catalog_env.extra["HUB_PLUGIN_INDEX"]).read_text(
    ))["plugins"][0]["sha256"]


@pytest.mark.slow
def test_a_catalog_file_whose_sha256_differs_is_refused_and_nothing_is_installed(catalog_env):
    *_, refused = drive(catalog_env, ("search", "tampered"), ("click", "Install…"), ("click", "Confirm"))

    assert "Refused to install 'tampered'" in refused["error"][0]
    assert "tampered" not in refused["status"]


@pytest.mark.slow
def test_a_broken_plugin_installed_from_a_path_shows_as_failed_with_its_error(catalog_env):
    asked, installed = drive(catalog_env, ("other", str(catalog_env.broken)), ("click", "Confirm"))

    assert any("not checked against the plugin index" in warning for warning in asked["warning"])
    assert installed["status"]["on-fire"] == "failed"
    assert any("on-fire" in error and "disk on fire" in error for error in installed["error"])
