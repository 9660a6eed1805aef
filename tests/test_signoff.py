"""Sign-off: a reviewer's decision stored in the audit log with the reports it read, and the gate
that requires an approval of the current canonical reports."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from hub.cli import cli
from hub.errors import HubError
from hub.jobs.evaluation import evaluate
from hub.jobs.training import train
from hub.plugins.manager import installed_plugins
from hub.registry import DatasetUse, Registry, signoff

ROWS = "a" * 64
REQUIRES_SIGNOFF = "gates:\n  - name: production\n    when: {alias: [production]}\n    require:\n" \
                   "      - canonical: fairness\n      - signoff: approved\n"


@pytest.fixture
def reviewed(registry, tmp_path):
    """``acme/credit`` v1 with a canonical and an additional report, and v2 with one report."""
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    for _ in range(2):
        registry.register_version("acme/credit", files={"model.safetensors": tmp_path / "model.safetensors"},
                                  license="cc-by-4.0",
                                  datasets=[DatasetUse("loans", "core", "cc-by-4.0", "train", 10, ROWS)])
    for version, body, role in ((1, {"rate": 0.9}, "canonical"), (1, {"rate": 0.7}, "additional"),
                                (2, {"rate": 0.5}, "canonical")):
        registry.add_report("acme/credit", version, evaluator=f"fairness-{role}", kind="fairness", plugin="test",
                            dataset="loans", body=body, role=role, rows_sha256=ROWS, sensitive=["sex"])
    return registry


def test_a_sign_off_is_stored_in_the_audit_log_with_the_sha256_of_each_report_seen(reviewed):
    version = reviewed.get_version("acme/credit", 1)
    seen = [report.sha256 for report in version.reports]

    decided = reviewed.sign_off("acme/credit:1", "approve", "  fair on sex  ", reports_seen=seen, actor="ana")

    event = reviewed.audit_log("acme/credit:1")[0]
    assert (event.action, event.actor, event.target) == ("signoff", "ana", "acme/credit:1")
    assert event.details["decision"] == "approve" and event.details["comment"] == "fair on sex"
    assert sorted(report["sha256"] for report in event.details["reports"]) == sorted(seen)
    assert reviewed.latest_sign_off(version) == decided
    assert decided.approved and [r.evaluator for r in decided.reports] == ["fairness-canonical", "fairness-additional"]
    assert reviewed.latest_sign_off(reviewed.get_version("acme/credit", 2)) is None


def test_the_latest_decision_wins_and_the_history_keeps_every_one(reviewed):
    version = reviewed.get_version("acme/credit", 1)
    reviewed.sign_off(version.ref, "approve", reports_seen=[], actor="ana")
    reviewed.sign_off(version.ref, "reject", "the age gap is too wide", reports_seen=[], actor="bo")

    assert [(d.actor, d.decision) for d in reviewed.sign_offs(version)] == [("bo", "reject"), ("ana", "approve")]
    assert reviewed.latest_sign_off(version).comment == "the age gap is too wide"


@pytest.mark.parametrize("decision, comment, seen_from, problem", [
    ("maybe", "", 1, "is 'approve' or 'reject'"),
    ("reject", "   ", 1, "needs a comment"),
    ("approve", "x" * (signoff.MAX_COMMENT + 1), 1, "at most 4000 characters"),
    ("approve", "", 2, "do not belong to acme/credit:1"),
])
def test_a_malformed_sign_off_is_refused_and_nothing_is_recorded(reviewed, decision, comment, seen_from, problem):
    seen = [report.sha256 for report in reviewed.get_version("acme/credit", seen_from).reports]

    with pytest.raises(HubError, match=problem):
        reviewed.sign_off("acme/credit:1", decision, comment, reports_seen=seen)

    assert reviewed.sign_offs(reviewed.get_version("acme/credit", 1)) == []


def test_a_policy_may_require_sign_off_and_a_malformed_requirement_is_refused(reviewed):
    with pytest.raises(HubError, match="'signoff: approved'"):
        reviewed.set_gate_policy({"gates": [{"when": {"push": True}, "require": [{"signoff": "yes"}]}]})

    reviewed.set_gate_policy({"gates": [{"name": "prod", "when": {"alias": ["production"]},
                                         "require": [{"signoff": "approved"}]}]})
    version = reviewed.get_version("acme/credit", 1)
    [result] = reviewed.gate(version, "alias", "production")

    assert (result.requirement, result.status) == ("signed off: approved", "fail")
    assert "nobody has signed off" in result.detail


@pytest.fixture
def trained(tmp_path, monkeypatch):
    """german-credit trained and evaluated (canonical SHAP and fairness reports) under a policy
    whose production gate requires a sign-off; ``hub(*args)`` runs the command line on it."""
    url, store = f"sqlite:///{tmp_path / 'registry.db'}", tmp_path / "store"
    monkeypatch.setenv("HUB_USER", "rita")
    monkeypatch.setenv("HUB_ADMINS", "rita")
    registry, plugins = Registry(url, store), installed_plugins()
    first = train(plugins, registry, dataset="german-credit", model_type="logistic-regression", name="credit-risk")
    evaluate(plugins, registry, first.model, first.version)
    registry.close()
    (tmp_path / "policy.yaml").write_text(REQUIRES_SIGNOFF)
    runner = CliRunner()

    def hub(*args: str):
        return runner.invoke(cli, ["--registry", url, "--store", str(store), *args])

    assert hub("gates", "set", str(tmp_path / "policy.yaml")).exit_code == 0
    return hub, plugins, url, store


@pytest.mark.slow
def test_a_gate_requiring_sign_off_blocks_until_approved_and_again_after_a_new_evaluation(trained):
    hub, plugins, url, store = trained

    unsigned = hub("gates", "check", "credit-risk:1", "--alias", "production", "--json")
    refused = hub("alias", "set", "credit-risk:1", "production")
    rejected = hub("signoff", "credit-risk:1", "--reject", "--comment", "check the age bins")
    after_rejection = hub("gates", "check", "credit-risk:1", "--alias", "production", "--json")
    approved = hub("signoff", "credit-risk:1", "--approve", "--comment", "fair and exact", "--json")
    signed = hub("gates", "check", "credit-risk:1", "--alias", "production", "--json")
    promoted = hub("alias", "set", "credit-risk:1", "production")
    registry = Registry(url, store)
    evaluate(plugins, registry, "credit-risk", 1)  # the declared evaluation again: new canonical reports
    registry.close()
    stale = hub("gates", "check", "credit-risk:1", "--alias", "production", "--json")
    history = hub("signoff", "credit-risk:1")

    def signoff_result(result):
        return next(r for r in json.loads(result.stdout)["results"] if r["requirement"] == "signed off: approved")

    assert unsigned.exit_code == 1 and signoff_result(unsigned)["status"] == "fail"
    assert refused.exit_code == 1 and "nobody has signed off" in refused.output
    assert rejected.exit_code == 0 and "rita rejected credit-risk:1" in rejected.output
    assert "the latest sign-off rejects it" in signoff_result(after_rejection)["detail"]
    assert approved.exit_code == 0
    assert {report["role"] for report in json.loads(approved.stdout)["reports"]} == {"canonical"}
    assert signed.exit_code == 0 and signoff_result(signed)["status"] == "pass", signed.output
    assert promoted.exit_code == 0, promoted.output
    assert stale.exit_code == 1 and "approval is stale" in signoff_result(stale)["detail"]
    assert "check the age bins" in history.output and "fair and exact" in history.output


def signoff_page(trained, monkeypatch, **query_params: str):
    import importlib.util
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    _, _, url, store = trained
    monkeypatch.setenv("HUB_REGISTRY_URL", url)
    monkeypatch.setenv("HUB_STORE", str(store))
    app_file = Path(list(importlib.util.find_spec("hub.dashboard").submodule_search_locations)[0]) / "app.py"
    app = AppTest.from_file(app_file, default_timeout=120).run()
    app.query_params.update(query_params)
    app.switch_page("views/signoff.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_sign_off_page_lists_reports_and_gates_and_records_a_decision(trained, monkeypatch):
    hub = trained[0]
    app = signoff_page(trained, monkeypatch, model="credit-risk", version="1")
    shown = next(frame.value for frame in app.dataframe if "sha256" in frame.value.columns)
    gates = next(frame.value for frame in app.dataframe if "Requirement" in frame.value.columns)

    app.radio[0].set_value("approve")
    app.text_area[0].input("fair on sex and age")
    app.button[0].click().run()

    decided = json.loads(hub("signoff", "credit-risk:1", "--json").stdout)[0]
    assert gates.set_index("Requirement").loc["signed off: approved", "Verdict"] == "fail"
    assert app.text_input[0].value == "rita"
    assert (decided["actor"], decided["decision"], decided["comment"]) == ("rita", "approve", "fair on sex and age")
    assert sorted(r["sha256"] for r in decided["reports"]) == sorted(shown["sha256"])
    assert "Recorded: rita approved credit-risk:1" in app.success[0].value
    after = next(frame.value for frame in app.dataframe if "Requirement" in frame.value.columns)
    assert after.set_index("Requirement").loc["signed off: approved", "Verdict"] == "pass"
    history = next(frame.value for frame in app.dataframe if "Reviewer" in frame.value.columns)
    assert list(history["Decision"]) == ["approve"] and list(history["Still current"]) == ["yes"]


def test_rejecting_without_a_comment_is_refused_on_the_page_and_nothing_is_recorded(trained, monkeypatch):
    hub = trained[0]
    app = signoff_page(trained, monkeypatch, model="credit-risk", version="1")

    app.radio[0].set_value("reject")
    app.button[0].click().run()

    assert "needs a comment" in app.error[0].value
    assert "Nobody has signed off credit-risk:1" in hub("signoff", "credit-risk:1").output
