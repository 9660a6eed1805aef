"""The registry: the single source of truth for shared models, their versions and reports.

The same code runs on the embedded SQLite file and on PostgreSQL. Files reach the blob store and
are fsynced before the database transaction that refers to them commits, so a crash at any moment
leaves either a whole version or none (at worst some unreferenced blobs).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Mapping

from sqlalchemy import event, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine, select

from hub import config, licenses
from hub.errors import EvaluationError, InvalidNameError, UnknownNameError
from hub.registry.records import DatasetUse, FileRecord, ModelRecord, ReportRecord, VersionRecord
from hub.registry.events import NoHooks, RegistryHooks
from hub.registry.store import open_store
from hub.registry.tables import (
    Blob,
    Metric,
    Model,
    ModelVersion,
    Report,
    VersionDataset,
    VersionFile,
    utcnow,
)

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any fixed number: PostgreSQL advisory locks are named by integers.
SCHEMA_LOCK_KEY = 0xEC0_4B


def validate_name(name: str) -> str:
    """Model names become URL and path segments, so they are restricted to a safe alphabet."""
    if not NAME_PATTERN.fullmatch(name or "") or ".." in name:
        raise InvalidNameError(
            f"'{name}' is not a valid model name.",
            "Use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit.",
        )
    return name


def validate_file_path(path: str) -> str:
    """A version's file paths are written under an export directory, so none may leave it."""
    parts = PurePosixPath(path).parts
    if not parts or parts[0] == "/" or ".." in parts or "\\" in path:
        raise InvalidNameError(
            f"'{path}' is not a valid path for a file in a model version.",
            "Use a relative path with '/' separators and no '..', such as 'weights/model.bin'.",
        )
    return path


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_pre_ping=True)


def _create_tables(engine: Engine) -> None:
    """Create missing tables; processes opening a new registry at once take turns to do it."""
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        SQLModel.metadata.create_all(connection)


class Registry:
    """Register model versions, attach reports, and read everything back."""

    def __init__(
        self,
        url: str | None = None,
        store: str | Path | None = None,
        *,
        hooks: RegistryHooks | None = None,
        backends: Mapping[str, Callable[[str], Any]] | None = None,
    ):
        location = config.resolve(url, store)
        self.url = location.url
        self.store = open_store(location.store, backends)
        self.hooks: RegistryHooks = hooks or NoHooks()
        self.engine = _engine(self.url)
        _create_tables(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- writing -------------------------------------------------------------------------

    def register_version(
        self,
        name: str,
        *,
        files: Mapping[str, Path],
        license: str,
        framework: str,
        model_type: str,
        trainer: str,
        task: str,
        config: Mapping[str, Any],
        metrics: Mapping[str, Mapping[str, float]] = {},
        datasets: Iterable[DatasetUse] = (),
        license_reasons: Iterable[str] = (),
        description: str = "",
    ) -> VersionRecord:
        """Store the files, then record a new version with the next number for ``name``."""
        validate_name(name)
        for path in files:
            validate_file_path(path)
        license_id = licenses.get(license).id
        stored = {path: self.store.put_file(Path(source)) for path, source in sorted(files.items())}
        with Session(self.engine) as session:
            model = self._model_for_update(session, name, description, task)
            number = self._allocate_version(session, model)
            version = ModelVersion(
                model_id=model.id,
                version=number,
                license=license_id,
                license_reasons=list(license_reasons),
                framework=framework,
                model_type=model_type,
                trainer=trainer,
                task=task,
                config=dict(config),
            )
            session.add(version)
            session.flush()
            # In one global order, so two writers sharing blobs never wait on each other in a cycle.
            for sha256, size in sorted(set(stored.values())):
                self._ensure_blob(session, sha256, size)
            for path, (sha256, size) in stored.items():
                session.add(VersionFile(version_id=version.id, path=path, size=size, sha256=sha256))
            for use in datasets:
                session.add(VersionDataset(version_id=version.id, **use.as_dict()))
            for split, values in metrics.items():
                for key, value in values.items():
                    session.add(Metric(version_id=version.id, split=split, key=key, value=float(value)))
            session.commit()
        record = self.get_version(name, number)
        self.hooks.version_registered(record)
        return record

    def add_report(
        self, name: str, version: int, *, evaluator: str, kind: str, plugin: str, dataset: str,
        body: Mapping[str, Any],
    ) -> ReportRecord:
        """Store a report's JSON in the blob store and attach it to a version."""
        try:
            data = json.dumps(body, sort_keys=True, allow_nan=False).encode()
        except (TypeError, ValueError) as error:
            raise EvaluationError(
                f"The {evaluator} report cannot be stored as JSON: {error}.",
                "Evaluators must return plain numbers, strings, lists and dicts, with None for NaN.",
            ) from None
        sha256, size = self.store.put_bytes(data)
        with Session(self.engine) as session:
            row = self._version_row(session, name, version)
            self._ensure_blob(session, sha256, size)
            report = Report(
                version_id=row.id, evaluator=evaluator, kind=kind, plugin=plugin,
                dataset=dataset, sha256=sha256, size=size,
            )
            session.add(report)
            session.commit()
            return _report_record(report)

    @staticmethod
    def _ensure_blob(session: Session, sha256: str, size: int) -> None:
        """Record a blob; safe when several processes record the same bytes at once."""
        session.exec(
            _insert(session)(Blob).values(sha256=sha256, size=size).on_conflict_do_nothing(index_elements=["sha256"])
        )

    @staticmethod
    def _model_for_update(session: Session, name: str, description: str, task: str) -> Model:
        """The model row, created if absent; safe when several processes create it at once."""
        session.exec(
            _insert(session)(Model)
            .values(name=name, description=description, task=task, created_at=utcnow(), version_count=0)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        return session.exec(select(Model).where(Model.name == name)).one()

    @staticmethod
    def _allocate_version(session: Session, model: Model) -> int:
        """Bump the model's counter in the database itself, so concurrent writers never collide."""
        session.exec(
            update(Model).where(Model.id == model.id).values(version_count=Model.version_count + 1)
        )
        session.refresh(model)
        return model.version_count

    # -- reading -------------------------------------------------------------------------

    def list_models(self) -> list[ModelRecord]:
        with Session(self.engine) as session:
            models = session.exec(select(Model).order_by(Model.name)).all()
            return [self._model_record(session, model) for model in models]

    def get_model(self, name: str) -> ModelRecord:
        with Session(self.engine) as session:
            return self._model_record(session, self._model_row(session, name))

    def get_version(self, name: str, version: int | None = None) -> VersionRecord:
        """One version; ``None`` means the latest."""
        with Session(self.engine) as session:
            return self._version_record(session, name, self._version_row(session, name, version))

    def read_report(self, report: ReportRecord) -> dict[str, Any]:
        return json.loads(self.store.read_bytes(report.sha256, f"report {report.evaluator}"))

    def latest_reports(self, version: VersionRecord) -> dict[str, ReportRecord]:
        """The newest report of each evaluator for a version."""
        newest: dict[str, ReportRecord] = {}
        for report in version.reports:
            newest[report.evaluator] = report
        return newest

    def export_files(self, name: str, version: int | None, dest: Path) -> VersionRecord:
        """Write a version's files under ``dest``, each checked against its sha256."""
        record = self.get_version(name, version)
        for file in record.files:
            self.store.copy_to(file.sha256, f"{record.ref}/{file.path}", Path(dest) / file.path)
        return record

    def _model_row(self, session: Session, name: str) -> Model:
        model = session.exec(select(Model).where(Model.name == name)).first()
        if model is None:
            raise UnknownNameError(
                f"No registered model named '{name}'.", "Run 'hub models list' to see what is registered."
            )
        return model

    def _version_row(self, session: Session, name: str, version: int | None) -> ModelVersion:
        model = self._model_row(session, name)
        query = select(ModelVersion).where(ModelVersion.model_id == model.id)
        if version is None:
            query = query.order_by(ModelVersion.version.desc())
        else:
            query = query.where(ModelVersion.version == version)
        row = session.exec(query).first()
        if row is None:
            raise UnknownNameError(
                f"Model '{name}' has no version {version}." if version is not None else f"Model '{name}' has no versions.",
                f"Run 'hub models show {name}' to list its versions.",
            )
        return row

    def _model_record(self, session: Session, model: Model) -> ModelRecord:
        rows = session.exec(
            select(ModelVersion).where(ModelVersion.model_id == model.id).order_by(ModelVersion.version)
        ).all()
        return ModelRecord(
            name=model.name,
            description=model.description,
            task=model.task,
            created_at=model.created_at,
            versions=[self._version_record(session, model.name, row) for row in rows],
        )

    def _version_record(self, session: Session, name: str, row: ModelVersion) -> VersionRecord:
        files = session.exec(select(VersionFile).where(VersionFile.version_id == row.id).order_by(VersionFile.path))
        datasets = session.exec(
            select(VersionDataset).where(VersionDataset.version_id == row.id).order_by(VersionDataset.id)
        )
        metric_rows = session.exec(select(Metric).where(Metric.version_id == row.id).order_by(Metric.split, Metric.key))
        reports = session.exec(select(Report).where(Report.version_id == row.id).order_by(Report.id))
        metrics: dict[str, dict[str, float]] = defaultdict(dict)
        for metric in metric_rows:
            metrics[metric.split][metric.key] = metric.value
        return VersionRecord(
            model=name,
            version=row.version,
            license=row.license,
            license_reasons=list(row.license_reasons),
            framework=row.framework,
            model_type=row.model_type,
            trainer=row.trainer,
            task=row.task,
            config=dict(row.config),
            created_at=row.created_at,
            files=[FileRecord(path=f.path, size=f.size, sha256=f.sha256) for f in files],
            datasets=[
                DatasetUse(dataset=d.dataset, plugin=d.plugin, license=d.license, role=d.role,
                           rows=d.rows, sha256=d.sha256)
                for d in datasets
            ],
            metrics=dict(metrics),
            reports=[_report_record(report) for report in reports],
        )


def _insert(session: Session):
    """The dialect's INSERT, which has ON CONFLICT DO NOTHING on both SQLite and PostgreSQL."""
    return {"sqlite": sqlite_insert, "postgresql": postgresql_insert}[session.get_bind().dialect.name]


def _report_record(report: Report) -> ReportRecord:
    return ReportRecord(
        id=report.id, evaluator=report.evaluator, kind=report.kind, plugin=report.plugin,
        dataset=report.dataset, sha256=report.sha256, size=report.size, created_at=report.created_at,
    )
