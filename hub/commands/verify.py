"""``hub verify``: re-hash everything the registry refers to, and name each file that is broken."""

from __future__ import annotations

import click

from hub.commands import open_registry
from hub.output import console, emit_json, table


@click.command()
@click.option("--record-digests", is_flag=True,
              help="Record the BLAKE3 digest of sound files stored before ecohub recorded one, so that reads "
                   "check them at its speed instead of by sha256.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def verify(ctx: click.Context, record_digests: bool, as_json: bool) -> None:
    """Re-hash every stored file, chunk and report the registry refers to; exit 1 if any is broken."""
    from hub.registry.maintenance import verify as verify_store

    result = verify_store(open_registry(ctx), record_digests=record_digests)
    if as_json:
        emit_json({"ok": result.ok, **result.as_dict()})
    else:
        out = console()
        if result.problems:
            out.print(table("Broken files", ("file", "sha256", "problem"), [
                (name, problem.sha256[:12], problem.message) for problem in result.problems for name in problem.files
            ]))
            out.print("Restore the store from a backup, or register the affected versions again.")
        out.print(f"Checked {result.checked} stored files: "
                  + ("all intact." if result.ok else f"{len(result.problems)} missing or corrupt."))
        if result.without_digest:
            out.print(f"{result.without_digest} stored files have no BLAKE3 digest (they were stored by an older "
                      "ecohub), so reads check them by sha256, four times slower; 'hub verify --record-digests' "
                      "records them.")
        if result.unreferenced:
            out.print(f"{result.unreferenced} stored files belong to no version or report; "
                      "'hub gc' removes them once they are older than its grace period.")
    if not result.ok:
        ctx.exit(1)
