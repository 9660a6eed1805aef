"""The review checklist of one version: its license and data, then its gates, from canonical reports only.

The fairness and explanation items are the registry's gate policy for the action (by default the
``production`` alias; ``registry.gate``), judged on the version's canonical reports: its declared
evaluation, never whichever report is newest. Reports on other rows or columns are listed as a note, so a reviewer
sees them without their deciding anything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

GATED_ALIAS = "production"
PASS, FAIL, INCONCLUSIVE, NOTE = "pass", "fail", "inconclusive", "note"


@dataclass(frozen=True)
class Item:
    """One line of the checklist. ``blocking`` items must pass for production; ``status`` is pass,
    fail or inconclusive (which blocks unless justified), or note for what reviewers should read."""

    name: str
    passed: bool
    detail: str
    blocking: bool = True
    status: str = ""

    def __post_init__(self):
        if not self.status:
            object.__setattr__(self, "status", PASS if self.passed else FAIL if self.blocking else NOTE)

    def as_dict(self) -> dict:
        return asdict(self)


def _fairness_notes(version, registry) -> list[Item]:
    report = next((r for r in registry.canonical_reports(version).values() if r.kind == "fairness"), None)
    if report is None:
        return []
    body = registry.read_report(report)
    thin = [f"{feature['feature']}={group['group']}" for feature in body.get("features") or []
            for group in feature.get("groups") or [] if not group.get("sufficient", True)]
    items = [Item("small groups", not thin, f"too few positives or negatives to judge: {', '.join(thin)}" if thin
                  else "every group has enough positives and negatives to judge", blocking=False)]
    items += [Item("fairness note", False, warning, blocking=False) for warning in body.get("warnings") or []]
    return items


def _other_reports(version) -> list[Item]:
    others = [report for report in version.reports if report.role != "canonical"]
    if not others:
        return []
    overlapping = [f"#{report.id}" for report in others if report.role == "overlap"]
    detail = (f"{len(others)} report(s) on other rows, columns or bins are stored beside the canonical ones and "
              "decide nothing")
    if overlapping:
        detail += f"; {', '.join(overlapping)} judged rows the model was trained on"
    return [Item("other reports", True, detail, blocking=False, status=NOTE)]


def basics(version) -> list[Item]:
    """What this plugin itself requires of a version: a known license and recorded training data."""
    trained_on = [use.dataset for use in version.datasets if use.role == "train"]
    known_license = version.license not in ("", "unknown")
    return [
        Item("license", known_license, version.license if known_license else "the license is unknown"),
        Item("training data", bool(trained_on), ", ".join(trained_on) or "no training dataset recorded"),
    ]


def checklist(version, registry, action: str = "alias", target: str = GATED_ALIAS) -> list[Item]:
    """Every item for ``version`` (a ``VersionRecord``) before ``action`` ("alias" or "push") on
    ``target``, in reading order. A version no gate applies to (an alias other than the gated
    ones) needs nothing, so its list holds only notes."""
    gates = [Item(f"{result.gate}: {result.requirement}", result.status == PASS, result.detail,
                  status=result.status)
             for result in registry.gate(version, action, target)]
    if not gates:
        return [Item("gates", True, f"no gate applies to {action} {target}", blocking=False, status=NOTE)]
    return [
        *basics(version),
        *gates,
        *_fairness_notes(version, registry),
        *_other_reports(version),
    ]


def blocking_failures(items: list[Item]) -> list[str]:
    """What stops the version going to production, one phrase per failing blocking item."""
    return [f"{item.name}: {item.detail}" + (" (inconclusive: blocks unless justified)"
                                             if item.status == INCONCLUSIVE else "")
            for item in items if item.blocking and not item.passed]
