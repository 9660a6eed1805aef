"""The review checklist of one version, built from the reports stored with it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Callable, Mapping

ReadReport = Callable[[Any], Mapping[str, Any]]
"""Turns a ``ReportRecord`` into its stored JSON body (``Registry.read_report``)."""


@dataclass(frozen=True)
class Item:
    """One line of the checklist. ``blocking`` items must pass for production."""

    name: str
    passed: bool
    detail: str
    blocking: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


def _newest_of_kind(version, kind: str):
    found = [report for report in version.reports if report.kind == kind]
    return found[-1] if found else None


def _explanation(version, read_report: ReadReport) -> Item:
    report = _newest_of_kind(version, "explanation")
    if report is None:
        return Item("explanation", False, f"no explanation report: run 'hub evaluate {version.ref}'")
    additivity = read_report(report).get("additivity") or {}
    if additivity.get("passed"):
        return Item("explanation", True, f"{report.evaluator}: additivity holds "
                                         f"(max error {additivity.get('max_abs_error', 0):.1e})")
    return Item("explanation", False, f"{report.evaluator}: additivity failed, so the explanation is not exact")


def _fairness(version, read_report: ReadReport) -> list[Item]:
    report = _newest_of_kind(version, "fairness")
    if report is None:
        return [Item("fairness", False, f"no fairness report: run 'hub evaluate {version.ref} --sensitive COLUMNS'")]
    body = read_report(report)
    features = body.get("features") or []
    failing = [f["feature"] for f in features if f.get("four_fifths_passed") is not True]
    ratios = ", ".join(
        f"{f['feature']} {f['demographic_parity_ratio']:.2f}" if f.get("demographic_parity_ratio") is not None
        else f"{f['feature']} n/a" for f in features
    )
    if not features:
        verdict = Item("fairness", False, f"{report.evaluator}: the report compares no sensitive feature")
    elif failing:
        verdict = Item("fairness", False, f"four-fifths rule fails for {', '.join(failing)} (DP ratio {ratios})")
    else:
        verdict = Item("fairness", True, f"four-fifths rule passes for every feature (DP ratio {ratios})")
    thin = [f"{f['feature']}={g['group']}" for f in features for g in f.get("groups", [])
            if not g.get("sufficient", True)]
    small = Item("small groups", not thin, f"too few rows to judge: {', '.join(thin)}" if thin
                 else "every group is large enough to judge", blocking=False)
    return [verdict, small]


def checklist(version, read_report: ReadReport) -> list[Item]:
    """Every item for ``version`` (a ``VersionRecord``), in the order a reviewer reads them."""
    trained_on = [use.dataset for use in version.datasets if use.role == "train"]
    known_license = version.license not in ("", "unknown")
    return [
        Item("license", known_license, version.license if known_license else "the license is unknown"),
        Item("training data", bool(trained_on), ", ".join(trained_on) or "no training dataset recorded"),
        _explanation(version, read_report),
        *_fairness(version, read_report),
    ]


def blocking_failures(items: list[Item]) -> list[str]:
    """What stops the version going to production, one phrase per failing blocking item."""
    return [f"{item.name}: {item.detail}" for item in items if item.blocking and not item.passed]
