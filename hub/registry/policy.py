"""The license policy over lineage: may this version be made from its parents, under the license it declares?

Every edge is judged on its own: the child's declared license against the parent's license (for a
registered parent, the license concluded for it, which already carries what flowed into it from
further up, so checking the nearest edges checks the whole chain). The rules reason only with
the traits in :mod:`hub.registry.licenses`, and the tables below are data, to be corrected after legal
review without touching the reasoning:

- a non-commercial parent fails a child declared for commercial use (an adapter only warns: its
  base's license still governs using the two together);
- a no-derivatives parent fails a derived model (an adapter, again, warns);
- a share-alike parent fails a child that does not carry its license or a compatible one;
- a RAIL-family or community-license parent warns, and its restrictions flow into the child's
  concluded license and card; a community license's naming rule is checked too;
- a parent whose license is unknown warns;
- a dataset (``trained_on``) only warns: whether a model is a derivative of its training data is
  unsettled, and :data:`DATASET_SEVERITY` is where an organisation makes that stricter.

ModelGo (Duan et al., WWW 2024) is the closest published rule-based analyser of this kind.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from hub.registry import licenses
from hub.registry.licenses import (ATTRIBUTION, COMMUNITY, NO_DERIVATIVES, NON_COMMERCIAL, SHARE_ALIKE, UNSTATED,
                          USE_RESTRICTIONS, Expression, License)
from hub.registry.lineage import DATASET
from hub.registry.records import Edge, Record

PASS, WARN, FAIL = "pass", "warn", "fail"
LEVELS = {PASS: 0, WARN: 1, FAIL: 2}

# Share-alike licenses, and the licenses besides themselves that honour them in a derived work.
COMPATIBLE = {
    "cc-by-sa-3.0": {"cc-by-sa-4.0"},
    "cc-by-sa-4.0": {"gpl-3.0", "gpl-3.0-plus"},  # Creative Commons' one-way compatibility list
    "gpl-2.0-plus": {"gpl-3.0", "gpl-3.0-plus"},
    "gpl-3.0-plus": {"gpl-3.0"},
    "lgpl-2.1": {"lgpl-2.1-plus", "lgpl-3.0", "gpl-2.0", "gpl-2.0-plus", "gpl-3.0", "gpl-3.0-plus"},
    "lgpl-2.1-plus": {"lgpl-3.0", "gpl-2.0-plus", "gpl-3.0", "gpl-3.0-plus"},
    "lgpl-3.0": {"gpl-3.0", "gpl-3.0-plus"},
}
# How a trait of a dataset's license counts against a model trained on it.
DATASET_SEVERITY = {NON_COMMERCIAL: WARN, NO_DERIVATIVES: WARN, SHARE_ALIKE: WARN}
# How a parent whose license is unknown counts (FAIL to refuse such parents).
UNSTATED_SEVERITY = WARN
# Traits whose obligations a derived model inherits: their licenses join its concluded license.
FLOWING = frozenset({NON_COMMERCIAL, NO_DERIVATIVES, USE_RESTRICTIONS, COMMUNITY})


@dataclass(frozen=True)
class Finding(Record):
    level: str
    rule: str
    message: str


@dataclass(frozen=True)
class Step(Record):
    """One edge of the chain, judged: the child's declared license against its parent's license."""

    child: str
    child_license: str
    parent: str
    parent_license: str
    relation: str
    kind: str
    depth: int
    findings: list[Finding]

    @property
    def level(self) -> str:
        return worst(self.findings)


@dataclass(frozen=True)
class Check(Record):
    """The policy's verdict on a version: every step of its chain and the worst of them."""

    version: str
    license: str
    verdict: str
    steps: list[Step]
    notes: list[Finding]

    @property
    def failures(self) -> list[str]:
        """What fails, each as the parent, the child and why."""
        return [f"{step.parent} -> {step.child}: {finding.message}"
                for step in self.steps for finding in step.findings if finding.level == FAIL]


def worst(findings: list[Finding]) -> str:
    return max((finding.level for finding in findings), key=LEVELS.__getitem__, default=PASS)


@functools.cache
def _license(key: str) -> License:
    return licenses.get(key)


def check(version: str, license: str, steps: list[tuple[Edge, str]]) -> Check:
    """Judge every edge; ``steps`` pairs each edge with its child's declared license."""
    judged = [judge(edge, licenses.parse(child_license)) for edge, child_license in steps]
    notes = [Finding(WARN, "ambiguous-license", warning) for warning in licenses.parse(license).warnings]
    verdict = worst([*notes, *(Finding(step.level, "", "") for step in judged)])
    return Check(version=version, license=license, verdict=verdict, steps=judged, notes=notes)


def judge(edge: Edge, declared: Expression) -> Step:
    parent = licenses.parse(edge.license)
    model = edge.child.rpartition(":")[0] or edge.child
    # The licensee of an "a OR b" parent may pick either: the kindest choice counts. Every choice the
    # child offers its own licensees must be fine, so the harshest of those counts.
    options = [_dedup([finding for child in declared.alternatives for finding in _rules(edge, model, child, choice)])
               for choice in parent.alternatives]
    findings = min(options, key=lambda found: LEVELS[worst(found)])
    return Step(child=edge.child, child_license=declared.text, parent=edge.parent, parent_license=parent.text,
                relation=edge.relation, kind=edge.kind, depth=edge.depth, findings=findings)


def _dedup(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


def _rules(edge: Edge, model: str, child_keys: frozenset[str], parent_keys: frozenset[str]) -> list[Finding]:
    child = [_license(key) for key in sorted(child_keys)]
    declared = " AND ".join(lic.key for lic in child)
    commercial = all(lic.commercial and lic.known for lic in child)
    on_data = edge.kind == DATASET
    adapter = edge.relation == "adapter"
    found = []
    for lic in (_license(key) for key in sorted(parent_keys)):
        named = f"{edge.parent} is licensed {lic.key} ({lic.name})"
        before = len(found)
        if UNSTATED in lic.traits:
            found.append(Finding(UNSTATED_SEVERITY, "unknown-license",
                                 f"{named}: nobody has stated what it permits; check its terms before relying on it"))
        if NON_COMMERCIAL in lic.traits and commercial:
            level = DATASET_SEVERITY[NON_COMMERCIAL] if on_data else WARN if adapter else FAIL
            note = (" The adapter may be shared, but using it with its base stays non-commercial."
                    if adapter and not on_data else "")
            found.append(Finding(level, "non-commercial",
                                 f"{named}, which forbids commercial use, but this model is declared "
                                 f"{declared}, which allows it.{note}"))
        if NO_DERIVATIVES in lic.traits:
            level = DATASET_SEVERITY[NO_DERIVATIVES] if on_data else WARN if adapter else FAIL
            found.append(Finding(level, "no-derivatives",
                                 f"{named}, which forbids derivatives, and this model is its {edge.relation}"))
        if SHARE_ALIKE in lic.traits and not any(
                other.key == lic.key or other.key in COMPATIBLE.get(lic.key, ()) for other in child):
            level = DATASET_SEVERITY[SHARE_ALIKE] if on_data else WARN if lic.ambiguous else FAIL
            honour = sorted({lic.key, *COMPATIBLE.get(lic.key, ())})
            found.append(Finding(level, "share-alike",
                                 f"{named}, which is share-alike: this model must carry {' or '.join(honour)}, "
                                 f"not {declared}"))
        if USE_RESTRICTIONS in lic.traits:
            found.append(Finding(WARN, "use-restrictions",
                                 f"{named}, whose use restrictions bind this model too: they are carried into its "
                                 "license and model card, and must be passed on to its users"))
        if COMMUNITY in lic.traits:
            found.append(Finding(WARN, "community-license",
                                 f"{named}: carry its license text and notice with this model, and reference its "
                                 "acceptable use policy, which the model card does"))
            if lic.name_prefix and not _starts_with(model, lic.name_prefix) and not on_data:
                found.append(Finding(WARN, "naming",
                                     f"{lic.name} asks that models made from it be named beginning with "
                                     f"'{lic.name_prefix}'; '{model}' does not"))
        if len(found) == before:
            duty = "; credit it (attribution)" if ATTRIBUTION in lic.traits else ""
            found.append(Finding(PASS, "compatible", f"{named}, which permits this{duty}"))
    return found


def _starts_with(model: str, prefix: str) -> bool:
    """Whether a model's own name (namespace aside) begins with ``prefix``, ignoring case and separators."""
    squash = lambda text: re.sub(r"[^a-z0-9]", "", text.lower())  # noqa: E731
    return squash(model.rpartition("/")[2]).startswith(squash(prefix))


def conclude(declared: Expression, parents: list[Edge]) -> tuple[str, list[str]]:
    """The license a version carries: its declared one, and whatever obligations flow in from its parent models."""
    carried: dict[str, str] = {}
    for edge in parents:
        if edge.kind == DATASET:
            continue
        parent = licenses.parse(edge.license)
        choice = min(parent.alternatives, key=lambda keys: sum(bool(_license(k).traits & FLOWING) for k in keys))
        for key in sorted(choice):
            traits = _license(key).traits & FLOWING
            if traits and not all(key in alternative for alternative in declared.alternatives):
                carried.setdefault(key, f"carries {key} from {edge.parent} ({', '.join(sorted(traits))})")
    if not carried:
        return declared.text, []
    text = declared.text if len(declared.alternatives) == 1 else f"({declared.text})"
    return licenses.parse(" AND ".join([text, *carried])).text, list(carried.values())
