"""The Train page with Streamlit's AppTest against real registries and the installed plugins.

Training and evaluation run in the page's background jobs (``hub.dashboard.running``), so each test
clicks, then runs the script again until the job's outcome is drawn, the way the page's fragment
polls it in a browser.
"""

from __future__ import annotations

import importlib.util
import tempfile
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hub import config
from hub.registry import Registry

APP = Path(list(importlib.util.find_spec("hub.dashboard").submodule_search_locations)[0]) / "app.py"
RUN_TIMEOUT = 60
JOB_TIMEOUT = 90


@pytest.fixture(scope="module", autouse=True)
def libraries_loaded():
    """Import what the jobs import before any job starts. Python 3.11.7 can raise "AST constructor
    recursion depth mismatch" when two threads compile at once (CPython gh-106905, fixed in 3.11.8),
    and AppTest compiles the page on every run while a job's first imports compile modules."""
    import fairlearn.metrics  # noqa: F401
    import shap  # noqa: F401
    import sklearn.ensemble  # noqa: F401
    import skops.io  # noqa: F401
    import torch  # noqa: F401


@pytest.fixture
def empty(tmp_path, monkeypatch) -> config.Location:
    """An empty registry, and a temporary folder of the test's own to check for leftovers."""
    location = config.resolve(f"sqlite:///{tmp_path / 'registry.db'}", tmp_path / "hub-store")
    monkeypatch.setenv("HUB_REGISTRY_URL", location.url)
    monkeypatch.setenv("HUB_STORE", str(location.store))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return location


def train_page() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=RUN_TIMEOUT).run()
    app.switch_page("views/train.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def texts(app: AppTest) -> str:
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success",
                                  "warning", "error", "code") for e in getattr(app, kind)]
    parts += [f"{m.label} {m.value}" for m in app.metric]
    return "\n".join(str(part) for part in parts)


def until(app: AppTest, seen, what: str) -> AppTest:
    """Run the page again until ``seen(app)``, as the page's fragment would poll the job."""
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        app.run()
        assert not app.exception, [e.value for e in app.exception]
        if seen(app):
            return app
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {JOB_TIMEOUT}s; the page said:\n{texts(app)}")


def widget(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def choose(app: AppTest, dataset: str, model_type: str) -> AppTest:
    app.selectbox(key="train-dataset").set_value(dataset).run()
    app.selectbox(key="train-model-type").set_value(model_type).run()
    return app


def click(app: AppTest, label: str) -> AppTest:
    return widget(app.button, label).click().run()


def progress_text(app: AppTest) -> str:
    return " ".join(bar.proto.text for bar in app.get("progress"))


def leftovers(location: config.Location) -> list[Path]:
    """Files a stopped job could have left: blobs in the store, training folders in the temp folder."""
    return [p for p in Path(location.store).rglob("*") if p.is_file()] + list(Path(tempfile.tempdir).glob("hub-*"))


def test_datasets_show_task_target_sensitive_columns_and_license_on_an_empty_registry(empty):
    app = train_page()

    table = next(frame.value for frame in app.dataframe if "Dataset" in frame.value.columns)
    german = table.set_index("Dataset").loc["german-credit"]
    assert (german["Task"], german["Target"], german["License"]) == ("tabular-classification", "credit_risk",
                                                                     "cc-by-4.0")
    assert german["Sensitive features"] == "sex, age"
    assert "Task tabular-classification; target `credit_risk`" in texts(app)


def test_model_types_are_those_that_fit_the_datasets_task_and_text_ones_offer_a_base(empty):
    app = train_page()

    app.selectbox(key="train-dataset").set_value("german-credit").run()
    tabular = app.selectbox(key="train-model-type").options
    app.selectbox(key="train-dataset").set_value("sms-spam").run()
    text = app.selectbox(key="train-model-type").options

    assert {"gradient-boosting", "logistic-regression", "mlp"} <= set(tabular)
    assert not any(name.startswith("text-") for name in tabular)
    assert set(text) == {"text-finetune", "text-head", "text-lora"}
    base = app.selectbox(key="train-base")
    offered = "sentence-transformers/all-MiniLM-L6-v2 (from plugin transformers; registered when training starts)"
    assert base.options == [offered]


def test_a_registered_text_base_is_offered_first_with_its_aliases(empty):
    from hub.jobs.training import register_base_model
    from hub.plugins.manager import installed_plugins

    registry = Registry(empty.url, empty.store)
    base = register_base_model(installed_plugins(), registry, "sentence-transformers/all-MiniLM-L6-v2")
    registry.set_alias(base.model, "stable", base.version)
    app = choose(train_page(), "sms-spam", "text-head")

    assert app.selectbox(key="train-base").options == ["sentence-transformers/all-MiniLM-L6-v2:1  (stable)"]
    assert "target `label`" in texts(app)


def test_the_form_offers_the_model_types_parameters_with_their_defaults(empty):
    app = choose(train_page(), "german-credit", "mlp")

    assert widget(app.number_input, "epochs").value == 30
    assert widget(app.number_input, "learning_rate").value == pytest.approx(1e-3)
    assert widget(app.text_input, "hidden_sizes").value == "[64, 32]"
    assert widget(app.number_input, "max_steps").value is None  # the loop's step limit, off until set
    choose(app, "german-credit", "gradient-boosting")
    assert widget(app.number_input, "n_estimators").value == 200
    assert "max_steps" not in [w.label for w in app.number_input]


def test_training_registers_in_the_background_then_evaluation_shows_progress_and_reports(empty):
    app = choose(train_page(), "german-credit", "logistic-regression")
    widget(app.text_input, "Registered name").input("loan-screen")
    widget(app.number_input, "Max training rows").set_value(300)

    click(app, "Train and register")
    until(app, lambda a: any("Registered" in s.value for s in a.success), "registration")
    widget(app.multiselect, "Evaluators").set_value(["fairlearn"])
    click(app, "Run evaluators")
    assert "Evaluating loan-screen:1" in progress_text(app) and "s elapsed" in progress_text(app)
    until(app, lambda a: any("Evaluated" in s.value for s in a.success), "evaluation")

    assert "Registered **loan-screen:1**" in texts(app)
    version = Registry(empty.url, empty.store).get_version("loan-screen", 1)
    assert version.config["max_rows"] == 300
    assert [report.evaluator for report in version.reports] == ["fairlearn"]
    assert "fairlearn" in texts(app)


def test_cancelling_sklearn_training_registers_nothing_and_leaves_no_files(empty):
    app = choose(train_page(), "german-credit", "gradient-boosting")
    widget(app.number_input, "n_estimators").set_value(100_000)  # long enough to cancel mid-fit

    click(app, "Train and register")
    until(app, lambda a: "boosting stage" in progress_text(a), "boosting")
    click(app, "Cancel training")
    until(app, lambda a: a.warning and "cancelled" in a.warning[0].value, "cancelling")

    assert "no version was registered" in app.warning[0].value
    assert Registry(empty.url, empty.store).list_models() == []
    assert leftovers(empty) == []
    assert not app.get("progress")


def test_torch_training_draws_a_live_loss_chart_and_cancel_stops_at_the_next_step(empty):
    app = choose(train_page(), "german-credit", "mlp")
    widget(app.number_input, "Max training rows").set_value(200)
    widget(app.number_input, "epochs").set_value(5000)
    widget(app.number_input, "patience").set_value(5000)

    click(app, "Train and register")
    until(app, lambda a: a.get("vega_lite_chart") and "Validation loss" in [m.label for m in a.metric],
          "a loss chart after the first epoch")
    figures = {metric.label: metric.value for metric in app.metric}
    click(app, "Cancel training")
    until(app, lambda a: a.warning and "cancelled" in a.warning[0].value, "cancelling")

    assert {"Step", "Loss", "Learning rate", "Validation loss", "ETA"} <= set(figures)
    assert " of " in figures["Step"]
    assert Registry(empty.url, empty.store).list_models() == []
    assert leftovers(empty) == []


def test_cancelling_evaluation_stores_no_report(empty):
    from hub.jobs.training import train
    from hub.plugins.manager import installed_plugins

    version = train(installed_plugins(), Registry(empty.url, empty.store), dataset="german-credit",
                    model_type="gradient-boosting", name="credit-risk")
    app = train_page()
    app.session_state["trained"] = {"model": version.model, "version": version.version, "dataset": "german-credit"}
    app.run()

    click(app, "Run evaluators")
    click(app, "Cancel evaluation")
    until(app, lambda a: a.warning, "cancelling")

    assert app.warning[0].value == "Evaluating credit-risk:1 was cancelled: no report was stored."
    assert Registry(empty.url, empty.store).get_version("credit-risk", 1).reports == []


def test_without_dataset_or_model_plugins_the_page_says_what_to_install(empty, monkeypatch):
    from hub.plugins.manager import installed_plugins

    monkeypatch.setenv("HUB_LOAD_PLUGINS", "")
    installed_plugins.cache_clear()
    try:
        app = train_page()
    finally:
        installed_plugins.cache_clear()

    assert "Install a plugin that provides datasets" in app.info[0].value
    assert not [b for b in app.button if b.label == "Train and register"]


def test_a_refused_name_is_an_error_message_and_nothing_is_registered(empty):
    app = choose(train_page(), "german-credit", "logistic-regression")
    widget(app.text_input, "Registered name").input("../escape")

    click(app, "Train and register")
    until(app, lambda a: a.error, "the error")

    assert "../escape" in app.error[0].value
    assert not app.exception
    assert Registry(empty.url, empty.store).list_models() == []


def test_a_parameter_that_is_not_json_is_refused_before_training(empty):
    app = choose(train_page(), "german-credit", "mlp")
    widget(app.text_input, "hidden_sizes").input("[64,")

    click(app, "Train and register")

    assert "'hidden_sizes' is not valid JSON" in app.error[0].value
    assert not app.get("progress")
