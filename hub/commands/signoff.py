"""``hub signoff``: approve or reject a version as its reviewer, or list the decisions on it.

The decision names the reports the reviewer read: by default every report the dashboard's
Sign-off page shows (the canonical and the newest of each evaluator), or those given with
``--report SHA256``. A gate with ``signoff: approved`` passes only while the latest decision
approves and no canonical report came after it (docs/gates.md).
"""

from __future__ import annotations

import click

from hub.commands import open_registry
from hub.output import console, emit_json, table


@click.command()
@click.argument("ref", metavar="MODEL[:VERSION|@ALIAS]")
@click.option("--approve", "decision", flag_value="approve", help="Approve the version.")
@click.option("--reject", "decision", flag_value="reject", help="Reject the version (needs --comment).")
@click.option("--comment", default="", help="Why: required to reject; at most 4000 characters.")
@click.option("--report", "reports", multiple=True, metavar="SHA256",
              help="A report you read (repeatable); default: the canonical and newest report of each evaluator.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def signoff(ctx: click.Context, ref: str, decision: str | None, comment: str, reports: tuple[str, ...],
            as_json: bool) -> None:
    """Record a decision on a version; without --approve or --reject, list the decisions on it."""
    registry = open_registry(ctx)
    version = registry.resolve(ref)
    if decision:
        shown = registry.reviewed_reports(version)
        seen = reports or [report.sha256 for report in shown.values()]
        decided = registry.sign_off(version.ref, decision, comment, reports_seen=seen)
        if as_json:
            emit_json(decided.as_dict())
            return
        console().print(f"{decided.actor} {'approved' if decided.approved else 'rejected'} {version.ref}, having read "
                        f"{len(decided.reports)} report(s).")
        return
    decisions = registry.sign_offs(version)
    if as_json:
        emit_json([decided.as_dict() for decided in decisions])
        return
    if not decisions:
        console().print(f"Nobody has signed off {version.ref}.")
        return
    console().print(table(f"Sign-offs of {version.ref}", ("when", "reviewer", "decision", "comment", "reports"), [
        (d.at.strftime("%Y-%m-%d %H:%M"), d.actor, d.decision, d.comment,
         ", ".join(f"{r.evaluator} {r.sha256[:12]}" for r in d.reports)) for d in decisions
    ]))
