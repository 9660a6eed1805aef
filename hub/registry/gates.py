"""Gates as data: what a version needs before it takes an alias or leaves the registry.

A gate policy is a small YAML or JSON document, stored in the registry for the whole registry or
for one namespace (``hub gates set policy.yaml [--namespace acme]``); a namespace's own policy
replaces the registry's for its models, and without either the :data:`DEFAULT` applies. Each gate
says when it applies (``alias: [production]``, ``push: true``) and what it requires, read from the
version's *canonical* reports only (:mod:`hub.registry.reports`)::

    gates:
      - name: production
        when: {alias: [production]}
        require:
          - canonical: fairness            # the declared fairness evaluation was run
          - canonical: explanation
          - explanation: valid             # its additivity check holds
          - fairness: demographic_parity_ratio
            at_least: 0.8                  # the interval's lower bound, every declared column
          - fairness: equalized_odds_difference
            at_most: 0.2                   # the interval's upper bound
            columns: [sex]                 # only these columns (default: every declared one)
          - signoff: approved              # a reviewer approved it, having seen these reports

Reports that arrived with a version from another hub are ``imported`` (:mod:`hub.sharing.restore`)
and decide nothing by default: the version is evaluated again here before promotion. A policy
with ``imported: accept`` lets an imported report count as canonical when it was canonical where
it came from, for teams that trust the hubs they pull from.

A requirement passes, fails, or is *inconclusive*: the interval straddles the threshold, the
value is undefined, or a group it compares has too few rows. The registry holds the policy and
judges it (:meth:`hub.registry.Registry.gate`); the ``production-review`` publish check of
ecohub-review blocks on whatever is not a pass, and a person may go ahead with a justification,
which the audit log records with what was overridden.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Callable, Mapping

from hub.errors import HubError

PASS, FAIL, INCONCLUSIVE = "pass", "fail", "inconclusive"
DEFAULT: dict[str, Any] = {"gates": [
    {"name": "production", "when": {"alias": ["production"], "push": True}, "require": [
        {"canonical": "explanation"},
        {"explanation": "valid"},
        {"canonical": "fairness"},
        {"fairness": "demographic_parity_ratio", "at_least": 0.8},
    ]},
]}
"""The policy of a registry nobody has given one: production and pushes need an exact explanation
and the four-fifths rule holding, with confidence, for every declared sensitive column."""

EVALUATE_AGAIN, ACCEPT_IMPORTED = "evaluate", "accept"
REQUIREMENT_KINDS = ("canonical", "explanation", "fairness", "signoff")
MAX_GATES = 50
POLICY_HINT = "See docs/gates.md for the format (hub gates show prints the policy in force)."


@dataclass(frozen=True)
class GateResult:
    """One requirement of one gate, judged: ``status`` is pass, fail or inconclusive."""

    gate: str
    requirement: str
    status: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def validate(document: Any) -> dict[str, Any]:
    """The policy as stored, or an error that says which part is wrong and how to write it."""
    if not isinstance(document, Mapping) or not isinstance(document.get("gates"), list):
        raise HubError("A gate policy is a mapping with a 'gates' list.", POLICY_HINT)
    if unknown := set(document) - {"gates", "imported"}:
        raise HubError(f"A gate policy has no key {', '.join(map(repr, sorted(unknown)))}.", POLICY_HINT)
    if len(document["gates"]) > MAX_GATES:
        raise HubError(f"A gate policy may hold at most {MAX_GATES} gates.")
    imported = document.get("imported", EVALUATE_AGAIN)
    if imported not in (EVALUATE_AGAIN, ACCEPT_IMPORTED):
        raise HubError(f"A gate policy's 'imported' is '{EVALUATE_AGAIN}' (imported reports decide nothing: "
                       f"evaluate again here) or '{ACCEPT_IMPORTED}', not {imported!r}.", POLICY_HINT)
    checked = {"gates": [_gate(index, gate) for index, gate in enumerate(document["gates"], 1)]}
    return {**checked, "imported": imported} if imported != EVALUATE_AGAIN else checked


def _gate(index: int, gate: Any) -> dict[str, Any]:
    where = f"Gate {index}"
    if not isinstance(gate, Mapping) or set(gate) - {"name", "when", "require"}:
        raise HubError(f"{where} must be a mapping of name, when and require.", POLICY_HINT)
    name = gate.get("name", f"gate-{index}")
    when, require = gate.get("when"), gate.get("require")
    if not isinstance(name, str) or not name or len(name) > 100:
        raise HubError(f"{where} needs a name of 1 to 100 characters.", POLICY_HINT)
    if not isinstance(when, Mapping) or not when or set(when) - {"alias", "push"}:
        raise HubError(f"Gate '{name}': 'when' names the aliases (alias: [production]) and/or push: true.",
                       POLICY_HINT)
    aliases = when.get("alias", [])
    aliases = [aliases] if isinstance(aliases, str) else aliases
    if not isinstance(aliases, list) or not all(isinstance(alias, str) and alias for alias in aliases):
        raise HubError(f"Gate '{name}': 'when.alias' is a list of alias names.", POLICY_HINT)
    if not isinstance(when.get("push", False), bool):
        raise HubError(f"Gate '{name}': 'when.push' is true or false.", POLICY_HINT)
    if not isinstance(require, list) or not require:
        raise HubError(f"Gate '{name}' requires nothing: give a 'require' list.", POLICY_HINT)
    return {"name": name, "when": {"alias": aliases, "push": bool(when.get("push", False))},
            "require": [_requirement(name, item) for item in require]}


def _requirement(gate: str, item: Any) -> dict[str, Any]:
    kinds = [kind for kind in REQUIREMENT_KINDS if isinstance(item, Mapping) and kind in item]
    if len(kinds) != 1:
        raise HubError(f"Gate '{gate}': each requirement has exactly one of {', '.join(REQUIREMENT_KINDS)}; "
                       f"got {item!r}.", POLICY_HINT)
    kind = kinds[0]
    allowed = {"fairness": {"fairness", "at_least", "at_most", "columns"}}.get(kind, {kind})
    if extra := set(item) - allowed:
        raise HubError(f"Gate '{gate}': a {kind} requirement has no {', '.join(map(repr, sorted(extra)))}.",
                       POLICY_HINT)
    if not isinstance(item[kind], str) or not item[kind]:
        raise HubError(f"Gate '{gate}': '{kind}' names a report kind or metric, not {item[kind]!r}.", POLICY_HINT)
    if kind == "explanation" and item[kind] != "valid":
        raise HubError(f"Gate '{gate}': the explanation requirement is 'explanation: valid'.", POLICY_HINT)
    if kind == "signoff" and item[kind] != "approved":
        raise HubError(f"Gate '{gate}': the sign-off requirement is 'signoff: approved'.", POLICY_HINT)
    if kind == "fairness":
        bounds = [key for key in ("at_least", "at_most") if key in item]
        if len(bounds) != 1 or not _finite(item[bounds[0]]):
            raise HubError(f"Gate '{gate}': '{item['fairness']}' needs one number, at_least or at_most.", POLICY_HINT)
        columns = item.get("columns", "declared")
        if columns != "declared" and not (isinstance(columns, list) and columns
                                          and all(isinstance(column, str) for column in columns)):
            raise HubError(f"Gate '{gate}': 'columns' is 'declared' or a list of column names.", POLICY_HINT)
    return dict(item)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def applies(gate: Mapping[str, Any], action: str, target: str) -> bool:
    when = gate["when"]
    return (action == "alias" and target in when["alias"]) or (action == "push" and when["push"])


def describe(requirement: Mapping[str, Any]) -> str:
    """A requirement in a few words, as the review and error messages print it."""
    if "canonical" in requirement:
        return f"canonical {requirement['canonical']} report"
    if "explanation" in requirement:
        return "explanation valid"
    if "signoff" in requirement:
        return "signed off: approved"
    bound = "≥" if "at_least" in requirement else "≤"
    threshold = requirement.get("at_least", requirement.get("at_most"))
    columns = requirement.get("columns", "declared")
    scope = "every declared column" if columns == "declared" else ", ".join(columns)
    return f"{requirement['fairness']} {bound} {threshold} ({scope})"


def judge(policy: Mapping[str, Any], action: str, target: str, ref: str,
          reports: Mapping[str, tuple[Any, Callable[[], Mapping[str, Any]]]],
          signed_off: Callable[[], tuple[bool, str]]) -> list[GateResult]:
    """Every requirement of every gate that applies to ``action`` on ``target``.

    ``reports`` maps a report kind to its canonical ``ReportRecord`` and a function reading its body;
    ``signed_off`` says whether the latest sign-off approves the current canonical reports, and why
    (:func:`hub.registry.signoff.verdict`), read only when a gate requires it.
    """
    results = []
    for gate in policy["gates"]:
        if not applies(gate, action, target):
            continue
        for requirement in gate["require"]:
            if "signoff" in requirement:
                approved, detail = signed_off()
                results.append(GateResult(gate["name"], describe(requirement), PASS if approved else FAIL, detail))
                continue
            status, detail = _judge_one(requirement, ref, reports)
            results.append(GateResult(gate["name"], describe(requirement), status, detail))
    return results


def _judge_one(requirement: Mapping[str, Any], ref: str, reports) -> tuple[str, str]:
    kind = requirement.get("canonical") or ("explanation" if "explanation" in requirement else "fairness")
    if kind not in reports:
        return FAIL, (f"no {kind} report from the declared evaluation: run 'hub evaluate {ref}' (its held-out "
                      "rows, every declared sensitive column); reports on other rows or columns decide nothing")
    record, read = reports[kind]
    if "canonical" in requirement:
        return PASS, f"{record.evaluator} report #{record.id} on the held-out split of {record.dataset}"
    body = read()
    if "explanation" in requirement:
        additivity = body.get("additivity") or {}
        if additivity.get("passed"):
            return PASS, f"{record.evaluator}: additivity holds"
        return FAIL, f"{record.evaluator}: additivity failed, so the explanation is not exact"
    return _fairness(requirement, record, body)


def _fairness(requirement: Mapping[str, Any], record, body: Mapping[str, Any]) -> tuple[str, str]:
    metric = requirement["fairness"]
    columns = record.sensitive if requirement.get("columns", "declared") == "declared" else requirement["columns"]
    if not columns:
        return FAIL, "the dataset declares no sensitive column, so there is nothing to judge"
    features = {str(feature.get("feature")): feature for feature in body.get("features") or []}
    statuses, parts = [], []
    for column in columns:
        if column not in features:
            statuses.append(FAIL)
            parts.append(f"{column}: not in the report")
            continue
        status, text = threshold_verdict(measure(features[column], metric), requirement)
        short = [name for verdict in features[column].get("verdicts") or [] if verdict.get("metric") == metric
                 for name in verdict.get("insufficient_groups") or []]
        if short:
            status, text = INCONCLUSIVE, f"{text}, but too few rows to judge in {', '.join(map(str, short))}"
        statuses.append(status)
        parts.append(f"{column} {text}")
    status = FAIL if FAIL in statuses else INCONCLUSIVE if INCONCLUSIVE in statuses else PASS
    return status, f"{metric}: " + "; ".join(parts)


def measure(feature: Mapping[str, Any], metric: str) -> tuple[float | None, float | None, float | None]:
    """A disparity's point value and interval from a fairness report's feature entry.

    The fairness report (ecohub-fairlearn's README) keeps the value beside an ``intervals``
    mapping of ``metric: [low, high]``; a bare number without an interval counts as its own
    interval, and ``{"value": v, "low": l, "high": h}`` is read too.
    """
    value = feature.get(metric)
    if value is None:
        value = (feature.get("disparities") or {}).get(metric)
    if isinstance(value, Mapping):
        interval = value.get("interval") or value.get("ci") or [value.get("low"), value.get("high")]
        return _number(value.get("value", value.get("estimate"))), _number(interval[0]), _number(interval[1])
    interval = (feature.get("intervals") or {}).get(metric) or [value, value]
    return _number(value), _number(interval[0]), _number(interval[1])


def _number(value: Any) -> float | None:
    return float(value) if _finite(value) else None


def threshold_verdict(measured, requirement: Mapping[str, Any]) -> tuple[str, str]:
    """Pass when the whole interval is on the right side of the threshold, fail when the whole
    interval is on the wrong side, inconclusive when it straddles it (or the value is undefined)."""
    value, low, high = measured
    if value is None or low is None or high is None:
        return INCONCLUSIVE, "undefined (too few rows in a group, or no group selected)"
    at_least = "at_least" in requirement
    threshold = requirement["at_least" if at_least else "at_most"]
    shown = f"{value:.2f}" + (f" [{low:.2f}, {high:.2f}]" if (low, high) != (value, value) else "")
    good, bad = (low >= threshold, high < threshold) if at_least else (high <= threshold, low > threshold)
    sign = "≥" if at_least else "≤"
    if good:
        return PASS, f"{shown} {sign} {threshold}"
    if bad:
        return FAIL, f"{shown}, not {sign} {threshold}"
    return INCONCLUSIVE, f"{shown} straddles {threshold}: more data, or a justification, is needed"
