"""The registry's tables, as the baseline migration creates them.

A model (``namespace/name``) has numbered, immutable versions. A version row holds everything
registered with it: what is searched in columns of its own, and the rest (files, tags, lineage,
datasets, metrics, config, the reasons for its license) in one JSON manifest, so one row read
gives a whole version. The tables after it index that manifest for what needs a query: files
point at blobs (whose reference counts say what the store must keep), tags and license keys are
searched, and lineage edges are walked up and down. The index tables repeat the version's model,
so a search can first narrow to the models a filter names before checking their versions.
Aliases, reports, edited cards, gate policies and the audit log are what changes after registration.
``model.version_count`` is the counter that allocates version numbers atomically, and is
therefore also the latest version's number.

Change a table here only together with a new migration in ``hub/registry/migrations/versions``;
``tests/test_registry_schema.py`` compares the two.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A moment in UTC, stored the same on SQLite and PostgreSQL and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def name_type(length: int):
    """Names compare byte by byte on both databases, so a name-prefix search is an index range scan."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def _json() -> Column:
    return Column(JSON, nullable=False)


def _moment() -> Column:
    return Column(UTCDateTime, nullable=False)


class Model(SQLModel, table=True):
    __tablename__ = "model"
    __table_args__ = (UniqueConstraint("namespace", "name"), Index("ix_model_name", "name"))

    id: Optional[int] = Field(default=None, primary_key=True)
    namespace: str = Field(sa_column=Column(name_type(100), nullable=False))
    name: str = Field(sa_column=Column(name_type(100), nullable=False))
    description: str = Field(sa_column=Column(Text, nullable=False))
    task: str
    created_at: datetime = Field(sa_column=_moment())
    version_count: int


class ModelVersion(SQLModel, table=True):
    __tablename__ = "model_version"
    # Searches check a model's versions through (model_id, version); their own columns need no index.
    __table_args__ = (UniqueConstraint("model_id", "version"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    model_id: int = Field(sa_column=Column(Integer, ForeignKey("model.id"), nullable=False))
    version: int
    commit: str = Field(sa_column=Column(String(40), nullable=False, unique=True))
    license: str = Field(sa_column=Column(Text, nullable=False))
    declared_license: str = Field(sa_column=Column(Text, nullable=False))
    license_link: str
    framework: str
    model_type: str
    trainer: str
    task: str
    manifest: dict[str, Any] = Field(sa_column=_json())
    created_at: datetime = Field(sa_column=_moment())
    created_by: str


class Blob(SQLModel, table=True):
    """A stored file's bytes, by checksum, with how many version files and reports refer to them."""

    __tablename__ = "blob"

    sha256: str = Field(sa_column=Column(String(64), primary_key=True))
    size: int
    refcount: int


class VersionFile(SQLModel, table=True):
    # By sha256 too: hub serve asks which models hold an object before it counts it as already uploaded.
    __tablename__ = "version_file"
    __table_args__ = (UniqueConstraint("version_id", "path"), Index("ix_version_file_sha256", "sha256"))

    id: Optional[int] = Field(default=None, primary_key=True)
    version_id: int = Field(sa_column=Column(Integer, ForeignKey("model_version.id"), nullable=False))
    path: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(sa_column=Column(String(64), ForeignKey("blob.sha256"), nullable=False))


class VersionTag(SQLModel, table=True):
    __tablename__ = "version_tag"
    __table_args__ = (
        UniqueConstraint("version_id", "key"),
        Index("ix_version_tag_key_value", "key", "value", "model_id"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    version_id: int = Field(sa_column=Column(Integer, ForeignKey("model_version.id"), nullable=False))
    model_id: int = Field(sa_column=Column(Integer, ForeignKey("model.id"), nullable=False))
    key: str = Field(sa_column=Column(String(64), nullable=False))
    value: str = Field(sa_column=Column(String(256), nullable=False))


class VersionLicense(SQLModel, table=True):
    """Each license key in a version's concluded license, so ``license:X`` finds it inside expressions."""

    __tablename__ = "version_license"
    __table_args__ = (Index("ix_version_license_key", "key", "model_id"),)

    version_id: int = Field(sa_column=Column(Integer, ForeignKey("model_version.id"), primary_key=True))
    key: str = Field(sa_column=Column(String(200), primary_key=True))
    model_id: int = Field(sa_column=Column(Integer, ForeignKey("model.id"), nullable=False))


class LineageEdge(SQLModel, table=True):
    """What a version was made from: a registered version, or a model or dataset known by reference."""

    __tablename__ = "lineage_edge"
    __table_args__ = (
        Index("ix_lineage_edge_version_id", "version_id"),
        Index("ix_lineage_edge_parent_version_id", "parent_version_id"),
        Index("ix_lineage_edge_parent_model_id", "parent_model_id", "model_id"),
        Index("ix_lineage_edge_parent_ref", "parent_kind", "parent_ref", "model_id"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    version_id: int = Field(sa_column=Column(Integer, ForeignKey("model_version.id"), nullable=False))
    model_id: int = Field(sa_column=Column(Integer, ForeignKey("model.id"), nullable=False))
    relation: str = Field(sa_column=Column(String(20), nullable=False))
    parent_kind: str = Field(sa_column=Column(String(10), nullable=False))
    parent_ref: str = Field(sa_column=Column(String(300), nullable=False))
    parent_version_id: Optional[int] = Field(sa_column=Column(Integer, ForeignKey("model_version.id")))
    parent_model_id: Optional[int] = Field(sa_column=Column(Integer, ForeignKey("model.id")))
    license: str = Field(sa_column=Column(Text, nullable=False))


class Alias(SQLModel, table=True):
    __tablename__ = "alias"
    __table_args__ = (UniqueConstraint("model_id", "name"), Index("ix_alias_version_id", "version_id"))

    id: Optional[int] = Field(default=None, primary_key=True)
    model_id: int = Field(sa_column=Column(Integer, ForeignKey("model.id"), nullable=False))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    version_id: int = Field(sa_column=Column(Integer, ForeignKey("model_version.id"), nullable=False))
    updated_at: datetime = Field(sa_column=_moment())
    updated_by: str


class Report(SQLModel, table=True):
    """A stored report, keyed by what it judged: ``key`` hashes the evaluator, dataset, row
    fingerprint, sensitive columns and parameters, so reports of different evaluations sit side by
    side. ``role`` says which one may decide a verdict: ``canonical`` (the version's declared
    evaluation), ``additional``, ``overlap`` (its rows include training rows) or ``legacy``
    (stored before reports were keyed)."""

    __tablename__ = "report"

    id: Optional[int] = Field(default=None, primary_key=True)
    version_id: int = Field(sa_column=Column(Integer, ForeignKey("model_version.id"), nullable=False, index=True))
    evaluator: str
    kind: str
    plugin: str
    dataset: str
    sha256: str = Field(sa_column=Column(String(64), ForeignKey("blob.sha256"), nullable=False))
    size: int
    created_at: datetime = Field(sa_column=_moment())
    key: str = Field(sa_column=Column(String(64), nullable=False, server_default=""))
    role: str = Field(sa_column=Column(String(16), nullable=False, server_default="legacy"))
    rows_sha256: str = Field(sa_column=Column(String(64), nullable=False, server_default=""))
    sensitive: list[str] = Field(sa_column=Column(JSON, nullable=False, server_default="[]"))
    params: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False, server_default="{}"))


class GatePolicy(SQLModel, table=True):
    """The gate policy of the whole registry (``scope`` empty) or of one namespace: what a version
    needs before it may take an alias or be pushed (:mod:`hub.registry.gates`)."""

    __tablename__ = "gate_policy"

    scope: str = Field(sa_column=Column(String(100), primary_key=True))
    document: dict[str, Any] = Field(sa_column=_json())
    updated_at: datetime = Field(sa_column=_moment())
    updated_by: str


class VersionCard(SQLModel, table=True):
    """A version's model card as people edited it: the front matter they own, and the text."""

    __tablename__ = "version_card"

    version_id: int = Field(sa_column=Column(Integer, ForeignKey("model_version.id"), primary_key=True))
    metadata_: dict[str, Any] = Field(sa_column=Column("metadata", JSON, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(sa_column=_moment())
    updated_by: str


class AuditEvent(SQLModel, table=True):
    """Who did what to which model, when, and why. The database refuses to change or delete a row."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_target", "target", "id"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_moment())
    actor: str
    action: str
    target: str = Field(sa_column=Column(String(300), nullable=False))
    justification: str = Field(sa_column=Column(Text, nullable=False))
    details: dict[str, Any] = Field(sa_column=_json())
