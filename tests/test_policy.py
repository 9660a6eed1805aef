"""The license policy over lineage: each rule on one edge, then whole chains in a real registry."""

from __future__ import annotations

import pytest

from hub.registry import licenses
from hub.errors import HubError, LicenseError
from hub.registry import Edge, Parent
from hub.registry.policy import FAIL, PASS, WARN, conclude, judge
from hub.specs import PublishCheckResult


def edge(parent_license: str, relation: str = "finetune", kind: str = "model", child: str = "acme/tuned:1") -> Edge:
    return Edge(child=child, parent="acme/base:1", relation=relation, kind=kind, license=parent_license,
                internal=True)


def verdict(parent_license: str, child_license: str, **changes) -> tuple[str, set[str]]:
    step = judge(edge(parent_license, **changes), licenses.parse(child_license))
    return step.level, {finding.rule for finding in step.findings if finding.level != PASS}


@pytest.mark.parametrize("parent, child, relation, level, rules", [
    ("cc-by-nc-4.0", "apache-2.0", "finetune", FAIL, {"non-commercial"}),
    ("cc-by-nc-4.0", "cc-by-nc-4.0", "finetune", PASS, set()),
    ("cc-by-nc-4.0", "apache-2.0", "adapter", WARN, {"non-commercial"}),
    ("cc-by-nc-4.0", "mit", "quantized", FAIL, {"non-commercial"}),
    ("cc-by-nd-4.0", "cc-by-nd-4.0", "finetune", FAIL, {"no-derivatives"}),
    ("cc-by-nd-4.0", "cc-by-nd-4.0", "merged", FAIL, {"no-derivatives"}),
    ("cc-by-nd-4.0", "cc-by-nd-4.0", "adapter", WARN, {"no-derivatives"}),
    ("cc-by-sa-4.0", "mit", "finetune", FAIL, {"share-alike"}),
    ("cc-by-sa-4.0", "cc-by-sa-4.0", "finetune", PASS, set()),
    ("cc-by-sa-4.0", "gpl-3.0", "finetune", PASS, set()),
    ("gpl-2.0-plus", "gpl-3.0", "distilled", PASS, set()),
    ("gpl-3.0", "apache-2.0", "finetune", FAIL, {"share-alike"}),
    ("bigscience-openrail-m", "mit", "finetune", WARN, {"use-restrictions"}),
    ("creativeml-openrail-m", "creativeml-openrail-m", "finetune", WARN, {"use-restrictions"}),
    ("gemma", "gemma", "finetune", WARN, {"community-license"}),
    ("unknown", "mit", "finetune", WARN, {"unknown-license"}),
    ("apache-2.0", "mit", "finetune", PASS, set()),
    ("mit", "cc-by-nc-4.0", "mitigated", PASS, set()),
], ids=lambda value: value if isinstance(value, str) else None)
def test_each_rule_on_one_model_edge(parent, child, relation, level, rules):
    assert verdict(parent, child, relation=relation) == (level, rules)


@pytest.mark.parametrize("parent, rules", [
    ("cc-by-nc-4.0", {"non-commercial"}),
    ("cc-by-nd-4.0", {"no-derivatives"}),
    ("cc-by-sa-4.0", {"share-alike"}),
    ("unknown", {"unknown-license"}),
])
def test_a_dataset_only_warns(parent, rules):
    assert verdict(parent, "mit", relation="trained_on", kind="dataset") == (WARN, rules)


def test_a_permissive_parent_passes_with_a_reminder_to_credit_it():
    step = judge(edge("apache-2.0"), licenses.parse("mit"))

    assert step.findings[0].message.endswith("credit it (attribution)")


def test_llama_derivatives_must_be_named_for_llama():
    assert verdict("llama3.1", "llama3.1", child="acme/tuned:1")[1] == {"community-license", "naming"}
    assert verdict("llama3.1", "llama3.1", child="acme/Llama-3.1-acme-tuned:1")[1] == {"community-license"}
    assert verdict("llama3", "llama3", child="acme/llama3-tuned:1")[1] == {"community-license"}


def test_a_parent_offering_a_choice_is_judged_by_its_kindest_option():
    assert verdict("mit OR cc-by-nc-4.0", "apache-2.0") == (PASS, set())


def test_a_child_offering_a_choice_must_be_fine_in_every_option():
    assert verdict("cc-by-nc-4.0", "cc-by-nc-4.0 OR mit") == (FAIL, {"non-commercial"})


def test_restrictive_obligations_flow_into_the_concluded_license():
    concluded, reasons = conclude(licenses.parse("apache-2.0"), [edge("llama-3.1-license-2024")])

    assert concluded == "apache-2.0 AND llama-3.1-license-2024"
    assert reasons == ["carries llama-3.1-license-2024 from acme/base:1 (community)"]


def test_permissive_parents_and_datasets_add_nothing_to_the_concluded_license():
    parents = [edge("cc-by-4.0"), edge("cc-by-nc-4.0", relation="trained_on", kind="dataset")]

    assert conclude(licenses.parse("mit"), parents) == ("mit", [])


def test_a_license_the_child_already_carries_is_not_repeated():
    assert conclude(licenses.parse("cc-by-nc-4.0"), [edge("cc-by-nc-4.0")]) == ("cc-by-nc-4.0", [])


# -- in a registry: registration, promotion, overrides and the audit log ------------------------


@pytest.fixture
def research_base(registry, weights):
    """A base model that may be used for research only."""
    return registry.register_version("acme/research-base", files=weights, license="cc-by-nc-4.0")


def test_a_commercial_child_of_a_non_commercial_base_is_refused(registry, weights, research_base):
    with pytest.raises(LicenseError) as error:
        registry.register_version("acme/product", files=weights, license="apache-2.0",
                                  lineage=[Parent("acme/research-base")])

    assert "forbids commercial use" in error.value.message
    assert "--justification" in error.value.hint
    assert [m.name for m in registry.list_models()] == ["acme/research-base"]


def test_an_override_needs_a_justification_and_is_audited(registry, weights, research_base):
    version = registry.register_version("acme/product", files=weights, license="apache-2.0",
                                        lineage=[Parent("acme/research-base")],
                                        justification="Licensed separately, contract 42", actor="ana")

    assert version.license == "apache-2.0 AND cc-by-nc-4.0"
    events = registry.audit_log("acme/product")
    assert [(e.action, e.actor, e.justification) for e in events] == [
        ("version.register", "ana", "Licensed separately, contract 42"),
        ("license.override", "ana", "Licensed separately, contract 42"),
    ]
    assert "forbids commercial use" in events[1].details["failures"][0]


def test_the_chain_is_checked_through_every_ancestor(registry, weights):
    registry.register_version("acme/base", files=weights, license="llama3.1")
    registry.register_version("acme/Llama-chat", files=weights, license="llama3.1", lineage=[Parent("acme/base")])
    registry.register_version("acme/Llama-chat-q4", files=weights, license="llama3.1",
                              lineage=[Parent("acme/Llama-chat", relation="quantized")])

    check = registry.check_license("acme/Llama-chat-q4")

    assert [(step.depth, step.child, step.relation, step.parent) for step in check.steps] == [
        (1, "acme/Llama-chat-q4:1", "quantized", "acme/Llama-chat:1"),
        (2, "acme/Llama-chat:1", "finetune", "acme/base:1"),
    ]
    assert check.verdict == WARN


def test_promotion_is_blocked_by_the_license_policy(registry, weights, research_base):
    registry.register_version("acme/product", files=weights, license="mit", lineage=[Parent("acme/research-base")],
                              justification="Pending legal review")

    with pytest.raises(LicenseError) as error:
        registry.set_alias("acme/product", "staging")

    assert "cannot become acme/product@staging" in error.value.message
    assert registry.get_model("acme/product").aliases == {}


def test_promotion_override_is_audited(registry, weights, research_base):
    registry.register_version("acme/product", files=weights, license="mit", lineage=[Parent("acme/research-base")],
                              justification="Pending legal review")

    registry.set_alias("acme/product", "staging", justification="Internal demo only", actor="ana")

    event = registry.audit_log("acme/product")[0]
    assert (event.action, event.target, event.justification) == ("alias.set", "acme/product@staging",
                                                                  "Internal demo only")
    assert event.details["overridden"][0].startswith("license policy:")


class Refusing:
    """Hooks whose publish check refuses everything, as a plugin's check would."""

    def version_registered(self, version):
        pass

    def publish_checks(self, version, action, target):
        return [PublishCheckResult("needs-review", False, f"{version.ref} was not reviewed for {target}")]


def test_a_failed_publish_check_blocks_an_alias(registry, weights):
    registry.register_version("churn", files=weights, license="mit")
    registry.hooks = Refusing()

    with pytest.raises(HubError) as error:
        registry.set_alias("churn", "staging")

    assert "needs-review: churn:1 was not reviewed for staging" in error.value.message


def test_protected_aliases_need_an_admin_or_a_justification(registry, weights, monkeypatch):
    registry.register_version("churn", files=weights, license="mit")
    monkeypatch.setenv("HUB_ADMINS", "root-of-trust")

    with pytest.raises(HubError, match="'production' is a protected alias, and ana is not an admin"):
        registry.set_alias("churn", "production", actor="ana")
    registry.set_alias("churn", "production", actor="root-of-trust")
    registry.set_alias("churn", "production", actor="ana", justification="Hotfix while the admin is away")

    assert [(e.actor, e.justification) for e in registry.audit_log("churn@production")] == [
        ("ana", "Hotfix while the admin is away"), ("root-of-trust", ""),
    ]
