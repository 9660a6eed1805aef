"""``hub pull``: write a version's files into a folder, each checked against its sha256."""

from __future__ import annotations

from pathlib import Path

import click

from hub.commands import open_registry
from hub.output import console, emit_json


@click.command()
@click.argument("ref", metavar="MODEL[:VERSION|@ALIAS]")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the version pulled as JSON.")
@click.pass_context
def pull(ctx: click.Context, ref: str, dest: Path, as_json: bool) -> None:
    """Copy the files of a version into DEST; nothing is written if any stored file is damaged.

    Nothing is written either if a file's path would land outside DEST or in a folder such as
    .git (whose config runs commands), whatever the registry holds.
    """
    registry = open_registry(ctx)
    record = registry.resolve(ref)
    registry.export_files(record.model, record.version, dest)
    if as_json:
        emit_json({"version": record.ref, "commit": record.commit, "dest": str(dest),
                   "files": [file.as_dict() for file in record.files]})
        return
    size = sum(file.size for file in record.files)
    console().print(f"Pulled {record.ref} (commit {record.commit[:12]}): {len(record.files)} files, "
                    f"{size:,} bytes, into {dest}")
    unsafe = [file.path for file in record.files if file.pickle]
    if unsafe:
        console().print(f"Warning: {', '.join(unsafe)} run code when loaded (pickle); load only what you trust.")
