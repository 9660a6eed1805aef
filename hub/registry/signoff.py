"""Sign-off: a reviewer's recorded decision on a version, and whether it still holds.

A reviewer approves or rejects one version with a comment, having read some of its reports. The
decision is an audit event (action ``signoff``, target ``NAME:VERSION``), written like every other
change and never updated, so the history of decisions is the audit log itself. It names each
report the reviewer saw by id and sha256: the gate requirement ``signoff: approved``
(:mod:`hub.registry.gates`) holds only while the latest decision approves and every current
canonical report is one the reviewer saw, so evaluating the version again after an approval
makes the approval stale, as a reviewer signing a document signs that document and no later one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

from hub.errors import HubError
from hub.registry.records import AuditRecord, Record, ReportRecord, VersionRecord

ACTION = "signoff"
APPROVE, REJECT = "approve", "reject"
DECISIONS = (APPROVE, REJECT)
MAX_COMMENT = 4000
MAX_ACTOR = 100
HINT = "Approve or reject with a comment: hub signoff MODEL:VERSION --approve|--reject --comment TEXT."


@dataclass(frozen=True)
class SeenReport(Record):
    """A report as the reviewer saw it: which one, from which evaluator, and its bytes' sha256."""

    id: int
    evaluator: str
    kind: str
    role: str
    sha256: str


@dataclass(frozen=True)
class SignOff(Record):
    """One decision on one version: who, when, approve or reject, why, and the reports it read."""

    version: str
    decision: str
    comment: str
    actor: str
    at: datetime
    reports: list[SeenReport]

    @property
    def approved(self) -> bool:
        return self.decision == APPROVE


def details(version: VersionRecord, decision: str, comment: str, reports_seen: Iterable[str], actor: str) -> dict:
    """The audit event's details for ``actor``'s decision, or an error saying what is wrong with it.

    ``reports_seen`` are sha256 digests of the version's reports as shown to the reviewer; every
    report of the version with that digest counts as seen.
    """
    if not actor.strip() or len(actor) > MAX_ACTOR:
        raise HubError(f"A reviewer's name has 1 to {MAX_ACTOR} characters; got {len(actor.strip())}.",
                       "Set HUB_USER, or type your name as the reviewer.")
    if decision not in DECISIONS:
        raise HubError(f"A sign-off decision is '{APPROVE}' or '{REJECT}', not {decision!r}.", HINT)
    comment = (comment or "").strip()
    if decision == REJECT and not comment:
        raise HubError(f"Rejecting {version.ref} needs a comment saying what must change.", HINT)
    if len(comment) > MAX_COMMENT:
        raise HubError(f"A sign-off comment may hold at most {MAX_COMMENT} characters; this one has {len(comment)}.",
                       "Shorten it, and link to a longer review instead.")
    seen = set(reports_seen)
    by_digest = {report.sha256 for report in version.reports}
    if unknown := sorted(seen - by_digest):
        raise HubError(f"{len(unknown)} report(s) named as seen do not belong to {version.ref}: "
                       f"{', '.join(digest[:12] + '…' for digest in unknown)}.",
                       f"Name reports of this version ('hub models show {version.model}' lists them).")
    reports = [SeenReport(r.id, r.evaluator, r.kind, r.role, r.sha256) for r in version.reports if r.sha256 in seen]
    return {"decision": decision, "comment": comment, "reports": [report.as_dict() for report in reports]}


def from_event(event: AuditRecord) -> SignOff:
    found = event.details or {}
    return SignOff(version=event.target, decision=found.get("decision", ""), comment=found.get("comment", ""),
                   actor=event.actor, at=event.at,
                   reports=[SeenReport(**report) for report in found.get("reports") or []])


def unseen(sign_off: SignOff, canonical: Mapping[str, ReportRecord]) -> list[ReportRecord]:
    """The version's current canonical reports that the decision did not see: newer evaluations."""
    seen = {report.id for report in sign_off.reports}
    return [report for report in canonical.values() if report.id not in seen]


def verdict(sign_off: SignOff | None, canonical: Mapping[str, ReportRecord]) -> tuple[bool, str]:
    """Whether ``signoff: approved`` holds, and why in words."""
    if sign_off is None:
        return False, ("nobody has signed off this version: a reviewer approves it on the dashboard's Sign-off page "
                       "or with 'hub signoff'")
    who = f"{sign_off.actor} on {sign_off.at:%Y-%m-%d %H:%M} UTC"
    if not sign_off.approved:
        return False, f"the latest sign-off rejects it ({who}): {sign_off.comment}"
    if newer := unseen(sign_off, canonical):
        names = ", ".join(f"{report.evaluator} #{report.id} ({report.created_at:%Y-%m-%d %H:%M})" for report in newer)
        return False, (f"approved by {who}, but the canonical report(s) {names} came after the approval and were "
                       "not seen: the approval is stale, sign off again")
    return True, f"approved by {who}, having seen the current canonical reports"
