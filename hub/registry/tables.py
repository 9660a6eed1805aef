"""The registry's tables.

A model has numbered, immutable versions. Each version lists its files (content-addressed blobs
in the store), the datasets it was trained and evaluated on, its metrics and its reports. The
``version_count`` column is the counter that allocates version numbers atomically.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Model(SQLModel, table=True):
    __tablename__ = "model"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    description: str = ""
    task: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    version_count: int = 0


class ModelVersion(SQLModel, table=True):
    __tablename__ = "model_version"
    __table_args__ = (UniqueConstraint("model_id", "version"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="model.id", index=True)
    version: int
    license: str
    license_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    framework: str
    model_type: str
    trainer: str
    task: str
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Blob(SQLModel, table=True):
    __tablename__ = "blob"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int


class VersionFile(SQLModel, table=True):
    __tablename__ = "version_file"
    __table_args__ = (UniqueConstraint("version_id", "path"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="model_version.id", index=True)
    path: str
    size: int
    sha256: str = Field(foreign_key="blob.sha256", index=True)


class VersionDataset(SQLModel, table=True):
    __tablename__ = "version_dataset"

    id: Optional[int] = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="model_version.id", index=True)
    dataset: str
    plugin: str
    license: str
    role: str
    rows: int
    sha256: str


class Metric(SQLModel, table=True):
    __tablename__ = "metric"
    __table_args__ = (UniqueConstraint("version_id", "split", "key"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="model_version.id", index=True)
    split: str
    key: str
    value: float


class Report(SQLModel, table=True):
    __tablename__ = "report"

    id: Optional[int] = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="model_version.id", index=True)
    evaluator: str
    kind: str
    plugin: str
    dataset: str
    sha256: str = Field(foreign_key="blob.sha256")
    size: int
    created_at: datetime = Field(default_factory=utcnow)
