"""Reading versions back: one query for any number of versions, and a second only when they have reports.

A version row holds its lists as JSON, and the query brings along the names of the aliases that
point at each version and how many reports it has, so most reads are a single round trip. The
statements are built once, with bound parameters, so a read costs the database's work and little
of SQLAlchemy's.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Mapping

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection, Row

from hub.registry.naming import VersionRef, full_name, split_name
from hub.registry.records import DatasetUse, Edge, FileRecord, ReportRecord, VersionRecord
from hub.registry.tables import Alias, Model, ModelVersion, Report

models, versions, aliases, reports = Model.__table__, ModelVersion.__table__, Alias.__table__, Report.__table__
pointing = aliases.alias("pointing")

VERSION_COLUMNS = (
    versions.c.id, versions.c.model_id, versions.c.version, versions.c.commit, versions.c.license,
    versions.c.declared_license, versions.c.license_link, versions.c.framework, versions.c.model_type,
    versions.c.trainer, versions.c.task, versions.c.manifest, versions.c.created_at, versions.c.created_by,
    models.c.namespace, models.c.name,
    select(func.aggregate_strings(pointing.c.name, ",")).where(pointing.c.version_id == versions.c.id)
    .scalar_subquery().label("alias_names"),
    select(func.count()).where(reports.c.version_id == versions.c.id).scalar_subquery().label("report_count"),
)
VERSIONS = select(*VERSION_COLUMNS).select_from(versions.join(models, models.c.id == versions.c.model_id))
MODEL_IS = (models.c.namespace == bindparam("namespace"), models.c.name == bindparam("name"))


def _pick(columns) -> dict[str, object]:
    """The three ways a reference names a version, as statements selecting ``columns``."""
    base = select(*columns).select_from(versions.join(models, models.c.id == versions.c.model_id)).where(*MODEL_IS)
    by_alias = (select(*columns)
                .select_from(aliases.join(versions, versions.c.id == aliases.c.version_id)
                             .join(models, models.c.id == aliases.c.model_id))
                .where(*MODEL_IS, aliases.c.name == bindparam("alias")))
    return {"number": base.where(versions.c.version == bindparam("version")),
            "latest": base.where(versions.c.version == models.c.version_count),
            "alias": by_alias}


WHOLE = _pick(VERSION_COLUMNS)
IDS = _pick((versions.c.id, versions.c.model_id, versions.c.license, versions.c.version))
REPORTS = select(reports).where(reports.c.version_id.in_(bindparam("ids", expanding=True))).order_by(reports.c.id)
MODEL_ALIASES = (select(aliases.c.model_id, aliases.c.name, versions.c.version)
                 .select_from(aliases.join(versions, versions.c.id == aliases.c.version_id))
                 .where(aliases.c.model_id.in_(bindparam("ids", expanding=True))).order_by(aliases.c.name))


def picked(statements: dict[str, object], ref: VersionRef) -> tuple[object, dict]:
    """The statement and parameters that select the version ``ref`` names."""
    namespace, name = split_name(ref.name)
    if ref.alias:
        return statements["alias"], {"namespace": namespace, "name": name, "alias": ref.alias}
    if ref.version is None:
        return statements["latest"], {"namespace": namespace, "name": name}
    return statements["number"], {"namespace": namespace, "name": name, "version": ref.version}


def read_versions(connection: Connection, query, parameters: dict | None = None) -> list[VersionRecord]:
    """The versions ``query`` (built on :data:`VERSION_COLUMNS`) selects, in its order."""
    rows = connection.execute(query, parameters or {}).all()
    attached = reports_of(connection, [row.id for row in rows if row.report_count])
    return [to_version(row._mapping, attached.get(row.id, [])) for row in rows]


def reports_of(connection: Connection, version_ids: list[int]) -> dict[int, list[ReportRecord]]:
    found: dict[int, list[ReportRecord]] = defaultdict(list)
    if version_ids:
        for row in connection.execute(REPORTS, {"ids": version_ids}):
            found[row.version_id].append(to_report(row))
    return found


def aliases_of_models(connection: Connection, model_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = defaultdict(dict)
    ids = list(model_ids)
    if ids:
        for model_id, name, number in connection.execute(MODEL_ALIASES, {"ids": ids}):
            found[model_id][name] = number
    return found


def to_report(row: Row) -> ReportRecord:
    return ReportRecord(id=row.id, evaluator=row.evaluator, kind=row.kind, plugin=row.plugin, dataset=row.dataset,
                        sha256=row.sha256, size=row.size, created_at=row.created_at, key=row.key, role=row.role,
                        rows_sha256=row.rows_sha256, sensitive=list(row.sensitive), params=dict(row.params))


def to_version(values: Mapping[str, Any], attached: list[ReportRecord]) -> VersionRecord:
    """A version from the columns of :data:`VERSION_COLUMNS` (a row's mapping, or what was just written)."""
    model = full_name(values["namespace"], values["name"])
    ref = f"{model}:{values['version']}"
    manifest = values["manifest"]
    return VersionRecord(
        model=model,
        version=values["version"],
        commit=values["commit"],
        license=values["license"],
        declared_license=values["declared_license"],
        license_link=values["license_link"],
        license_reasons=manifest["license_reasons"],
        framework=values["framework"],
        model_type=values["model_type"],
        trainer=values["trainer"],
        task=values["task"],
        config=manifest["config"],
        created_at=values["created_at"],
        created_by=values["created_by"],
        files=[FileRecord(**file) for file in manifest["files"]],
        datasets=[DatasetUse(**use) for use in manifest["datasets"]],
        metrics=manifest["metrics"],
        tags=manifest["tags"],
        lineage=[Edge(child=ref, **edge) for edge in manifest["lineage"]],
        aliases=sorted(values["alias_names"].split(",")) if values["alias_names"] else [],
        reports=attached,
    )
