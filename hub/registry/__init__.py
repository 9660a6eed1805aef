"""The model registry: tables, the blob store, and the ``Registry`` API that everything shares."""

from hub.registry.records import DatasetUse, FileRecord, ModelRecord, ReportRecord, VersionRecord
from hub.registry.registry import Registry

__all__ = ["DatasetUse", "FileRecord", "ModelRecord", "Registry", "ReportRecord", "VersionRecord"]
