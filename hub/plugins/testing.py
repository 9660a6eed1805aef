"""Testing ecohub plugins: fixtures, and contract tests a plugin author runs against their plugin.

pytest loads this module in any environment where ecohub is installed (it is registered under
pytest's ``pytest11`` entry point), so its fixtures need no import:

- ``hub_plugins``: a fresh, empty plugin set; ``hub_plugins.register(my_module, "my-plugin")``.
- ``hub_registry``: an empty registry in a temporary folder, wired to ``hub_plugins``.
- ``register_plugin``: adds a plugin object to the installed plugins for one test, so the CLI
  and the library see it beside everything installed.
- ``hub_config_dir``: a fresh hub config folder for one test (enable/disable, the lock file).

For the whole session, ``HUB_CONFIG_DIR`` points at a fresh folder, so tests never read or change
the config of the person running them.

Contract tests: subclass :class:`PluginContract` in a test module and set ``plugin``::

    import my_plugin
    from hub.testing import PluginContract

    class TestMyPlugin(PluginContract):
        plugin = my_plugin

Only ``pluggy`` and ecohub's light modules are imported here; pandas, numpy and the registry load
inside the fixtures and checks that use them.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

import pytest

from hub.plugins.selection import Selection
from hub.plugins.manager import ENTRY_POINT_GROUP, Plugins, load_plugins, register_objects

LISTING_HOOKS = ("hub_datasets", "hub_models", "hub_trainers", "hub_evaluators", "hub_commands",
                 "hub_dashboard_pages", "hub_storage_backends")
"""The hooks ``hub plugins list`` calls; none of them may import a heavy library."""
HEAVY_MODULES = ("pandas", "numpy", "sklearn", "torch", "shap", "fairlearn", "streamlit", "sqlalchemy")
_SESSION_CONFIG: dict[str, Any] = {}


def pytest_configure(config: pytest.Config) -> None:
    _SESSION_CONFIG["previous"] = os.environ.get("HUB_CONFIG_DIR")
    _SESSION_CONFIG["dir"] = tempfile.mkdtemp(prefix="hub-test-config-")
    os.environ["HUB_CONFIG_DIR"] = _SESSION_CONFIG["dir"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the contract checks of things a plugin does not provide.

    A dataset-only plugin has no model types to train; listing that check as skipped would read
    as if something went unchecked, so it is deselected instead.
    """
    kept, dropped = [], []
    for item in items:
        contract = getattr(item, "cls", None)
        hook = PluginContract.CHECKS_BY_HOOK.get(getattr(item, "originalname", item.name))
        if contract and issubclass(contract, PluginContract) and hook and not hasattr(contract.plugin, hook):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_unconfigure(config: pytest.Config) -> None:
    if "dir" not in _SESSION_CONFIG:
        return
    shutil.rmtree(_SESSION_CONFIG.pop("dir"), ignore_errors=True)
    previous = _SESSION_CONFIG.pop("previous")
    if previous is None:
        os.environ.pop("HUB_CONFIG_DIR", None)
    else:
        os.environ["HUB_CONFIG_DIR"] = previous


@pytest.fixture
def hub_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh hub config folder for one test; the installed plugins are loaded afresh around it."""
    from hub.plugins.manager import installed_plugins

    folder = tmp_path / "hub-config"
    monkeypatch.setenv("HUB_CONFIG_DIR", str(folder))
    installed_plugins.cache_clear()
    yield folder
    installed_plugins.cache_clear()


@pytest.fixture
def hub_plugins() -> Plugins:
    """A fresh plugin set with no plugin in it: ``hub_plugins.register(plugin, name)`` adds one."""
    return register_objects()


@pytest.fixture
def hub_registry(tmp_path: Path, hub_plugins: Plugins):
    """An empty registry (SQLite and a blob store in a temporary folder) wired to ``hub_plugins``."""
    from hub.plugins.events import open_registry

    registry = open_registry(f"sqlite:///{tmp_path / 'registry.db'}", str(tmp_path / "store"), hub_plugins)
    yield registry
    registry.close()


@pytest.fixture
def register_plugin(monkeypatch: pytest.MonkeyPatch):
    """``register_plugin(plugin, name)``: the installed plugins plus this one, for this test only."""
    plugins: list[Plugins] = []

    def register(plugin: object, name: str | None = None):
        if not plugins:
            plugins.append(load_plugins())
            monkeypatch.setattr("hub.plugins.manager.installed_plugins", functools.cache(lambda: plugins[0]))
        return plugins[0].register(plugin, name or getattr(plugin, "__name__", type(plugin).__name__))

    return register


def sample_frame(rows: int = 240, seed: int = 0):
    """A small loan-decision table: numeric and categorical features, a sensitive column, a target."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    income = rng.normal(50, 15, rows).round(1)
    age = rng.integers(18, 80, rows)
    housing = rng.choice(["own", "rent", "free"], rows)
    sex = rng.choice(["female", "male"], rows)
    score = (income - 50) / 15 + (housing == "own") * 0.5 + rng.normal(0, 0.7, rows)
    return pd.DataFrame({"income": income, "age": age, "housing": housing, "sex": sex,
                         "approved": np.where(score > 0, "yes", "no")})


def sample_dataset():
    """:func:`sample_frame` as a ``DatasetSpec``, for checking model types and evaluators."""
    from hub.specs import DatasetSpec

    return DatasetSpec(name="contract-sample", description="Synthetic loan decisions", load=sample_frame,
                       target="approved", positive_label="yes", license="cc0-1.0", sensitive_features=("sex",))


def sample_regression_dataset():
    """:func:`sample_frame` as a regression ``DatasetSpec``: predict ``income`` from the other columns."""
    from hub.specs import TABULAR_REGRESSION, DatasetSpec

    return DatasetSpec(name="contract-sample-income", description="Synthetic incomes", load=sample_frame,
                       target="income", positive_label=None, license="cc0-1.0", task=TABULAR_REGRESSION,
                       drop_columns=("approved",), sensitive_features=("sex",))


class _ThresholdModel:
    """A stand-in fitted model for checking evaluators when no model type is installed."""

    framework = "contract-stub"

    def predict_proba(self, X):
        import numpy as np

        score = 1 / (1 + np.exp(-(X["income"].to_numpy(dtype=float) - 50) / 10))
        return np.column_stack([1 - score, score])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= 0.5).astype("int64")


def _module_of(plugin: object) -> str:
    return plugin.__name__ if isinstance(plugin, types.ModuleType) else type(plugin).__module__


class PluginContract:
    """Checks every plugin should pass. Subclass it as ``Test...`` and set ``plugin``.

    ``model_type`` names the installed model type whose fitted model evaluators are checked on,
    when the plugin provides none of its own.
    """

    plugin: object = None
    name: str = "plugin-under-test"
    model_type: str = "logistic-regression"

    CHECKS_BY_HOOK = {
        "test_datasets_load_with_their_declared_columns": "hub_datasets",
        "test_model_types_train_save_load_and_predict": "hub_models",
        "test_evaluators_return_valid_reports": "hub_evaluators",
        "test_commands_load_as_click_commands": "hub_commands",
    }
    """Checks that apply only to plugins implementing the named hook (see the collection hook)."""

    @pytest.fixture
    def contract_plugins(self) -> Plugins:
        """The installed plugins (bar another copy of this one) plus the plugin under test."""
        if self.plugin is None:
            pytest.fail("Set 'plugin = your_plugin_module' on the PluginContract subclass.", pytrace=False)
        from importlib import metadata

        own = _module_of(self.plugin)
        points = [ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP) if ep.module != own]
        plugins = load_plugins(entry_points=points, selection=Selection())
        plugins.register(self.plugin, self.name)
        return plugins

    def _own(self, plugins: Plugins, kind: str) -> list:
        return [p.spec for p in plugins.all(kind).values() if p.plugin == self.name]

    def test_plugin_loads_and_its_specs_validate(self, contract_plugins: Plugins):
        info = contract_plugins.infos[self.name]
        assert (info.status, info.errors) == ("ok", []), f"{info.status}: {info.errors}"
        assert info.hooks, "the plugin implements no ecohub hook"
        assert info.plugin_api, "declare the plugin API range you support: HUB_PLUGIN_API = '>=1,<2'"

    def test_importing_the_plugin_imports_nothing_heavy(self):
        """Importing the module and calling its listing hooks, as ``hub plugins list`` does."""
        probe = (f"import sys, json, {_module_of(self.plugin)} as plugin\n"
                 f"for hook in {LISTING_HOOKS!r}:\n"
                 f"    getattr(plugin, hook, lambda: None)()\n"
                 f"print(json.dumps(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules)))")
        result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == [], "import heavy libraries inside the callables that use them"

    def test_datasets_load_with_their_declared_columns(self, contract_plugins: Plugins):
        from hub.errors import DatasetUnavailableError
        from hub.jobs.data import load_labelled
        from hub.registry import licenses

        datasets = self._own(contract_plugins, "datasets")
        assert datasets, "the plugin implements hub_datasets but returns nothing"
        for spec in datasets:
            licenses.get(spec.license)
            try:
                frame = spec.load()
            except DatasetUnavailableError as error:
                pytest.skip(f"{spec.name}: {error.message}")
            declared = {spec.target, *spec.sensitive_features, *spec.features, *spec.drop_columns}
            assert declared <= set(frame.columns), f"{spec.name} lacks {declared - set(frame.columns)}"
            assert len(spec.feature_columns(frame.columns)) > 0
            load_labelled(spec)  # the target fits the declared task, or a clear error says why not

    def test_model_types_train_save_load_and_predict(self, contract_plugins: Plugins, tmp_path: Path):
        """Each model type fitted on the sample of every tabular task it handles; model types that
        adapt a registered base, or handle only text, are left to the plugin's own tests."""
        import numpy as np

        from hub.jobs.data import load_labelled
        from hub.specs import TABULAR_CLASSIFICATION, TABULAR_REGRESSION, FitRequest, no_progress

        models = self._own(contract_plugins, "models")
        assert models, "the plugin implements hub_models but returns nothing"
        samples = {TABULAR_CLASSIFICATION: sample_dataset(), TABULAR_REGRESSION: sample_regression_dataset()}
        checked = 0
        for spec in models:
            trainer = contract_plugins.trainer_for(spec.framework).spec
            for task in [task for task in spec.tasks if task in samples and not spec.base_relation]:
                dataset = samples[task]
                table = load_labelled(dataset)
                X = table.columns(dataset.feature_columns(table.frame.columns), "a feature")
                request = FitRequest(model=spec, params=dict(spec.default_params), X=X, y=table.y, seed=0,
                                     progress=no_progress, task=task, classes=table.classes)
                fitted = trainer.fit(request)
                if task == TABULAR_REGRESSION:
                    scores = np.asarray(fitted.predict(X))
                    assert scores.shape == (len(X),), f"{spec.name}: predict must return one number per row"
                else:
                    scores = fitted.predict_proba(X)
                    assert scores.shape == (len(X), 2), \
                        f"{spec.name}: predict_proba must return one row per input, 2 columns"
                    assert ((scores >= 0) & (scores <= 1)).all()
                folder = tmp_path / f"{spec.name}-{task}"
                folder.mkdir()
                trainer.save(fitted, folder)
                reloaded = trainer.load(folder)
                again = reloaded.predict(X) if task == TABULAR_REGRESSION else reloaded.predict_proba(X)
                assert (np.asarray(again) == scores).all(), f"{spec.name}: a reloaded model differs"
                checked += 1
        if not checked:
            pytest.skip("no model type of the plugin trains on a tabular sample without a base model")

    def test_evaluators_return_valid_reports(self, contract_plugins: Plugins):
        from hub.jobs.data import load_labelled
        from hub.specs import EvaluationInput, FitRequest, no_progress

        evaluators = self._own(contract_plugins, "evaluators")
        assert evaluators, "the plugin implements hub_evaluators but returns nothing"
        dataset = sample_dataset()
        table = load_labelled(dataset)
        X = table.columns(dataset.feature_columns(table.frame.columns), "a feature")
        own_models = self._own(contract_plugins, "models")
        model_spec = own_models[0] if own_models else contract_plugins.all("models").get(self.model_type)
        model_spec = getattr(model_spec, "spec", model_spec)
        if model_spec is not None:
            trainer = contract_plugins.trainer_for(model_spec.framework).spec
            model = trainer.fit(FitRequest(model=model_spec, params=dict(model_spec.default_params), X=X,
                                           y=table.y, seed=0, progress=no_progress))
            framework, model_type = model_spec.framework, model_spec.name
        else:
            model, framework, model_type = _ThresholdModel(), _ThresholdModel.framework, "threshold"
        y_score = model.predict_proba(X)[:, 1]
        inputs = EvaluationInput(model=model, model_type=model_type, framework=framework, dataset=dataset, X=X,
                                 y_true=table.y, y_pred=(y_score >= 0.5).astype("int64"), y_score=y_score,
                                 sensitive=table.columns(["sex"], "a sensitive feature"), seed=0)
        checked = 0
        for spec in evaluators:
            if not spec.applies_to(framework):
                continue
            report = spec.evaluate(inputs)
            json.dumps(report, allow_nan=False)  # stored as JSON: plain values, None for NaN
            assert isinstance(spec.summarize(report), str)
            checked += 1
        if not checked:
            pytest.skip(f"no evaluator of the plugin applies to {framework} models")

    def test_commands_load_as_click_commands(self, contract_plugins: Plugins):
        import click

        commands = self._own(contract_plugins, "commands")
        assert commands, "the plugin implements hub_commands but returns nothing"
        for spec in commands:
            assert isinstance(spec.load(), click.Command), f"{spec.name}: load() must return a click command"
