"""One test per hook, named ``test_hook_<hook>``: each hook seen doing its job through the core.

``tests/test_hookspecs.py`` checks that every hookspec has its test here (or in a plugin's tests).
"""

from __future__ import annotations

import re

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import ecohub_sklearn
from hub import hookimpl
from hub.cli import cli
from hub.jobs.evaluation import evaluate
from hub.plugins.events import PluginRegistryHooks, open_registry
from hub.plugins.manager import installed_plugins, register_objects
from hub.specs import Derived, DeriverSpec, PublishCheckResult, PublishCheckSpec, StorageBackendSpec, TrainerSpec
from hub.testing import sample_dataset
from hub.jobs.training import train
from plugin_samples import commands as command_plugin
from plugin_samples.evaluators import plugin as positive_rate
from plugin_samples.listener import BrokenListener, Recorder


class SampleData:
    @hookimpl
    def hub_datasets(self):
        return [sample_dataset()]


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory):
    """Train and evaluate once with a listener installed; returns what it heard and the results."""
    root = tmp_path_factory.mktemp("lifecycle")
    recorder = Recorder()
    plugins = register_objects(("sample", SampleData()), ("sklearn", ecohub_sklearn), ("positive-rate", positive_rate),
                               ("recorder", recorder), ("broken", BrokenListener()))
    registry = open_registry(f"sqlite:///{root / 'registry.db'}", str(root / "store"), plugins)
    version = train(plugins, registry, dataset="contract-sample", model_type="logistic-regression", name="loans",
                    params={"C": 0.5})
    results = evaluate(plugins, registry, "loans", 1)
    yield plugins, registry, recorder.heard, version, results
    registry.close()


def test_hook_hub_datasets(lifecycle):
    plugins, _, _, version, _ = lifecycle
    assert plugins.get("datasets", "contract-sample").plugin == "sample"
    assert [(use.dataset, use.plugin, use.role) for use in version.datasets] == [("contract-sample", "sample", "train")]


def test_hook_hub_models(lifecycle):
    _, _, _, version, _ = lifecycle
    assert (version.model_type, version.framework, version.config["params"]["C"]) == ("logistic-regression", "sklearn", 0.5)


def test_hook_hub_trainers(lifecycle, tmp_path):
    plugins, registry, _, version, _ = lifecycle
    registry.export_files("loans", 1, tmp_path)
    model = plugins.trainer_for("sklearn").spec.load(tmp_path)
    assert version.trainer == "sklearn" and hasattr(model, "predict_proba")


def test_hook_hub_evaluators(lifecycle):
    _, _, _, _, results = lifecycle
    assert [(r.evaluator, r.report.plugin) for r in results] == [("positive-rate", "positive-rate")]
    assert results[0].summary.startswith("positive rate ")


def test_hook_hub_before_training(lifecycle):
    _, _, heard, _, _ = lifecycle
    assert heard[0] == ("before_training", "loans", "contract-sample", "logistic-regression",
                        {**ecohub_sklearn.LOGISTIC_REGRESSION.default_params, "C": 0.5}, 0)


def test_hook_hub_version_registered(lifecycle):
    plugins, _, heard, _, _ = lifecycle
    assert ("version_registered", "loans:1") in heard
    # The broken listener is reported against its plugin; training went on.
    assert plugins.infos["broken"].status == "failed"
    assert plugins.infos["broken"].errors == ["hub_version_registered raised RuntimeError: the audit log is full"]


def test_hook_hub_after_training(lifecycle):
    _, _, heard, _, _ = lifecycle
    assert heard[1:3] == [("version_registered", "loans:1"), ("after_training", "loans:1", True)]


def test_hook_hub_after_evaluation(lifecycle):
    _, _, heard, _, _ = lifecycle
    assert heard[-1] == ("after_evaluation", "loans:1", ["positive-rate"], ["positive-rate"])


def test_hook_hub_commands(register_plugin):
    info = register_plugin(command_plugin, "greeter")
    runner = CliRunner()

    help_text = runner.invoke(cli, ["--help"]).output
    greeting = runner.invoke(cli, ["hello", "Ada"])

    assert "Commands from plugins:" in help_text
    assert re.search(r"^  hello +Greet someone\. \[plugin greeter\]$", help_text, re.MULTILINE)
    assert (greeting.exit_code, greeting.output) == (0, "Hello, Ada\n")
    # A built-in command keeps its name.
    assert (info.status, info.errors) == ("conflict", ["command 'models' is built into ecohub"])


def test_failing_plugin_command_names_the_plugin_and_how_to_start_without_plugins(register_plugin, monkeypatch):
    monkeypatch.delenv("HUB_STRICT_PLUGINS", raising=False)
    register_plugin(command_plugin, "greeter")

    result = CliRunner().invoke(cli, ["explode"])

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Error: ValueError: the plugin's own bug",
        "It was raised inside plugin 'greeter'. Run without it: HUB_DISABLE_PLUGINS=greeter hub ... "
        "(or 'hub plugins disable greeter').",
        "If a plugin is at fault, 'hub --no-plugins ...' starts without any; 'hub plugins list' shows each "
        "plugin's status. HUB_STRICT_PLUGINS=1 shows the full traceback.",
    ]


def test_hook_hub_dashboard_pages(tmp_path):
    """The review plugin's page, rendered the way app.py renders every plugin page."""
    from streamlit.testing.v1 import AppTest

    import ecohub_review

    (spec,) = ecohub_review.hub_dashboard_pages()
    script = f"""
import ecohub_review
from hub.plugins.manager import register_objects
from hub.plugins.events import open_registry
registry = open_registry({f"sqlite:///{tmp_path / 'registry.db'}"!r}, {str(tmp_path / 'store')!r}, register_objects())
(page,) = ecohub_review.hub_dashboard_pages()
page.render(registry)
"""
    app = AppTest.from_string(script, default_timeout=60).run()

    assert (spec.name, spec.title) == ("fairness-overview", "Fairness overview")
    assert not app.exception
    assert app.title[0].value == "Fairness overview"
    assert "No model is registered yet" in app.info[0].value


class Checks:
    def __init__(self):
        self.registries = []

    @hookimpl
    def hub_publish_checks(self, registry):
        self.registries.append(registry)
        return [
            PublishCheckSpec("has-reports", "Needs a report",
                             lambda v, action, target: PublishCheckResult("has-reports", bool(v.reports), "no reports")),
            PublishCheckSpec("staging-only", "Only staging", lambda v, action, target: PublishCheckResult(
                "staging-only", target == "staging", f"'{target}' is not staging")),
            PublishCheckSpec("broken", "Raises", lambda v, action, target: 1 / 0),
            PublishCheckSpec("sloppy", "Answers a bool", lambda v, action, target: True),
        ]


def test_hook_hub_publish_checks(lifecycle):
    _, registry, _, _, _ = lifecycle
    version = registry.get_version("loans", 1)
    checks = Checks()
    plugins = register_objects(("checks", checks))
    hooks = PluginRegistryHooks(plugins, registry)

    results = hooks.publish_checks(version, "alias", "production")

    assert [(r.check, r.passed) for r in results] == [
        ("has-reports", True), ("staging-only", False), ("broken", False), ("sloppy", False)]
    assert results[1].reason == "'production' is not staging"
    assert results[2].reason == "the check raised ZeroDivisionError: division by zero (plugin 'checks')"
    assert results[3].reason == "the check returned bool, expected PublishCheckResult (plugin 'checks')"
    assert checks.registries[-1] is registry
    assert plugins.all("publish_checks")["has-reports"].plugin == "checks"  # listing asks with registry=None
    assert checks.registries[-1] is None


class MemoryBackends:
    @hookimpl
    def hub_storage_backends(self):
        return [StorageBackendSpec("memory", "Someone else's memory store", open=lambda uri: None)]


def test_hook_hub_storage_backends(tmp_path):
    """The first-party fsspec plugin's memory:// store backs a registry; a second claim to a scheme conflicts."""
    from hub.plugins.manager import load_plugins

    plugins = load_plugins()
    plugins.register(MemoryBackends(), "copycat")
    registry = open_registry(f"sqlite:///{tmp_path / 'registry.db'}", "memory://hook-test", plugins)
    source = tmp_path / "weights.json"
    source.write_text(json.dumps({"w": [1, 2]}))

    registry.register_version("tiny", files={"weights.json": source}, license="mit", framework="json",
                              model_type="tiny", trainer="none", task="tabular-classification", config={})
    registry.export_files("tiny", 1, tmp_path / "out")

    assert plugins.all("storage_backends")["memory"].plugin == "fsspec"
    assert plugins.infos["copycat"].errors == ["storage scheme 'memory' is already provided by plugin 'fsspec'"]
    assert json.loads(Path(tmp_path / "out" / "weights.json").read_text()) == {"w": [1, 2]}


def test_no_plugins_applies_to_one_in_process_run_only(monkeypatch):
    monkeypatch.delenv("HUB_LOAD_PLUGINS", raising=False)

    result = CliRunner().invoke(cli, ["--no-plugins", "plugins", "list", "--json"])

    assert result.exit_code == 0, result.output
    assert {plugin["status"] for plugin in json.loads(result.stdout)} == {"disabled"}
    assert "HUB_LOAD_PLUGINS" not in os.environ
    assert installed_plugins().infos["datasets"].status == "ok"


class Halve:
    """Halves the weight of a tiny JSON model: the hook's docstring example, made real."""

    @hookimpl
    def hub_derivers(self):
        def halve(request):
            weights = json.loads((request.directory / "weights.json").read_text())
            (request.output / "weights.json").write_text(json.dumps({k: v / 2 for k, v in weights.items()}))
            return Derived(trainer=request.parent.trainer, framework=request.parent.framework,
                           model_type=request.parent.model_type, details={"scale": 0.5})

        return [DeriverSpec(name="halve", description="Halve every weight", relation="pruned", derive=halve,
                            frameworks=("json-weights",))]

    @hookimpl
    def hub_trainers(self):
        class Scorer:
            def __init__(self, weight):
                self.weight = weight

            def predict_proba(self, X):
                import numpy as np

                score = 1 / (1 + np.exp(-self.weight * (X["income"].to_numpy(dtype=float) - 50) / 15))
                return np.column_stack([1 - score, score])

        def load(directory):
            return Scorer(json.loads((Path(directory) / "weights.json").read_text())["income"])

        return [TrainerSpec("json-weights", "json-weights", "Reads weights.json", fit=None, save=None, load=load)]


def test_hook_hub_derivers(hub_plugins, hub_registry, tmp_path):
    from hub.jobs.deriving import derive

    hub_plugins.register(SampleData(), "sample")
    hub_plugins.register(Halve(), "halver")
    weights = tmp_path / "weights.json"
    weights.write_text(json.dumps({"income": 2.0}))
    hub_registry.register_version(
        "scorer", files={"weights.json": weights}, license="mit", framework="json-weights", model_type="linear",
        trainer="json-weights", task="tabular-classification",
        config={"dataset": "contract-sample", "features": ["income"], "seed": 0, "split": {"test_size": 0.25}})

    result = derive(hub_plugins, hub_registry, "scorer", "halve")

    assert hub_plugins.all("derivers")["halve"].plugin == "halver"
    assert [(e.relation, e.parent) for e in result.version.lineage] == [("pruned", "scorer:1")]
    assert result.version.config["derived"]["details"] == {"scale": 0.5}
    assert result.deltas["size_bytes"]["derived"] <= result.deltas["size_bytes"]["parent"]
    assert result.deltas["metrics"]["roc_auc"]["delta"] == pytest.approx(0.0)  # halving keeps the ranking
