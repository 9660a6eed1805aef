"""The hooks a plugin can implement.

Two kinds, kept regular on purpose:

- *Provider* hooks (``hub_datasets`` ... ``hub_storage_backends``) return a list of typed specs
  from :mod:`hub.specs`. Their return values are validated in one place (:mod:`hub.plugins`),
  which names the plugin when one returns something wrong or a name another plugin already has.
- *Event* hooks (``hub_version_registered``, ``hub_before_training``, ``hub_after_training``,
  ``hub_after_evaluation``) are told that something happened and return nothing. A listener that
  raises is reported against its plugin; the work it was told about goes on.

An implementation may take any subset of a hook's arguments, by name. Every hook here has a
heading in ``docs/plugins.md`` and a ``test_hook_<name>`` test; ``tests/test_hookspecs.py``
enforces both, and the example in each docstring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

import pluggy

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

if TYPE_CHECKING:
    from hub.registry import Registry, VersionRecord

hookspec = pluggy.HookspecMarker("ecohub")


@hookspec
def hub_datasets() -> list[DatasetSpec]:
    """Return the datasets this plugin provides.

    Example::

        from hub import hookimpl
        from hub.specs import DatasetSpec

        @hookimpl
        def hub_datasets():
            def load():
                import pandas as pd
                return pd.read_csv("loans.csv")

            return [DatasetSpec(name="loans", description="Loan decisions", load=load,
                                target="approved", positive_label="yes", license="cc-by-4.0",
                                sensitive_features=("sex",))]
    """


@hookspec
def hub_models() -> list[ModelSpec]:
    """Return the kinds of model this plugin can build.

    Example::

        from hub import hookimpl
        from hub.specs import ModelSpec

        @hookimpl
        def hub_models():
            def build(params):
                from sklearn.tree import DecisionTreeClassifier
                return DecisionTreeClassifier(**params)

            return [ModelSpec(name="decision-tree", description="A single decision tree",
                              framework="sklearn", build=build, default_params={"max_depth": 4})]
    """


@hookspec
def hub_trainers() -> list[TrainerSpec]:
    """Return trainers: each fits, saves and safely loads the models of one framework.

    Example::

        from hub import hookimpl
        from hub.specs import TrainerSpec

        @hookimpl
        def hub_trainers():
            def fit(request):
                model = request.model.build(request.params)
                return model.fit(request.X, request.y)

            return [TrainerSpec(name="my-framework", framework="my-framework",
                                description="Fits my-framework models", fit=fit,
                                save=my_save, load=my_load)]
    """


@hookspec
def hub_evaluators() -> list[EvaluatorSpec]:
    """Return evaluators: each turns a model and its evaluation rows into a stored report.

    Example::

        from hub import hookimpl
        from hub.specs import EvaluatorSpec

        @hookimpl
        def hub_evaluators():
            def evaluate(inputs):
                return {"positive_rate": float(inputs.y_pred.mean())}

            return [EvaluatorSpec(name="positive-rate", kind="summary",
                                  description="Share of rows predicted positive",
                                  evaluate=evaluate,
                                  summarize=lambda r: f"positive rate {r['positive_rate']:.1%}")]
    """


@hookspec
def hub_base_models() -> list[BaseModelSpec]:
    """Return pretrained models this plugin ships, which ecohub can register as bases to adapt.

    ``files()`` is called only when the model is registered (``hub demo`` registers the bases it
    uses once), and must return a folder already on this machine: nothing is downloaded.

    Example::

        from hub import hookimpl
        from hub.specs import BaseModelSpec

        def files():
            from pathlib import Path
            import tiny_bert_package  # a package that ships the weights
            return Path(tiny_bert_package.__file__).parent / "model"

        @hookimpl
        def hub_base_models():
            return [BaseModelSpec(name="acme/tiny-bert", description="A 4-layer BERT encoder",
                                  license="apache-2.0", source="hf:acme/tiny-bert@0123abc",
                                  files=files, framework="transformers")]
    """


@hookspec
def hub_derivers() -> list[DeriverSpec]:
    """Return the ways this plugin makes a new version from an existing one (``hub derive``).

    Example::

        from hub import hookimpl
        from hub.specs import Derived, DeriverSpec

        def halve(request):
            import json
            weights = json.loads((request.directory / "weights.json").read_text())
            halved = {key: value / 2 for key, value in weights.items()}
            (request.output / "weights.json").write_text(json.dumps(halved))
            return Derived(trainer=request.parent.trainer, framework=request.parent.framework,
                           model_type=request.parent.model_type, details={"scale": 0.5})

        @hookimpl
        def hub_derivers():
            return [DeriverSpec(name="halve", description="Halve every weight", relation="pruned",
                                derive=halve, frameworks=("json-weights",))]
    """


@hookspec
def hub_commands() -> list[CommandSpec]:
    """Return ``hub`` subcommands: ``hub --help`` lists them, ``load()`` imports one when it runs.

    Example::

        import click
        from hub import hookimpl
        from hub.specs import CommandSpec

        @click.command(help="Greet someone.")
        @click.argument("name")
        def hello(name):
            click.echo(f"Hello, {name}")

        @hookimpl
        def hub_commands():
            return [CommandSpec(name="hello", help="Greet someone.", load=lambda: hello)]
    """


@hookspec
def hub_dashboard_pages() -> list[DashboardPageSpec]:
    """Return pages for the review dashboard; ``render(registry)`` draws one with Streamlit.

    Example::

        from hub import hookimpl
        from hub.specs import DashboardPageSpec

        def render(registry):
            import streamlit as st
            st.title("Model count")
            st.metric("Models", len(registry.list_models()))

        @hookimpl
        def hub_dashboard_pages():
            return [DashboardPageSpec(name="model-count", title="Model count", render=render,
                                      icon=":material/numbers:")]
    """


@hookspec
def hub_publish_checks(registry: Registry | None) -> list[PublishCheckSpec]:
    """Return checks run before a version is promoted to an alias or pushed; a failure blocks it.

    ``registry`` is the registry the checks guard, for reading report bodies inside ``check``. It
    is None when ecohub only lists what plugins provide, so use it inside ``check``, not here.

    Example::

        from hub import hookimpl
        from hub.specs import PublishCheckResult, PublishCheckSpec

        def has_reports(version, action, target):
            if version.reports:
                return PublishCheckResult("has-reports", True)
            return PublishCheckResult("has-reports", False,
                                      f"{version.ref} has no reports; run 'hub evaluate {version.ref}'")

        @hookimpl
        def hub_publish_checks(registry):
            return [PublishCheckSpec(name="has-reports", description="A version must be evaluated",
                                     check=has_reports)]
    """


@hookspec
def hub_storage_backends() -> list[StorageBackendSpec]:
    """Return blob-store backends, each chosen by the scheme of the store URI (``--store s3://...``).

    ``open(uri)`` returns a :class:`hub.registry.store.ObjectStore`.

    Example::

        from hub import hookimpl
        from hub.specs import StorageBackendSpec

        def open_memory(uri):
            from my_plugin.objects import MemoryObjects  # implements hub.registry.store.ObjectStore
            return MemoryObjects(uri)

        @hookimpl
        def hub_storage_backends():
            return [StorageBackendSpec(scheme="memory", description="Blobs in this process's memory",
                                       open=open_memory)]
    """


@hookspec
def hub_version_registered(version: VersionRecord) -> None:
    """Called after a new version's transaction has committed, whoever registered it.

    Example::

        from hub import hookimpl

        @hookimpl
        def hub_version_registered(version):
            print(f"new version {version.ref} under license {version.license}")
    """


@hookspec
def hub_before_training(name: str, dataset: DatasetSpec, model_type: ModelSpec,
                        params: Mapping[str, Any], seed: int) -> None:
    """Called when ``hub train`` has checked its inputs and is about to load data and fit.

    Example::

        from hub import hookimpl

        @hookimpl
        def hub_before_training(name, dataset, model_type):
            print(f"training {model_type.name} on {dataset.name} for {name}")
    """


@hookspec
def hub_after_training(version: VersionRecord, model: Any) -> None:
    """Called after ``hub train`` has registered a version, with the fitted model itself.

    Example::

        from hub import hookimpl

        @hookimpl
        def hub_after_training(version, model):
            print(f"{version.ref}: test ROC AUC {version.metrics['test']['roc_auc']:.3f}")
    """


@hookspec
def hub_after_evaluation(version: VersionRecord, reports: Mapping[str, Mapping[str, Any]]) -> None:
    """Called after ``hub evaluate`` has stored its reports; ``reports`` maps evaluator to body.

    Example::

        from hub import hookimpl

        @hookimpl
        def hub_after_evaluation(version, reports):
            for evaluator, body in reports.items():
                print(f"{version.ref}: {evaluator} report stored")
    """
