"""Gates as data: a policy per registry or namespace, judged on canonical reports, overrides audited."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import ecohub_review
from hub.cli import cli
from hub.errors import HubError
from hub.plugins.events import open_registry
from hub.plugins.manager import register_objects
from hub.registry import DatasetUse, gates

ROWS = "a" * 64


def fairness(ratio: float, low: float, high: float, short: list[str] | None = None) -> dict:
    """A canonical fairness report body shaped as ecohub-fairlearn writes it (one column, ``sex``)."""
    verdict = {"metric": "demographic_parity_ratio", "value": ratio, "low": low, "high": high,
               "insufficient_groups": short or [], "verdict": "pass"}
    return {"features": [{"feature": "sex", "demographic_parity_ratio": ratio,
                          "intervals": {"demographic_parity_ratio": [low, high]}, "verdicts": [verdict]}]}


@pytest.fixture
def reviewed(registry_url, tmp_path):
    """A registry wired to the review plugin, with ``acme/credit:1``; ``add(kind, body, role)`` stores a report."""
    registry = open_registry(registry_url, str(tmp_path / "store"), register_objects(("review", ecohub_review)))
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    registry.register_version("acme/credit", files={"model.safetensors": tmp_path / "model.safetensors"},
                              license="cc-by-4.0",
                              datasets=[DatasetUse("loans", "core", "cc-by-4.0", "train", 10, ROWS)])

    def add(kind: str, body: dict, role: str = "canonical", sensitive=("sex",)):
        registry.add_report("acme/credit", 1, evaluator=kind, kind=kind, plugin="test", dataset="loans", body=body,
                            role=role, rows_sha256=ROWS, sensitive=sensitive)

    add("explanation", {"additivity": {"passed": True}})
    yield registry, add
    registry.close()


def statuses(registry) -> list[tuple[str, str]]:
    version = registry.get_version("acme/credit")
    return [(r.requirement, r.status) for r in registry.gate(version, "alias", "production")]


@pytest.mark.parametrize("measured, status", [
    ((0.9, 0.85, 0.95), "pass"), ((0.6, 0.5, 0.7), "fail"), ((0.85, 0.7, 0.95), "inconclusive"),
    ((None, None, None), "inconclusive"),
])
def test_an_interval_passes_fails_or_straddles_the_threshold(measured, status):
    assert gates.threshold_verdict(measured, {"at_least": 0.8})[0] == status


def test_a_newer_passing_report_on_other_columns_does_not_pass_the_gate(reviewed):
    registry, add = reviewed
    add("fairness", fairness(0.6, 0.5, 0.7))
    add("fairness", fairness(0.95, 0.9, 1.0), role="additional")

    assert statuses(registry)[-1] == ("demographic_parity_ratio ≥ 0.8 (every declared column)", "fail")


def test_inconclusive_blocks_unless_justified_and_the_override_is_audited(reviewed):
    registry, add = reviewed
    add("fairness", fairness(0.85, 0.7, 0.95))

    with pytest.raises(HubError, match="inconclusive") as refused:
        registry.set_alias("acme/credit", "production", 1, actor="admin")
    registry.set_alias("acme/credit", "production", 1, justification="small pilot, reviewed by hand", actor="admin")

    event = registry.audit_log("acme/credit@production")[0]
    assert "straddles 0.8" in str(refused.value)
    assert event.justification == "small pilot, reviewed by hand"
    assert any("inconclusive" in problem for problem in event.details["overridden"])


def test_a_namespace_policy_replaces_the_registry_policy_and_changes_are_audited(reviewed):
    registry, add = reviewed
    add("fairness", fairness(0.75, 0.7, 0.78))
    lenient = {"gates": [{"name": "prod", "when": {"alias": ["production"]},
                          "require": [{"fairness": "demographic_parity_ratio", "at_least": 0.6, "columns": ["sex"]}]}]}
    strict = {"gates": [{"name": "prod", "when": {"alias": "production"}, "require": [{"canonical": "fairness"},
              {"fairness": "demographic_parity_ratio", "at_least": 0.9}]}]}

    registry.set_gate_policy(strict)
    registry.set_gate_policy(lenient, "acme")

    assert registry.gate_policy("acme/credit")[0] == "acme" and registry.gate_policy("other")[0] == "*"
    assert statuses(registry) == [("demographic_parity_ratio ≥ 0.6 (sex)", "pass")]
    assert [e.action for e in registry.audit_log("acme")][:1] == ["gates.set"]


def test_too_few_rows_in_a_group_make_a_passing_interval_inconclusive(reviewed):
    registry, add = reviewed
    add("fairness", fairness(0.95, 0.9, 1.0, short=["female"]))

    assert statuses(registry)[-1][1] == "inconclusive"


@pytest.mark.parametrize("document, problem", [
    ([], "mapping with a 'gates' list"),
    ({"gates": [], "extra": 1}, "has no key 'extra'"),
    ({"gates": [{"when": {"alias": ["production"]}}]}, "requires nothing"),
    ({"gates": [{"when": {"tag": "x"}, "require": [{"canonical": "fairness"}]}]}, "'when' names the aliases"),
    ({"gates": [{"when": {"push": True}, "require": [{"fairness": "demographic_parity_ratio"}]}]},
     "at_least or at_most"),
    ({"gates": [{"when": {"push": True}, "require": [{"fairness": "x", "at_least": 0.8, "canonical": "y"}]}]},
     "exactly one of"),
    ({"gates": [{"when": {"push": True}, "require": [{"explanation": "maybe"}]}]}, "explanation: valid"),
])
def test_a_malformed_policy_is_refused_with_what_to_write(registry, document, problem):
    with pytest.raises(HubError, match=problem):
        registry.set_gate_policy(document)
    assert registry.gate_policy("credit")[0] == "default"


def test_gates_command_sets_shows_and_checks_a_policy_file(tmp_path):
    where = ["--registry", f"sqlite:///{tmp_path / 'registry.db'}", "--store", str(tmp_path / "store")]
    (tmp_path / "policy.yaml").write_text("gates:\n  - name: prod\n    when: {push: true}\n"
                                          "    require:\n      - canonical: fairness\n")
    runner = CliRunner()

    stored = runner.invoke(cli, [*where, "gates", "set", str(tmp_path / "policy.yaml"), "--namespace", "acme"])
    shown = runner.invoke(cli, [*where, "gates", "show", "acme/credit", "--json"])
    (tmp_path / "bad.yaml").write_text("gates: [")
    bad = runner.invoke(cli, [*where, "gates", "set", str(tmp_path / "bad.yaml")])

    assert stored.exit_code == 0, stored.output
    assert json.loads(shown.stdout)["scope"] == "acme"
    assert json.loads(shown.stdout)["policy"]["gates"][0]["when"] == {"alias": [], "push": True}
    assert bad.exit_code == 1 and "is not YAML or JSON" in bad.output
