"""What the registry hands out: plain, immutable records detached from the database session.

The CLI prints them, ``--json`` serialises them with ``as_dict``, and the dashboard reads them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any


class Record:
    def as_dict(self) -> dict[str, Any]:
        def plain(value):
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, (list, tuple)):
                return [plain(item) for item in value]
            if isinstance(value, dict):
                return {key: plain(item) for key, item in value.items()}
            if isinstance(value, Record):
                return value.as_dict()
            return value

        return {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class FileRecord(Record):
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class DatasetUse(Record):
    """A dataset a version was made from (``role='train'``) or judged on (``'evaluation'``)."""

    dataset: str
    plugin: str
    license: str
    role: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class ReportRecord(Record):
    id: int
    evaluator: str
    kind: str
    plugin: str
    dataset: str
    sha256: str
    size: int
    created_at: datetime


@dataclass(frozen=True)
class VersionRecord(Record):
    model: str
    version: int
    license: str
    license_reasons: list[str]
    framework: str
    model_type: str
    trainer: str
    task: str
    config: dict[str, Any]
    created_at: datetime
    files: list[FileRecord]
    datasets: list[DatasetUse]
    metrics: dict[str, dict[str, float]]
    reports: list[ReportRecord]

    @property
    def ref(self) -> str:
        return f"{self.model}:{self.version}"


@dataclass(frozen=True)
class ModelRecord(Record):
    name: str
    description: str
    task: str
    created_at: datetime
    versions: list[VersionRecord]

    @property
    def latest(self) -> VersionRecord | None:
        return self.versions[-1] if self.versions else None
