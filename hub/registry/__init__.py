"""The model registry: tables, the blob store, and the ``Registry`` API that everything shares."""

from hub.registry.lineage import Parent
from hub.registry.records import (DatasetUse, Edge, FileRecord, Lineage, ModelRecord, ModelSummary, ReportRecord,
                                  SearchPage, VersionRecord)
from hub.registry.registry import Registry

__all__ = ["DatasetUse", "Edge", "FileRecord", "Lineage", "ModelRecord", "ModelSummary", "Parent", "Registry",
           "ReportRecord", "SearchPage", "VersionRecord"]
