"""The write side of registering a version: one transaction, its statements built once.

By the time these run, the registry has checked everything and the files are durable in the
store. The transaction creates the model or bumps its version counter in one upsert (which
serialises registrations of one model without retries), commits the version row with its
git-style commit id, counts the new references to blobs, fills the index tables, and appends to
the audit log. Blobs are counted in one global order, so two registrations sharing files never
wait on each other in a cycle.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from hub.registry import audit, hashing
from hub.registry.lineage import Resolved
from hub.registry.tables import (Blob, LineageEdge, Model, ModelVersion, VersionFile, VersionLicense,
                                 VersionTag, utcnow)

models, versions, blobs = Model.__table__, ModelVersion.__table__, Blob.__table__

PREVIOUS_COMMIT = select(versions.c.commit).where(versions.c.model_id == bindparam("model_id"),
                                                  versions.c.version == bindparam("previous"))
INSERT_VERSION = insert(versions).returning(versions.c.id)
INSERT_FILES = insert(VersionFile.__table__)
INSERT_TAGS = insert(VersionTag.__table__)
INSERT_KEYS = insert(VersionLicense.__table__)
INSERT_EDGES = insert(LineageEdge.__table__)


def dialect_insert(connection: Connection):
    """The dialect's INSERT, which has ON CONFLICT on both SQLite and PostgreSQL."""
    return {"sqlite": sqlite_insert, "postgresql": postgresql_insert}[connection.dialect.name]


@functools.cache
def _statements(dialect: str) -> tuple[Any, Any]:
    """The two upserts, which each dialect writes its own way.

    The first creates the model with its first version number, or bumps the number of one that
    exists: one statement, whose row lock makes concurrent registrations of a model take turns.
    """
    make = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}[dialect]
    next_number = (make(models)
                   .on_conflict_do_update(index_elements=["namespace", "name"],
                                          set_={"version_count": models.c.version_count + 1})
                   .returning(models.c.id, models.c.version_count))
    blob = make(blobs)
    count_blob = blob.on_conflict_do_update(index_elements=["sha256"],
                                            set_={"refcount": blobs.c.refcount + blob.excluded.refcount})
    return next_number, count_blob


def count_references(connection: Connection, counts: Counter, sizes: Mapping[str, int]) -> None:
    """Record blobs and count new references to them, in one global order."""
    rows = [{"sha256": sha256, "size": sizes[sha256], "refcount": counts[sha256]} for sha256 in sorted(counts)]
    connection.execute(_statements(connection.dialect.name)[1], rows)


@dataclass(frozen=True)
class Written:
    version_id: int
    number: int
    commit: str
    created_at: datetime


def write(connection: Connection, *, namespace: str, name: str, model: str, description: str, task: str,
          row: dict[str, Any], files: list[dict[str, Any]], tags: Mapping[str, str], license_keys: tuple[str, ...],
          parents: list[Resolved], actor: str, justification: str | None, failures: list[str]) -> Written:
    """Record version N+1 of ``namespace/name``; ``row`` holds the version's own columns, manifest included."""
    created_at = utcnow()
    model_id, number = connection.execute(_statements(connection.dialect.name)[0], {
        "namespace": namespace, "name": name, "description": description, "task": task, "created_at": created_at,
        "version_count": 1}).one()
    ref = f"{model}:{number}"
    parent_commit = connection.execute(PREVIOUS_COMMIT, {"model_id": model_id, "previous": number - 1}).scalar()
    tree = hashing.tree_id({file["path"]: file["git_sha1"] for file in files})
    commit = hashing.commit_id(tree, parent_commit, f"Register {ref}", created_at)
    version_id = connection.execute(INSERT_VERSION, {
        **row, "model_id": model_id, "version": number, "commit": commit, "created_at": created_at,
        "created_by": actor,
    }).scalar_one()
    count_references(connection, Counter(file["sha256"] for file in files),
                     {file["sha256"]: file["size"] for file in files})
    connection.execute(INSERT_FILES, [{"version_id": version_id, "path": file["path"], "sha256": file["sha256"]}
                                      for file in files])
    if tags:
        connection.execute(INSERT_TAGS, [{"version_id": version_id, "model_id": model_id, "key": key, "value": value}
                                         for key, value in tags.items()])
    connection.execute(INSERT_KEYS, [{"version_id": version_id, "model_id": model_id, "key": key}
                                     for key in license_keys])
    if parents:
        connection.execute(INSERT_EDGES, [
            {"version_id": version_id, "model_id": model_id, "relation": parent.relation, "parent_kind": parent.kind,
             "parent_ref": parent.ref, "parent_version_id": parent.version_id, "parent_model_id": parent.model_id,
             "license": parent.license}
            for parent in parents
        ])
    if failures:
        audit.record(connection, actor, "license.override", ref, justification, {"failures": failures})
    audit.record(connection, actor, "version.register", ref, justification,
          {"license": row["license"], "files": len(files), "pickle_files": [f["path"] for f in files if f["pickle"]]})
    return Written(version_id, number, commit, created_at)
