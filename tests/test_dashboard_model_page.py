"""The Model version page, run with AppTest against registries of real trained versions: permalinks
that keep their version or refuse, a header from the version's own facts, aliases, the card, the
lineage graph with the license chain, files stored against logical bytes, metrics of every task and
the latest sign-off."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hub import config
from hub.jobs.training import register_base_model
from hub.jobs.evaluation import evaluate
from hub.jobs.training import train
from hub.plugins.manager import installed_plugins
from hub.registry import Parent, Registry

APP = Path(list(importlib.util.find_spec("hub.dashboard").submodule_search_locations)[0]) / "app.py"
MODEL = "views/model.py"


def location_at(root: Path) -> config.Location:
    return config.resolve(f"sqlite:///{root / 'registry.db'}", root / "store")


@pytest.fixture(scope="module")
def credit(tmp_path_factory) -> config.Location:
    """credit-risk v1 (gradient-boosting, no reports, ``staging``) and v2 (logistic regression,
    evaluated, ``production``, approved); credit-risk-small v1, quantized from v2 and sharing a file
    with it; loan-screen v1; and a regression and a multi-class version registered with their
    tasks' metrics."""
    root = tmp_path_factory.mktemp("credit")
    location = location_at(root)
    registry, plugins = Registry(location.url, location.store), installed_plugins()
    train(plugins, registry, dataset="german-credit", model_type="gradient-boosting", name="credit-risk")
    second = train(plugins, registry, dataset="german-credit", model_type="logistic-regression", name="credit-risk",
                   seed=1)
    evaluate(plugins, registry, second.model, second.version)
    train(plugins, registry, dataset="german-credit", model_type="logistic-regression", name="loan-screen")
    registry.set_alias("credit-risk", "production", 2, justification="test fixture")
    registry.set_alias("credit-risk", "staging", 1)
    shown = registry.get_version("credit-risk", 2).reports
    registry.sign_off("credit-risk:2", "approve", "fair on sex and age", reports_seen=[r.sha256 for r in shown],
                      actor="ana")
    shared = registry.export_files("credit-risk", 2, root / "v2")
    registry.register_version(
        "credit-risk-small", license="cc-by-4.0", model_type="quantized", lineage=[Parent("credit-risk:2", "quantized")],
        files={shared.files[0].path: root / "v2" / shared.files[0].path, "scales.json": _write(root / "scales.json")})
    weights = root / "weights.safetensors"
    weights.write_bytes(b"weights")
    for name, task, test in (("house-prices", "tabular-regression", {"mae": 1.5, "rmse": 2.25, "r2": 0.75}),
                             ("hostility", "text-classification", {"accuracy": 0.61, "f1_macro": 0.42})):
        registry.register_version(name, files={"model.safetensors": weights}, license="mit", task=task,
                                  model_type="ridge-regression" if task == "tabular-regression" else "text-head",
                                  metrics={"test": test, "train": test})
    registry.close()
    return location


def _write(path: Path) -> Path:
    path.write_text('{"scale": 0.5}')
    return path


def use(location: config.Location, monkeypatch) -> config.Location:
    monkeypatch.setenv("HUB_REGISTRY_URL", location.url)
    monkeypatch.setenv("HUB_STORE", str(location.store))
    return location


@pytest.fixture
def reviewed(credit, monkeypatch) -> config.Location:
    return use(credit, monkeypatch)


def model_page(**query_params: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.query_params.update(query_params)
    app.switch_page(MODEL).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def texts(app: AppTest) -> str:
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success",
                                  "warning", "error", "metric") for e in getattr(app, kind)]
    return "\n".join(str(part) for part in parts)


def selected(app: AppTest, label: str):
    return next(box for box in app.selectbox if box.label == label)


def graph(app: AppTest) -> str:
    return app.get("graphviz_chart")[0].proto.spec


def test_a_permalink_stays_on_its_version_after_newer_ones(reviewed):
    app = model_page(model="credit-risk", version="1")

    assert app.title[0].value == "credit-risk v1"
    assert selected(app, "Version").value == 1
    assert (app.query_params["model"], app.query_params["version"]) == ("credit-risk", "1")


@pytest.mark.parametrize("params, says", [
    ({"model": "no-such-model"}, "There is no model named 'no-such-model'"),
    ({"model": "credit-risk", "version": "7"}, "has no version '7' (it has 1, 2)"),
    ({"model": "credit-risk", "version": "latest"}, "has no version 'latest'"),
    ({"version": "1"}, "names version 1 but no model"),
])
def test_a_link_to_something_that_does_not_exist_says_so_and_shows_nothing_else(reviewed, params, says):
    app = model_page(**params)

    assert says in app.error[0].value
    assert not app.title and not app.dataframe and not app.metric


def test_choosing_another_model_goes_to_its_latest_version_and_the_url_says_so(reviewed):
    app = model_page(model="credit-risk", version="1")

    selected(app, "Model").select("loan-screen").run()

    assert app.title[0].value == "loan-screen v1"
    assert (app.query_params["model"], app.query_params["version"]) == ("loan-screen", "1")


def test_the_header_describes_the_version_not_the_model_first_registered(reviewed):
    app = model_page(model="credit-risk", version="2")

    header = app.caption[0].value
    assert header.startswith("logistic-regression · sklearn · tabular-classification")
    assert "radient-boost" not in texts(app) + "\n".join(m.value for m in app.markdown)


def test_aliases_of_this_version_and_where_the_others_point(reviewed):
    first, second = model_page(model="credit-risk", version="1"), model_page(model="credit-risk", version="2")

    assert "**Aliases of this version:** `staging`" in texts(first) and "production → v2" in texts(first)
    assert "**Aliases of this version:** `production`" in texts(second) and "staging → v1" in texts(second)
    assert selected(first, "Version").options == ["2  (production)", "1  (staging)"]


def test_the_model_card_is_rendered_without_its_front_matter(reviewed):
    app = model_page(model="credit-risk", version="2")

    card = next(m.value for m in app.markdown if m.value.startswith("# credit-risk v2"))
    assert "license: cc-by-4.0" not in card and not card.startswith("---")
    assert any(json.loads(shown.value).get("license") == "cc-by-4.0" for shown in app.json)


def test_lineage_is_a_graph_with_the_license_chain_and_its_reasons(reviewed):
    app = model_page(model="credit-risk", version="2")

    dot = graph(app)
    assert '"german-credit" -> "credit-risk:2" [label="trained_on"' in dot
    assert "the model carries the strictest input license, cc-by-4.0" in texts(app)
    assert "License policy over the lineage: **" in texts(app)


def test_files_show_logical_and_stored_bytes(reviewed):
    app = model_page(model="credit-risk", version="1")

    files = next(frame.value for frame in app.dataframe if "Logical bytes" in frame.value.columns)
    assert (files["Logical bytes"] > 0).all() and (files["Stored bytes"] > 0).all()
    assert (files["New beyond base"] == files["Stored bytes"]).all()  # no base model: nothing shared


def test_a_derived_version_shows_its_base_and_stores_only_what_it_adds(reviewed):
    derived, base = model_page(model="credit-risk-small", version="1"), model_page(model="credit-risk", version="2")

    edge = '"credit-risk:2" -> "credit-risk-small:1" [label="quantized"'
    assert edge in graph(derived) and edge in graph(base)
    files = next(frame.value for frame in derived.dataframe if "Logical bytes" in frame.value.columns).set_index("File")
    assert files.loc["scales.json", "New beyond base"] > 0
    assert (files.drop("scales.json")["New beyond base"] == 0).all()  # the file shared with credit-risk:2
    assert "beyond its base (credit-risk:2)" in texts(derived)


def test_metrics_and_reports_in_brief_with_links_to_their_pages(reviewed):
    app = model_page(model="credit-risk", version="2")

    assert float(next(m for m in app.metric if m.label == "Held-out ROC AUC").value) > 0.5
    links = {link.label: link.proto.page for link in app.get("page_link")}
    assert "Open the fairness report" in links and "Open the explanation report" in links


def test_a_version_without_reports_says_how_to_make_them(reviewed):
    app = model_page(model="credit-risk", version="1")

    assert "Run `hub evaluate credit-risk:1`" in app.info[-1].value
    assert "Not reviewed" in app.info[0].value


def test_the_latest_sign_off_is_shown_with_whether_its_reports_are_current(reviewed):
    app = model_page(model="credit-risk", version="2")

    decision = app.success[0].value
    assert "**Approved** by ana" in decision and "fair on sex and age" in decision
    assert "still the current canonical reports" in decision


@pytest.mark.parametrize("model, tiles", [("house-prices", ["MAE", "RMSE", "R²"]),
                                          ("hostility", ["Accuracy", "Macro F1"])])
def test_regression_and_multi_class_versions_show_their_own_metrics(reviewed, model, tiles):
    app = model_page(model=model, version="1")

    assert [m.label for m in app.metric if m.label.startswith("Held-out")] == [f"Held-out {t}" for t in tiles]


def test_an_empty_registry_says_how_to_add_a_model(tmp_path, monkeypatch):
    use(location_at(tmp_path), monkeypatch)

    app = model_page()

    assert "has no models yet" in app.info[0].value


@pytest.fixture(scope="module")
def text_versions(tmp_path_factory) -> tuple[config.Location, str, str]:
    """MiniLM registered as a base, and a text-head fine-tuned from it on 48 SMS messages."""
    location = location_at(tmp_path_factory.mktemp("text"))
    registry, plugins = Registry(location.url, location.store), installed_plugins()
    base = register_base_model(plugins, registry, "sentence-transformers/all-MiniLM-L6-v2")
    head = train(plugins, registry, dataset="sms-spam", model_type="text-head", name="sms-head", base=base.ref,
                 params={"max_length": 24, "max_steps": 2, "batch_size": 8}, max_rows=48, test_size=0.1)
    registry.close()
    return location, base.ref, head.ref


@pytest.mark.slow
def test_a_fine_tuned_text_version_shows_its_base_and_stores_only_what_changed(text_versions, monkeypatch):
    location, base, head = text_versions
    use(location, monkeypatch)

    tuned = model_page(model="sms-head", version="1")
    base_page = model_page(model=base.rsplit(":", 1)[0], version="1")

    assert f'"{base}" -> "{head}" [label="finetune"' in graph(tuned)
    assert f'"{base}" -> "{head}" [label="finetune"' in graph(base_page)  # the base shows what was derived from it
    files = next(frame.value for frame in tuned.dataframe if "Logical bytes" in frame.value.columns)
    assert files["Logical bytes"].sum() > 90_000_000 and files["New beyond base"].sum() < 1_000_000
    assert "text-head · transformers · text-classification" in tuned.caption[0].value
