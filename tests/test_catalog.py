"""The plugin index: the one ecohub ships, search, and installs verified against its sha256."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import threading
from importlib import metadata
from pathlib import Path

import pytest

from hub.plugins.selection import Selection
from hub.plugins.catalog import REPO_INDEX, PluginIndexError, build_wheel, load_index
from hub.plugins.manager import ENTRY_POINT_GROUP, load_plugins
from plugin_samples.packages import build_wheel as quick_wheel
from plugin_samples.packages import hub_environment, write_package

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = '''
from hub import hookimpl
from hub.specs import DatasetSpec

HUB_PLUGIN_API = ">=1,<2"


@hookimpl
def hub_datasets():
    return [DatasetSpec(name="catalogued", description="Loans", load=lambda: None, target="approved",
                        positive_label="yes", license="cc0-1.0")]
'''


def index_entry(wheel: Path, name: str, sha256: str) -> dict:
    return {"name": name, "package": f"ecohub-{name}", "version": "0.1.0", "summary": "Loans for the catalog",
            "pip": f"wheels/{wheel.name}", "sha256": sha256, "hooks": ["hub_datasets"],
            "provides": {"dataset": ["catalogued"]}, "license": "cc0-1.0", "verified": False}


def test_shipped_index_lists_each_first_party_plugin_as_it_loads():
    index = load_index(str(REPO_INDEX))
    points = [ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)
              if ep.name in {entry.name for entry in index.entries}]
    infos = load_plugins(entry_points=points, selection=Selection()).infos

    assert sorted(entry.name for entry in index.entries) == sorted(path.name.removeprefix("ecohub-") for path in (ROOT / "plugins").glob("ecohub-*"))
    for entry in index.entries:
        info = infos[entry.name]
        assert (entry.package, entry.version, entry.hooks, entry.provides, entry.plugin_api) == (
            info.package, info.version, info.hooks, info.provides, info.plugin_api), entry.name
        assert entry.verified and len(entry.sha256) == 64


@pytest.mark.slow
def test_shipped_sha256_is_that_of_the_wheel_rebuilt_from_the_sources(tmp_path):
    document = json.loads(REPO_INDEX.read_text())
    built_with = f"setuptools {metadata.version('setuptools')}"
    if document["built_with"] != built_with:
        pytest.skip(f"the index was built with {document['built_with']}, this environment has {built_with}")
    for entry in document["plugins"]:
        wheel = build_wheel(ROOT / "plugins" / entry["package"], tmp_path)
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() == entry["sha256"], (
            f"{entry['package']} changed since plugins/index.json was built: run "
            "'python -m hub.plugins.catalog plugins/ecohub-...' as docs/plugins.md says")


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """An index beside a folder of wheels: one listed with its true sha256, one with a wrong one."""
    root = tmp_path_factory.mktemp("catalog")
    good = quick_wheel(write_package(root / "src", "good-loans", PLUGIN), root / "wheels")
    bad = quick_wheel(write_package(root / "src", "bad-loans", PLUGIN.replace("catalogued", "altered")),
                      root / "wheels")
    index = root / "index.json"
    index.write_text(json.dumps({"format": "ecohub-plugin-index/1", "plugins": [
        index_entry(good, "good-loans", hashlib.sha256(good.read_bytes()).hexdigest()),
        index_entry(bad, "bad-loans", "0" * 64),
    ]}))
    return index, bad


@pytest.fixture(scope="module")
def catalog_env(catalog, tmp_path_factory):
    environment = hub_environment(tmp_path_factory.mktemp("catalog-env"))
    environment.index = str(catalog[0])
    return environment


def test_search_finds_plugins_by_name_hook_and_what_they_provide(catalog_env):
    def search(term):
        result = catalog_env.hub("plugins", "search", term, "--json", HUB_PLUGIN_INDEX=catalog_env.index)
        return [entry["name"] for entry in json.loads(result.stdout)]

    assert search("good") == ["good-loans"]
    assert search("catalogued") == ["good-loans", "bad-loans"]
    assert search("hub_datasets") == ["good-loans", "bad-loans"]
    assert search("nothing-like-this") == []


def test_shipped_index_is_searched_by_default(catalog_env):
    result = catalog_env.hub("plugins", "search", "publish check", "--json")

    (review,) = json.loads(result.stdout)
    assert (review["name"], review["package"], review["verified"]) == ("review", "ecohub-review", True)
    assert review["installed"] == "0.1.0"


def test_install_by_catalog_name_verifies_the_listed_sha256(catalog_env, catalog):
    result = catalog_env.hub("plugins", "install", "good-loans", HUB_PLUGIN_INDEX=catalog_env.index)

    assert "good-loans: ecohub-good-loans 0.1.0 from the plugin index" in result.stdout
    assert catalog_env.plugins()["good-loans"]["status"] == "ok"
    entry = json.loads((catalog_env.root / "config" / "plugins.lock.json").read_text())["plugins"]["ecohub-good-loans"]
    assert (entry["requested"], entry["index"]) == ("good-loans", catalog_env.index)


def test_install_by_catalog_name_refuses_a_distribution_whose_sha256_differs(catalog_env, catalog):
    _, bad = catalog

    result = catalog_env.hub("plugins", "install", "bad-loans", check=False, HUB_PLUGIN_INDEX=catalog_env.index)

    assert result.returncode == 1
    assert (f"Refused to install 'bad-loans': its sha256 is {hashlib.sha256(bad.read_bytes()).hexdigest()}, "
            f"but the plugin index lists {'0' * 64}.") in result.stderr
    assert "bad-loans" not in catalog_env.plugins()


def test_index_at_a_url_resolves_relative_distributions_against_it(catalog):
    index_path, _ = catalog
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(index_path.parent))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/index.json"
        index = load_index(url)
        server.shutdown()

    entry = index.find("ecohub-good-loans")
    assert index.requirement(entry) == f"http://127.0.0.1:{server.server_address[1]}/wheels/{Path(entry.pip).name}"


@pytest.mark.parametrize("document, message", [
    ({"plugins": []}, 'is not a plugin index: its "format" is not "ecohub-plugin-index/1".'),
    ({"format": "ecohub-plugin-index/1", "plugins": [{"name": "x", "package": "ecohub-x"}]},
     "Plugin 1 in {path} lacks version, summary, pip, sha256."),
])
def test_index_that_is_not_one_says_what_is_wrong(tmp_path, document, message):
    path = tmp_path / "index.json"
    path.write_text(json.dumps(document))

    with pytest.raises(PluginIndexError) as error:
        load_index(str(path))

    assert error.value.message.endswith(message.format(path=path))


@pytest.fixture
def authored(tmp_path):
    """A plugin author's dataset package from 'hub plugins new', installed editable as they would work on it."""
    environment = hub_environment(tmp_path / "author")
    environment.hub("plugins", "new", "town-loans", "--directory", str(tmp_path / "src"))
    package = tmp_path / "src" / "ecohub-town-loans"
    environment.hub("plugins", "install", "-e", str(package))
    return environment, package


@pytest.mark.slow
def test_publish_checks_the_wheel_and_prints_an_entry_an_index_installs_by(authored, tmp_path):
    environment, package = authored
    published = environment.hub("plugins", "publish", str(package), "--dist", str(tmp_path / "index" / "wheels"),
                                 "--pip", "wheels/ecohub_town_loans-0.1.0-py3-none-any.whl", "--json")
    entry = json.loads(published.stdout)
    wheel = tmp_path / "index" / "wheels" / "ecohub_town_loans-0.1.0-py3-none-any.whl"

    assert (entry["name"], entry["package"], entry["version"], entry["hooks"], entry["license"],
            entry["plugin_api"], entry["verified"]) == (
        "town-loans", "ecohub-town-loans", "0.1.0", ["hub_datasets"], "Apache-2.0", ">=1,<2", False)
    assert entry["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    index = tmp_path / "index" / "index.json"
    index.write_text(json.dumps({"format": "ecohub-plugin-index/1", "plugins": [entry]}))
    environment.hub("plugins", "uninstall", "ecohub-town-loans")
    found = json.loads(environment.hub("plugins", "search", "town", "--json", HUB_PLUGIN_INDEX=str(index)).stdout)
    assert [plugin["name"] for plugin in found] == ["town-loans"]
    environment.hub("plugins", "install", "town-loans", HUB_PLUGIN_INDEX=str(index))
    assert environment.plugins()["town-loans"]["provides"] == {"dataset": ["town-loans"]}


@pytest.mark.slow
def test_publish_refuses_a_wheel_without_the_package_data_an_editable_install_hides(authored, tmp_path):
    environment, package = authored
    pyproject = package / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('ecohub_town_loans = ["data/*"]', ""))

    refused = environment.hub("plugins", "publish", str(package), check=False)

    assert refused.returncode == 1
    assert "leaves out files of the package: ecohub_town_loans/data/rows.csv" in refused.stderr
    assert "package-data" in refused.stderr


@pytest.mark.slow
def test_publish_runs_the_contract_on_the_installed_wheel_not_the_source_folder(authored, tmp_path):
    """Rows read from beside the package load in the source folder, and are missing once installed."""
    environment, package = authored
    (package / "rows.csv").write_bytes((package / "ecohub_town_loans" / "data" / "rows.csv").read_bytes())
    module = package / "ecohub_town_loans" / "__init__.py"
    module.write_text(module.read_text().replace(
        'with files(__name__).joinpath("data").joinpath("rows.csv").open(encoding="utf-8") as rows:',
        'with open(__import__("pathlib").Path(__file__).parents[1] / "rows.csv", encoding="utf-8") as rows:'))
    assert environment.plugins()["town-loans"]["status"] == "ok"

    refused = environment.hub("plugins", "publish", str(package), check=False)

    assert refused.returncode == 1
    assert "The plugin contract fails on the built wheel" in refused.stderr and "rows.csv" in refused.stderr
