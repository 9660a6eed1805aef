"""What the registry hands out: plain, immutable records detached from the database.

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
    """A file of a version: ``git_sha1`` is git's blob id, ``pickle`` says loading it runs code."""

    path: str
    size: int
    sha256: str
    git_sha1: str
    pickle: bool = False


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
class Edge(Record):
    """A lineage edge: ``child`` was made from ``parent`` by ``relation``.

    ``kind`` is ``model`` or ``dataset``; ``internal`` parents are registered versions (or the
    datasets of installed plugins), others are references such as ``hf:org/name@revision``.
    ``license`` is the parent's license when the edge was recorded. ``depth`` counts edges from
    the version a lineage query started at.
    """

    child: str
    parent: str
    relation: str
    kind: str
    license: str
    internal: bool
    depth: int = 1


@dataclass(frozen=True)
class ReportRecord(Record):
    """A stored report and what it judged. ``role`` is ``canonical`` for the version's declared
    evaluation (the only one a verdict reads), ``additional`` for any other evaluation,
    ``overlap`` when its rows include rows the version was trained on, ``legacy`` when it was
    stored before reports were keyed. ``key`` is the same for every run of the same evaluation."""

    id: int
    evaluator: str
    kind: str
    plugin: str
    dataset: str
    sha256: str
    size: int
    created_at: datetime
    key: str = ""
    role: str = "legacy"
    rows_sha256: str = ""
    sensitive: list[str] = dataclasses.field(default_factory=list)
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class VersionRecord(Record):
    """One registered version. ``license`` is the license concluded over its lineage;
    ``declared_license`` is what was declared when registering it."""

    model: str
    version: int
    commit: str
    license: str
    declared_license: str
    license_link: str
    license_reasons: list[str]
    framework: str
    model_type: str
    trainer: str
    task: str
    config: dict[str, Any]
    created_at: datetime
    created_by: str
    files: list[FileRecord]
    datasets: list[DatasetUse]
    metrics: dict[str, dict[str, float]]
    tags: dict[str, str]
    lineage: list[Edge]
    aliases: list[str]
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
    aliases: dict[str, int]

    @property
    def latest(self) -> VersionRecord | None:
        return self.versions[-1] if self.versions else None


@dataclass(frozen=True)
class ModelSummary(Record):
    """A search result: a model with its latest version and where its aliases point."""

    name: str
    description: str
    task: str
    created_at: datetime
    version_count: int
    latest: VersionRecord
    aliases: dict[str, int]


@dataclass(frozen=True)
class SearchPage(Record):
    """One page of search results; pass ``next_cursor`` as ``after`` for the next (None: last page)."""

    models: list[ModelSummary]
    next_cursor: str | None


@dataclass(frozen=True)
class Lineage(Record):
    """Everything a version was made from (``ancestors``) and everything made from it (``descendants``)."""

    version: str
    ancestors: list[Edge]
    descendants: list[Edge]


@dataclass(frozen=True)
class AuditRecord(Record):
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    justification: str
    details: dict[str, Any]

    @property
    def allowed(self) -> bool:
        """Whether it happened: ``hub serve`` records refused attempts too, with ``allowed`` false."""
        return (self.details or {}).get("allowed", True)

    @property
    def reason(self) -> str:
        """Why: the justification given, or what ``hub serve`` noted (a refusal's cause, a commit's version)."""
        return self.justification or str((self.details or {}).get("detail", ""))
