"""Small real registries for the dashboard page tests: trained, evaluated and derived through the
same jobs the command line runs, so pages are checked against the reports plugins really write."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from streamlit.testing.v1 import AppTest

from hub import config
from hub.registry import Registry

APP = Path(list(importlib.util.find_spec("hub.dashboard").submodule_search_locations)[0]) / "app.py"
RUN_TIMEOUT = 120


def location(root: Path) -> config.Location:
    return config.resolve(f"sqlite:///{root / 'registry.db'}", root / "hub-store")


def use(monkeypatch, where: config.Location) -> config.Location:
    """Point the dashboard (``state.location``) at ``where``."""
    monkeypatch.setenv("HUB_REGISTRY_URL", where.url)
    monkeypatch.setenv("HUB_STORE", str(where.store))
    return where


def credit_registry(root: Path) -> config.Location:
    """German Credit as a reviewer meets it.

    credit-risk v1: gradient boosting, declared evaluation (sex and age) plus an additional one on sex
    alone; v2: logistic regression, declared evaluation; v3: unevaluated. credit-fair v1: gradient
    boosting judged by fairlearn alone; v2: v1 mitigated with the threshold optimizer on sex (only
    fairlearn, so deriving does not run SHAP's permutation explainer on the derived model).
    """
    from hub.jobs.deriving import derive
    from hub.jobs.evaluation import evaluate
    from hub.jobs.training import train
    from hub.plugins.manager import installed_plugins

    where = location(root)
    registry, plugins = Registry(where.url, where.store), installed_plugins()
    first = train(plugins, registry, dataset="german-credit", model_type="gradient-boosting", name="credit-risk")
    evaluate(plugins, registry, first.model, first.version)
    evaluate(plugins, registry, first.model, first.version, sensitive=["sex"], evaluators=["fairlearn"])
    train(plugins, registry, dataset="german-credit", model_type="logistic-regression", name="credit-risk")
    evaluate(plugins, registry, "credit-risk", 2)
    train(plugins, registry, dataset="german-credit", model_type="gradient-boosting", name="credit-risk", seed=1)
    fair = train(plugins, registry, dataset="german-credit", model_type="gradient-boosting", name="credit-fair")
    evaluate(plugins, registry, fair.model, fair.version, evaluators=["fairlearn"])
    derive(plugins, registry, fair.ref, "threshold-optimizer", params={"sensitive": "sex"})
    registry.close()
    return where


def task_registry(root: Path) -> config.Location:
    """A multi-class (``housing``) and a regression (``income``) model on the plugin kit's sample
    table, explained and judged (by sex, age and sex × age) by the real shap and fairlearn plugins."""
    import dataclasses

    import ecohub_fairlearn
    import ecohub_shap
    import ecohub_sklearn

    from hub import hookimpl
    from hub.jobs.evaluation import evaluate
    from hub.jobs.training import train
    from hub.plugins.manager import register_objects
    from hub.testing import sample_dataset, sample_regression_dataset

    class Tasks:
        @hookimpl
        def hub_datasets(self):
            groups = {"sensitive_features": ("sex", "age"), "bins": {"age": (30.0, 60.0)}}
            return [dataclasses.replace(sample_dataset(), name="sample-housing", target="housing", positive_label=None,
                                        **groups),
                    dataclasses.replace(sample_regression_dataset(), **groups)]

    where = location(root)
    plugins = register_objects(("tasks", Tasks()), ("sklearn", ecohub_sklearn), ("shap", ecohub_shap),
                               ("fairlearn", ecohub_fairlearn))
    registry = Registry(where.url, where.store)
    for dataset, model_type, name in (("sample-housing", "logistic-regression", "housing"),
                                      (sample_regression_dataset().name, "ridge-regression", "income")):
        train(plugins, registry, dataset=dataset, model_type=model_type, name=name)
        evaluate(plugins, registry, name)
    registry.close()
    return where


def text_registry(root: Path) -> config.Location:
    """sms-spam v1: a MiniLM ``text-head`` trained on 48 messages, explained on a few texts at 20 masked strings each."""
    from hub.jobs.training import register_base_model
    from hub.jobs.evaluation import evaluate
    from hub.jobs.training import train
    from hub.plugins.manager import installed_plugins

    where = location(root)
    registry, plugins = Registry(where.url, where.store), installed_plugins()
    base = register_base_model(plugins, registry, "sentence-transformers/all-MiniLM-L6-v2")
    version = train(plugins, registry, dataset="sms-spam", model_type="text-head", name="sms-spam", base=base.ref,
                    params={"max_length": 24, "max_steps": 2, "batch_size": 8}, max_rows=48, test_size=0.02)
    evaluate(plugins, registry, version.model, version.version, evaluators=["shap"],
             options={"shap": {"sample_rows": 1, "max_evals": 20}})
    registry.close()
    return where


def open_page(page: str, **query_params: str) -> AppTest:
    """The app at ``page`` with ``query_params``, run once; fails on any exception the page raised."""
    app = AppTest.from_file(APP, default_timeout=RUN_TIMEOUT).run()
    app.query_params.update(query_params)
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def texts(app: AppTest) -> str:
    """Every piece of text on the page, as one string to search."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success",
                                  "warning", "error", "metric", "code") for e in getattr(app, kind)]
    return "\n".join(str(part) for part in parts)


def widget(elements, label: str):
    return next(element for element in elements if element.label == label)
