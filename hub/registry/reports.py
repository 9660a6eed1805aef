"""Which evaluation a report is of, and which report a verdict reads.

A report is keyed by everything that decides its numbers: the evaluator, the dataset, the
fingerprint of the rows, the sensitive columns and the parameters (bins, decision threshold).
Reports with different keys are different evaluations and are kept side by side; none replaces
another. Only the version's *declared* evaluation (role ``canonical``: the held-out split of its
training data, every sensitive column the dataset declares, the dataset's bins) may decide a
verdict, so running ``hub evaluate`` again on other columns or other rows adds a report beside it
and changes no gate, review, card or headline.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable, Mapping

from hub.errors import EvaluationError
from hub.registry.records import ReportRecord

CANONICAL, ADDITIONAL, OVERLAP, LEGACY = "canonical", "additional", "overlap", "legacy"
IMPORTED = "imported"
ROLES = (CANONICAL, ADDITIONAL, OVERLAP, IMPORTED)
"""The roles a new report may have; ``legacy`` marks only reports stored before reports were keyed.
``imported`` marks a report that arrived with a version pulled or pushed from another hub
(:mod:`hub.sharing.restore`); it decides a verdict only where the gate policy accepts imported
verdicts (``imported: accept``), and then only if it was canonical where it came from."""


def report_key(evaluator: str, dataset: str, rows_sha256: str, sensitive: Iterable[str],
               params: Mapping[str, Any]) -> str:
    """The same for every run of the same evaluation; the column order does not matter."""
    identity = {"evaluator": evaluator, "dataset": dataset, "rows_sha256": rows_sha256,
                "sensitive": sorted(sensitive), "params": params}
    try:
        encoded = json.dumps(identity, sort_keys=True, allow_nan=False).encode()
    except (TypeError, ValueError) as error:
        raise EvaluationError(f"The parameters of the {evaluator} report are not plain JSON: {error}.") from None
    return hashlib.sha256(encoded).hexdigest()


def check_role(role: str, rows_sha256: str) -> None:
    if role not in ROLES:
        raise EvaluationError(f"'{role}' is not a report role.", f"Use one of: {', '.join(ROLES)}.")
    if role == CANONICAL and len(rows_sha256) != 64:
        raise EvaluationError("A canonical report must name the sha256 of the rows it judged.")


def canonical(reports: Iterable[ReportRecord], accepted: frozenset[str] = frozenset()) -> dict[str, ReportRecord]:
    """The newest canonical report of each evaluator (reports come oldest first); imported reports
    count too when their sha256 is in ``accepted``."""
    found: dict[str, ReportRecord] = {}
    for report in reports:
        if report.role == CANONICAL or (report.role == IMPORTED and report.sha256 in accepted):
            found[report.evaluator] = report
    return found
