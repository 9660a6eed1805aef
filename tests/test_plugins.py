"""Loading plugins through real ``ecohub`` entry points, each isolated from the others' faults.

The plugins are the small modules in ``plugin_samples``; each test installs a few of them as
entry points, in order, the way ``importlib.metadata`` would hand them over.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from hub import PLUGIN_API_VERSION, hookimpl
from hub.errors import PluginError, UnknownNameError
from hub.plugins.selection import Selection
from hub.plugins.manager import ENTRY_POINT_GROUP, load_plugins, register_objects
from hub.specs import DatasetSpec, EvaluatorSpec

SAMPLES = {
    "loans": "plugin_samples.loans",
    "more-loans": "plugin_samples.more_loans",
    "missing-dependency": "plugin_samples.missing_dependency",
    "raising-hook": "plugin_samples.raising_hook",
    "wrong-type": "plugin_samples.wrong_type",
    "bare-spec": "plugin_samples.bare_spec",
    "positive-rate": "plugin_samples.evaluators:plugin",
    "missing-attribute": "plugin_samples.evaluators:no_such_plugin",
    "incompatible": "plugin_samples.incompatible",
    "unreadable-api": "plugin_samples.unreadable_api",
    "misnamed-hook": "plugin_samples.misnamed_hook",
    "unknown-argument": "plugin_samples.unknown_argument",
}


def installed(*names: str) -> list[EntryPoint]:
    return [EntryPoint(name=name, value=SAMPLES[name], group=ENTRY_POINT_GROUP) for name in names]


def status(plugins) -> dict[str, str]:
    return {name: info.status for name, info in plugins.infos.items()}


def test_plugin_provides_its_dataset():
    plugins = load_plugins(entry_points=installed("loans"))

    provided = plugins.get("datasets", "loans")

    assert isinstance(provided.spec, DatasetSpec)
    assert (provided.plugin, provided.spec.target, provided.spec.license) == ("loans", "approved", "cc-by-4.0")
    assert plugins.infos["loans"].as_dict() == {
        "name": "loans", "package": "", "version": "", "status": "ok", "errors": [],
        "hooks": ["hub_datasets"], "provides": {"dataset": ["loans"]}, "plugin_api": "",
    }


def test_plugin_object_named_by_module_and_attribute():
    plugins = load_plugins(entry_points=installed("positive-rate"))

    assert isinstance(plugins.get("evaluators", "positive-rate").spec, EvaluatorSpec)
    assert plugins.infos["positive-rate"].hooks == ["hub_evaluators"]


def test_plugin_that_fails_to_import_is_listed_failed_and_others_still_work():
    plugins = load_plugins(entry_points=installed("missing-dependency", "loans"))

    broken = plugins.infos["missing-dependency"]
    assert status(plugins) == {"missing-dependency": "failed", "loans": "ok"}
    assert broken.errors == [
        "could not load plugin_samples.missing_dependency: ModuleNotFoundError: "
        "No module named 'ecohub_test_dependency_that_is_not_installed'"
    ]
    assert plugins.get("datasets", "loans").plugin == "loans"


def test_entry_point_naming_a_missing_attribute_is_listed_failed():
    plugins = load_plugins(entry_points=installed("missing-attribute"))

    assert status(plugins) == {"missing-attribute": "failed"}
    assert plugins.infos["missing-attribute"].errors[0].startswith(
        "could not load plugin_samples.evaluators:no_such_plugin: AttributeError"
    )


def test_hook_that_raises_fails_its_plugin_and_nothing_else():
    plugins = load_plugins(entry_points=installed("raising-hook", "loans"))

    assert status(plugins) == {"raising-hook": "failed", "loans": "ok"}
    assert plugins.infos["raising-hook"].errors == [
        "hub_datasets raised ConnectionError: the dataset server did not answer"
    ]
    assert list(plugins.all("datasets")) == ["loans"]
    assert plugins.get("models", "stump").plugin == "raising-hook"


def test_hook_returning_the_wrong_type_is_failed_naming_the_expected_type():
    plugins = load_plugins(entry_points=installed("wrong-type", "loans"))

    assert status(plugins) == {"wrong-type": "failed", "loans": "ok"}
    assert plugins.infos["wrong-type"].errors == ["hub_datasets returned dict, expected DatasetSpec"]
    assert list(plugins.all("datasets")) == ["loans"]


def test_hook_returning_a_spec_instead_of_a_list_is_failed():
    plugins = load_plugins(entry_points=installed("bare-spec", "loans"))

    assert status(plugins) == {"bare-spec": "failed", "loans": "ok"}
    assert "expected a list of DatasetSpec" in plugins.infos["bare-spec"].errors[0]
    assert list(plugins.all("datasets")) == ["loans"]


def test_second_plugin_with_the_same_dataset_name_is_a_conflict():
    plugins = load_plugins(entry_points=installed("loans", "more-loans"))

    assert status(plugins) == {"loans": "ok", "more-loans": "conflict"}
    assert plugins.infos["more-loans"].errors == ["dataset 'loans' is already provided by plugin 'loans'"]
    assert plugins.get("datasets", "loans").plugin == "loans"
    assert plugins.get("datasets", "mortgages").plugin == "more-loans"


def test_unknown_name_lists_what_exists_and_what_is_broken():
    plugins = load_plugins(entry_points=installed("loans", "missing-dependency", "wrong-type"))

    with pytest.raises(UnknownNameError) as error:
        plugins.get("datasets", "credit")

    assert error.value.message == "No dataset named 'credit'."
    assert error.value.hint == (
        "Available: loans. Plugins that failed to load: missing-dependency, wrong-type (see 'hub plugins list')."
    )


class LocalDatasets:
    """A plugin that lives in the embedding program rather than in an installed package."""

    @hookimpl
    def hub_datasets(self):
        return [DatasetSpec(name="toy", description="Four rows", load=lambda: None, target="y",
                            positive_label=1, license="cc0-1.0")]


def test_register_objects_builds_a_plugin_set_from_objects_in_memory():
    plugins = register_objects(("local", LocalDatasets()))

    assert plugins.get("datasets", "toy").plugin == "local"
    assert plugins.infos["local"].as_dict() == {
        "name": "local", "package": "", "version": "", "status": "ok", "errors": [],
        "hooks": ["hub_datasets"], "provides": {"dataset": ["toy"]}, "plugin_api": "",
    }


def test_no_trainer_for_a_framework_says_what_to_install():
    plugins = register_objects(("local", LocalDatasets()))

    with pytest.raises(UnknownNameError) as error:
        plugins.trainer_for("xgboost")

    assert error.value.message == "No trainer handles the 'xgboost' framework."


def test_plugin_for_another_plugin_api_is_incompatible_and_not_registered():
    plugins = load_plugins(entry_points=installed("incompatible", "loans"))

    assert status(plugins) == {"incompatible": "incompatible", "loans": "ok"}
    assert plugins.infos["incompatible"].errors == [
        f"supports plugin API >=2,<3, but ecohub 0.1.0 provides plugin API {PLUGIN_API_VERSION}: install a release of the "
        "plugin made for plugin API 1, or an ecohub that provides >=2,<3"
    ]
    assert plugins.infos["incompatible"].plugin_api == ">=2,<3"
    assert list(plugins.all("datasets")) == ["loans"]


def test_plugin_api_that_is_not_a_version_range_is_incompatible():
    plugins = load_plugins(entry_points=installed("unreadable-api"))

    assert plugins.infos["unreadable-api"].errors == [
        "declares HUB_PLUGIN_API = 'the latest one', which is not a version range such as '>=1,<2'"
    ]


def test_misnamed_hook_is_reported_with_the_hook_it_probably_meant():
    plugins = load_plugins(entry_points=installed("misnamed-hook"))

    assert status(plugins) == {"misnamed-hook": "failed"}
    assert plugins.infos["misnamed-hook"].errors == [
        "hub_dataset is not an ecohub hook (did you mean hub_datasets?)"
    ]


def test_hook_argument_the_hook_does_not_pass_is_reported_in_plain_words():
    plugins = load_plugins(entry_points=installed("unknown-argument"))

    assert plugins.infos["unknown-argument"].errors == [
        "hub_datasets takes an argument 'registry' that the hook does not pass (it passes: no arguments)"
    ]


@pytest.mark.parametrize("selection, loaded", [
    (Selection(only=frozenset({"loans"})), {"loans"}),
    (Selection(only=frozenset({"ecohub-loans", "positive-rate"})), {"positive-rate"}),
    (Selection(only=frozenset()), set()),
    (Selection(excluded=frozenset({"missing-dependency"})), {"loans", "positive-rate"}),
    (Selection(disabled=frozenset({"loans"})), {"missing-dependency", "positive-rate"}),
])
def test_selection_chooses_what_loads_and_never_imports_the_rest(selection, loaded):
    plugins = load_plugins(entry_points=installed("loans", "missing-dependency", "positive-rate"),
                           selection=selection)

    assert {name for name, info in plugins.infos.items() if info.status != "disabled"} == loaded


def test_selection_comes_from_the_environment_and_the_config(monkeypatch, hub_config_dir):
    from hub.plugins.selection import set_disabled

    set_disabled("shap", True)
    monkeypatch.setenv("HUB_DISABLE_PLUGINS", "fairlearn, review")
    monkeypatch.delenv("HUB_LOAD_PLUGINS", raising=False)

    selection = Selection.from_environment()

    assert selection == Selection(only=None, excluded=frozenset({"fairlearn", "review"}),
                                  disabled=frozenset({"shap"}))
    assert selection.why_skipped("shap", "ecohub-shap") == (
        "disabled in the hub's config ('hub plugins enable shap' turns it back on)")
    assert selection.why_skipped("sklearn", "ecohub-sklearn") is None


def test_strict_mode_raises_the_plugins_own_error(monkeypatch):
    monkeypatch.setenv("HUB_STRICT_PLUGINS", "1")

    with pytest.raises(ModuleNotFoundError):
        load_plugins(entry_points=installed("missing-dependency"))


def test_strict_mode_raises_a_plugin_error_naming_the_plugin(monkeypatch):
    monkeypatch.setenv("HUB_STRICT_PLUGINS", "1")
    plugins = load_plugins(entry_points=installed("wrong-type"))

    with pytest.raises(PluginError) as error:
        plugins.all("datasets")

    assert error.value.message == "Plugin 'wrong-type': hub_datasets returned dict, expected DatasetSpec."
