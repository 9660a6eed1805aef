"""The review plugin: its checklist, its publish check, its command and its listeners."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import ecohub_review
from ecohub_review.checklist import blocking_failures, checklist
from hub.testing import PluginContract

FAIR = {"features": [{"feature": "sex", "demographic_parity_ratio": 0.91, "four_fifths_passed": True,
                      "equalized_odds_difference": 0.05, "groups": [{"group": "f", "sufficient": True}]}]}
UNFAIR = {"features": [{"feature": "age", "demographic_parity_ratio": 0.62, "four_fifths_passed": False,
                        "equalized_odds_difference": 0.2, "groups": [{"group": "<25", "sufficient": False}]}]}
EXACT = {"additivity": {"passed": True, "max_abs_error": 1e-9}}


class TestContract(PluginContract):
    plugin = ecohub_review
    name = "review"


def report(evaluator: str, kind: str, number: int) -> SimpleNamespace:
    """What the checklist reads of a ``ReportRecord``."""
    return SimpleNamespace(evaluator=evaluator, kind=kind, sha256=f"{evaluator}-{number}")


def version(*reports: SimpleNamespace, license: str = "cc-by-4.0") -> SimpleNamespace:
    """What the checklist reads of a ``VersionRecord``."""
    return SimpleNamespace(ref="credit-risk:3", license=license, reports=list(reports),
                           datasets=[SimpleNamespace(dataset="loans", role="train")])


def bodies(**by_sha):
    return lambda record: by_sha[record.sha256.replace("-", "_")]


def test_fair_and_exact_version_is_ready_for_production():
    items = checklist(version(report("shap", "explanation", 1), report("fairlearn", "fairness", 2)),
                      bodies(shap_1=EXACT, fairlearn_2=FAIR))

    assert [(item.name, item.passed) for item in items] == [
        ("license", True), ("training data", True), ("explanation", True), ("fairness", True), ("small groups", True),
    ]
    assert blocking_failures(items) == []


def test_newest_fairness_report_decides_and_small_groups_are_only_noted():
    items = checklist(version(report("shap", "explanation", 1), report("fairlearn", "fairness", 2),
                              report("fairlearn", "fairness", 3)),
                      bodies(shap_1=EXACT, fairlearn_2=FAIR, fairlearn_3=UNFAIR))

    assert blocking_failures(items) == ["fairness: four-fifths rule fails for age (DP ratio age 0.62)"]
    assert items[-1].name == "small groups" and not items[-1].passed and not items[-1].blocking


def test_hook_hub_publish_checks_blocks_production_without_reports():
    class Registry:
        def read_report(self, record):
            raise AssertionError("no report to read")

    (spec,) = ecohub_review.hub_publish_checks(Registry())
    result = spec.check(version(), "alias", "production")

    assert (result.check, result.passed) == ("production-review", False)
    assert "no explanation report: run 'hub evaluate credit-risk:3'" in result.reason
    assert spec.check(version(), "alias", "staging").passed


def test_after_evaluation_warns_when_the_four_fifths_rule_fails(caplog):
    with caplog.at_level(logging.WARNING, logger="ecohub_review"):
        ecohub_review.hub_after_evaluation(version(), {"fairlearn": UNFAIR, "shap": EXACT})

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
    """A registry holding one evaluated German Credit model (this plugin is installed beside the others)."""
    from hub.cli import cli

    registry = ["--registry", f"sqlite:///{tmp_path_factory.mktemp('review') / 'registry.db'}"]
    runner = CliRunner()
    for args in (["train", "--dataset", "german-credit", "--model", "logistic-regression", "--register", "credit"],
                 ["evaluate", "credit", "--sensitive", "sex"]):
        result = runner.invoke(cli, [*registry, *args])
        assert result.exit_code == 0, result.output
    return runner, registry


def test_review_command_prints_the_checklist(trained_registry):
    from hub.cli import cli

    runner, registry = trained_registry
    result = runner.invoke(cli, [*registry, "review", "credit", "--json"])

    assert result.exit_code == 0, result.output
    review = json.loads(result.stdout)
    assert review["version"] == "credit:1"
    assert [item["name"] for item in review["items"]] == [
        "license", "training data", "explanation", "fairness", "small groups"]
    assert review["items"][2]["passed"] is True


def test_promoting_an_unevaluated_version_to_production_is_blocked_with_the_reason(trained_registry):
    from hub.cli import cli

    runner, registry = trained_registry
    trained = runner.invoke(cli, [*registry, "train", "--dataset", "german-credit", "--model", "logistic-regression",
                                  "--register", "credit"])
    result = runner.invoke(cli, [*registry, "alias", "set", "credit:2", "production"])

    assert trained.exit_code == 0, trained.output
    assert result.exit_code == 1
    assert "production-review: explanation: no explanation report: run 'hub evaluate credit:2'" in result.output
