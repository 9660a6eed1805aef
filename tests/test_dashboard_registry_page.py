"""The Registry page as a reviewer uses it: search with the filter language, page through results,
see where aliases point and whether the latest version was signed off, open a version's permalink."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hub import config
from hub.registry import DatasetUse, Registry

APP = Path(list(importlib.util.find_spec("hub.dashboard").submodule_search_locations)[0]) / "app.py"
ROWS = "b" * 64
MODELS = 12  # more than the smallest page holds


@pytest.fixture(scope="module")
def catalog(tmp_path_factory) -> config.Location:
    """``model-00`` … ``model-11``: even ones MIT, odd ones Apache-2.0; ``model-00`` has two versions,
    ``production`` on v1 and ``staging`` on v2, and its v2 is approved; ``model-01`` is tagged team=risk."""
    root = tmp_path_factory.mktemp("catalog")
    location = config.resolve(f"sqlite:///{root / 'registry.db'}", root / "store")
    registry = Registry(location.url, location.store)
    weights = root / "model.safetensors"
    for index in range(MODELS):
        weights.write_bytes(f"weights {index}".encode())
        registry.register_version(
            f"model-{index:02d}", files={"model.safetensors": weights}, license="mit" if index % 2 == 0 else "apache-2.0",
            task="tabular-classification", model_type="logistic-regression", framework="sklearn",
            tags={"team": "risk"} if index == 1 else {}, metrics={"test": {"accuracy": 0.5 + index / 100}},
            datasets=[DatasetUse("german-credit", "datasets", "cc-by-4.0", "train", 750, ROWS)])
    weights.write_bytes(b"weights 0, again")
    second = registry.register_version("model-00", files={"model.safetensors": weights}, license="mit",
                                       task="tabular-classification", model_type="gradient-boosting")
    registry.set_alias("model-00", "production", 1, justification="test fixture")
    registry.set_alias("model-00", "staging", 2)
    registry.sign_off(second.ref, "approve", "looks right", reports_seen=[], actor="ana")
    registry.close()
    return location


@pytest.fixture
def catalogued(catalog, monkeypatch) -> config.Location:
    monkeypatch.setenv("HUB_REGISTRY_URL", catalog.url)
    monkeypatch.setenv("HUB_STORE", str(catalog.store))
    return catalog


def registry_page(**query_params: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params.update(query_params)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def results(app: AppTest):
    return next(frame.value for frame in app.dataframe if "Model" in frame.value.columns)


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def test_a_search_in_the_url_filters_by_license_and_keeps_the_expression(catalogued):
    app = registry_page(q="license:apache-2.0 tag:team=risk")

    found = results(app)
    assert list(found["Model"]) == ["model-01"]
    assert found.loc[0, "License"] == "apache-2.0"
    assert app.text_input[0].value == "license:apache-2.0 tag:team=risk"
    assert app.query_params["q"] == "license:apache-2.0 tag:team=risk"


def test_aliases_are_searchable_and_the_alias_must_point_at_a_matching_version(catalogued):
    production = results(registry_page(q="alias:production"))
    staging_with_license = registry_page(q="alias:staging license:apache-2.0")

    assert list(production["Model"]) == ["model-00"]
    assert "No model matches" in staging_with_license.info[0].value  # staging is on v2, which is MIT


def test_typing_a_search_filters_the_table(catalogued):
    app = registry_page()
    app.text_input[0].input("license:mit").run()

    assert set(results(app)["License"]) == {"mit"} and len(results(app)) == 6


def test_a_malformed_expression_says_what_is_wrong_without_a_traceback(catalogued):
    app = registry_page(q="license:mit AND (")

    assert not app.exception
    assert "filter" in app.error[0].value.lower() and "hub models search --help" in app.error[0].value
    assert not app.dataframe
    unknown = registry_page(q="colour:blue")
    assert "Unknown search field 'colour'" in unknown.error[0].value


def test_pages_follow_each_other_forwards_and_back(catalogued):
    app = registry_page(size="10")
    first = list(results(app)["Model"])

    button(app, "Next page").click().run()
    second = list(results(app)["Model"])
    assert app.query_params["after"] == "model-09"
    assert button(app, "Next page").disabled

    button(app, "Previous page").click().run()
    assert first == [f"model-{index:02d}" for index in range(10)]
    assert second == ["model-10", "model-11"]
    assert list(results(app)["Model"]) == first and "after" not in app.query_params


def test_rows_show_aliases_review_status_and_the_version_permalink(catalogued):
    found = results(registry_page()).set_index("Model")

    assert found.loc["model-00", "Aliases"] == "production → v1, staging → v2"
    assert found.loc["model-00", "Review"].startswith("approved by ana")
    assert found.loc["model-02", "Review"] == "not reviewed"
    assert found.loc["model-00", "Latest"] == 2
    assert found.loc["model-00", "Open"] == "model?model=model-00&version=2"


def test_an_empty_registry_says_how_to_add_a_model(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_REGISTRY_URL", f"sqlite:///{tmp_path / 'registry.db'}")
    monkeypatch.setenv("HUB_STORE", str(tmp_path / "store"))

    app = registry_page()

    assert "has no models yet" in app.info[0].value
