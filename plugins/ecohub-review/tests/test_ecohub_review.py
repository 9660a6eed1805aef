"""The review plugin: its checklist, its publish check, its command and its listeners."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import ecohub_review
from hub.testing import PluginContract

CANONICAL_UNFAIR = {"features": [{"feature": "age", "four_fifths_passed": False}],
                    "provenance": {"role": "canonical"}}


class TestContract(PluginContract):
    plugin = ecohub_review
    name = "review"


def version(license: str = "cc-by-4.0") -> SimpleNamespace:
    """What the listeners read of a ``VersionRecord``."""
    return SimpleNamespace(ref="credit-risk:3", license=license)


def test_hook_hub_publish_checks_blocks_production_without_canonical_reports(hub_plugins, hub_registry, tmp_path):
    hub_plugins.register(ecohub_review, "review")
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    registered = hub_registry.register_version(
        "credit-risk", files={"model.safetensors": tmp_path / "model.safetensors"}, license="cc-by-4.0")
    (spec,) = ecohub_review.hub_publish_checks(hub_registry)

    result = spec.check(registered, "alias", "production")

    assert (result.check, result.passed) == ("production-review", False)
    assert "no explanation report from the declared evaluation: run 'hub evaluate credit-risk:1'" in result.reason
    assert "training data: no training dataset recorded" in result.reason
    assert spec.check(registered, "alias", "staging").passed


def test_after_evaluation_warns_when_the_canonical_report_fails_the_four_fifths_rule(caplog):
    additional = {**CANONICAL_UNFAIR, "provenance": {"role": "additional"}}
    with caplog.at_level(logging.WARNING, logger="ecohub_review"):
        ecohub_review.hub_after_evaluation(version(), {"other": additional})
        ecohub_review.hub_after_evaluation(version(), {"fairlearn": CANONICAL_UNFAIR})

    assert caplog.messages == [
        "credit-risk:3: the fairlearn report finds the four-fifths rule failing for age; promoting it to "
        "'production' will be blocked ('hub review credit-risk:3')."
    ]


def test_version_with_an_unknown_license_is_flagged_when_registered(caplog):
    with caplog.at_level(logging.WARNING, logger="ecohub_review"):
        ecohub_review.hub_version_registered(version(license="unknown"))

    assert caplog.messages == ["credit-risk:3 has no known license; it cannot pass the production review."]


@pytest.fixture(scope="module")
def trained_registry(tmp_path_factory):
    """A registry holding one German Credit model with its declared evaluation, and an evaluation of
    ``sex`` alone beside it (this plugin is installed beside the others)."""
    from hub.cli import cli

    registry = ["--registry", f"sqlite:///{tmp_path_factory.mktemp('review') / 'registry.db'}"]
    runner = CliRunner()
    for args in (["train", "--dataset", "german-credit", "--model", "logistic-regression", "--register", "credit"],
                 ["evaluate", "credit"], ["evaluate", "credit", "--sensitive", "sex"]):
        result = runner.invoke(cli, [*registry, *args])
        assert result.exit_code == 0, result.output
    return runner, registry


def test_review_command_reads_the_gates_from_the_canonical_reports(trained_registry):
    from hub.cli import cli

    runner, registry = trained_registry
    result = runner.invoke(cli, [*registry, "review", "credit", "--json"])

    assert result.exit_code == 0, result.output
    review = json.loads(result.stdout)
    items = {item["name"]: item for item in review["items"]}
    assert review["version"] == "credit:1" and review["ready_for_production"] is False
    assert items["production: explanation valid"]["status"] == "pass"
    four_fifths = items["production: demographic_parity_ratio ≥ 0.8 (every declared column)"]
    assert four_fifths["status"] in ("fail", "inconclusive") and "age" in four_fifths["detail"]
    assert items["other reports"]["status"] == "note" and not items["other reports"]["blocking"]


def test_review_of_an_alias_no_gate_covers_needs_nothing(trained_registry):
    from hub.cli import cli

    runner, registry = trained_registry
    result = runner.invoke(cli, [*registry, "review", "credit", "--alias", "staging", "--json"])

    assert json.loads(result.stdout)["ready"] is True


def test_fairness_overview_shows_the_canonical_report_not_the_newest(trained_registry):
    from ecohub_review.page import overview_rows
    from hub.registry import Registry

    _, where = trained_registry
    registry = Registry(where[1])
    rows = overview_rows(registry)
    registry.close()

    assert [(row["Version"], row["Feature"]) for row in rows] == [(1, "sex"), (1, "age")]
    assert all(row["Four-fifths"] in ("pass", "fail", "inconclusive") for row in rows)


def test_promoting_an_unevaluated_version_to_production_is_blocked_with_the_reason(trained_registry):
    from hub.cli import cli

    runner, registry = trained_registry
    trained = runner.invoke(cli, [*registry, "train", "--dataset", "german-credit", "--model", "logistic-regression",
                                  "--register", "credit"])
    result = runner.invoke(cli, [*registry, "alias", "set", "credit:2", "production"])

    assert trained.exit_code == 0, trained.output
    assert result.exit_code == 1
    assert ("production-review: production: canonical explanation report: no explanation report from the declared "
            "evaluation: run 'hub evaluate credit:2'") in " ".join(result.output.split())




@pytest.fixture(scope="module")
def versioned_registry(tmp_path_factory):
    """credit v1 evaluated and aliased staging; v2 and v3 (the latest) not evaluated."""
    from hub.cli import cli

    where = ["--registry", f"sqlite:///{tmp_path_factory.mktemp('overview') / 'registry.db'}"]
    runner = CliRunner()
    train = ["train", "--dataset", "german-credit", "--model", "logistic-regression", "--register", "credit"]
    for args in (train, ["evaluate", "credit"], ["alias", "set", "credit:1", "staging"], [*train, "--seed", "1"],
                 [*train, "--seed", "2"]):
        result = runner.invoke(cli, [*where, *args])
        assert result.exit_code == 0, result.output
    return where[1]


def test_fairness_overview_judges_every_version_and_names_its_aliases(versioned_registry):
    from hub.registry import Registry

    from ecohub_review.page import NO_REPORT, overview_rows

    registry = Registry(versioned_registry)
    every, narrow = overview_rows(registry), overview_rows(registry, aliased_and_latest_only=True)
    registry.close()

    assert [(row["Version"], row["Feature"], row["Aliases"], row["Latest"]) for row in every] == [
        (3, NO_REPORT, "", "latest"), (2, NO_REPORT, "", ""),
        (1, "sex", "staging", ""), (1, "age", "staging", "")]
    assert all(row["Four-fifths"] in ("pass", "fail", "inconclusive") for row in every if row["Version"] == 1)
    assert [row["Version"] for row in narrow] == [3, 1, 1]


def overview_page():
    """The plugin's page as the dashboard runs it, on the registry the test names."""
    import os

    from hub.registry import Registry

    from ecohub_review.page import render

    render(Registry(os.environ["OVERVIEW_REGISTRY"]))


def test_fairness_overview_page_draws_every_version_and_narrows_on_request(versioned_registry, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("OVERVIEW_REGISTRY", versioned_registry)
    app = AppTest.from_function(overview_page, default_timeout=60).run()
    assert not app.exception, [e.value for e in app.exception]
    assert list(app.dataframe[0].value["Version"]) == [3, 2, 1, 1]

    app.toggle[0].set_value(True).run()

    assert list(app.dataframe[0].value["Version"]) == [3, 1, 1]
