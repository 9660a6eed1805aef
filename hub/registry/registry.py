"""The registry: the single source of truth for shared models, their versions, aliases and reports.

The same code runs on the embedded SQLite file and on PostgreSQL. A registration checks
everything it can before storing a byte (names, license, lineage policy, pickles), then stores
the files, which are durable before the one database transaction that records the version
commits, so a crash at any moment leaves either a whole version or none (at worst some
unreferenced blobs, which ``hub gc`` removes). The version number comes from a counter bumped in
that transaction, so concurrent registrations get consecutive numbers without retrying.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.engine import Connection

from hub import config
from hub.registry import licenses
from hub.errors import (EvaluationError, HubError, InvalidNameError, LicenseError, UnknownNameError,
                        UnsafeArtifactError)
from hub.registry import audit, cards, gates, hashing, naming, policy, reading, registration, schema, search, signoff
from hub.registry import reports as reports_
from hub.registry.events import NoHooks, RegistryHooks
from hub.registry.lineage import DATASET, DATASET_RELATION, Parent, ancestors, descendants, resolve
from hub.registry.naming import VersionRef, validate_name  # noqa: F401  (validate_name: for callers)
from hub.registry.records import (AuditRecord, DatasetUse, Lineage, ModelRecord, ReportRecord, SearchPage,
                                  VersionRecord)
from hub.registry.store import open_store
from hub.registry.tables import Alias, AuditEvent, Blob, GatePolicy, Model, ModelVersion, Report, VersionCard, utcnow

models, versions, blobs, aliases = Model.__table__, ModelVersion.__table__, Blob.__table__, Alias.__table__
reports, cards_, events = Report.__table__, VersionCard.__table__, AuditEvent.__table__
gate_policies = GatePolicy.__table__
OVERRIDE_HINT = "Pass --justification TEXT to go ahead anyway; the override is recorded in the audit log."


class Registry:
    """Register model versions, attach reports, move aliases, and read everything back."""

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
        self.engine = schema.engine(self.url)
        schema.upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- registering ---------------------------------------------------------------------

    def register_version(
        self,
        name: str,
        *,
        files: Mapping[str, Path],
        license: str,
        framework: str = "",
        model_type: str = "",
        trainer: str = "",
        task: str = "",
        config: Mapping[str, Any] | None = None,
        metrics: Mapping[str, Mapping[str, float]] | None = None,
        datasets: Iterable[DatasetUse] = (),
        license_reasons: Iterable[str] = (),
        description: str = "",
        tags: Mapping[str, str] | None = None,
        lineage: Iterable[Parent] = (),
        license_name: str | None = None,
        license_link: str | None = None,
        allow_pickle: bool = False,
        justification: str | None = None,
        actor: str | None = None,
    ) -> VersionRecord:
        """Check, store the files, then record version N+1 of ``name`` with its lineage and license.

        ``license`` is the declared license expression (any id spelling; ``other`` needs
        ``license_name`` and ``license_link``). ``lineage`` lists what the model was made from;
        datasets with ``role='train'`` become ``trained_on`` edges too. A license policy failure
        over the lineage refuses the registration unless a ``justification`` is given, which the
        audit log records.
        """
        namespace, short = naming.split_name(name)
        model = naming.full_name(namespace, short)
        if not files:
            raise HubError(f"A version of {model} needs at least one file.", "Pass the files the model consists of.")
        for path in files:
            naming.validate_file_path(path)
        tags = dict(tags or {})
        for key, value in tags.items():
            naming.validate_tag(key, value)
        declared = licenses.parse(license, name=license_name, link=license_link)
        actor = audit.current_actor(actor)
        datasets = list(datasets)
        parents = [*lineage, *(Parent(use.dataset, DATASET_RELATION, DATASET, use.license)
                               for use in datasets if use.role == "train")]
        resolved = []
        if parents:
            with self.engine.connect() as connection:
                resolved = [resolve(parent, lambda ref: self._find(connection, ref)) for parent in parents]
        new_edges = [parent.as_edge(model) for parent in resolved]
        failures = policy.check(model, declared.text, [(edge, declared.text) for edge in new_edges]).failures
        if failures and not justification:
            raise LicenseError(f"{model} cannot be registered under {declared.text}: {' '.join(failures)}",
                               "Declare a license its parents allow. " + OVERRIDE_HINT)
        concluded, carried = policy.conclude(declared, new_edges)

        scans = {path: hashing.scan(Path(source)) for path, source in sorted(files.items())}
        unsafe = [path for path, scan in scans.items() if scan.pickle]
        if unsafe and not allow_pickle:
            raise UnsafeArtifactError(
                f"{', '.join(unsafe)} {'is' if len(unsafe) == 1 else 'are'} pickle-based: loading runs code from "
                "the file, and registered models are shared with people who cannot vet it.",
                "Save the model as safetensors, ONNX or skops; or pass --allow-pickle, and the model card will warn.",
            )
        for path, source in sorted(files.items()):
            if self.store.put_file(Path(source))[0] != scans[path].sha256:
                raise HubError(f"'{source}' changed while it was being registered.",
                               "Register it again once nothing else is writing to it.")

        file_rows = [{"path": path, "size": scan.size, "sha256": scan.sha256, "git_sha1": scan.git_sha1,
                      "pickle": scan.pickle} for path, scan in scans.items()]
        row = {
            "license": concluded, "declared_license": declared.text, "license_link": license_link or "",
            "framework": framework, "model_type": model_type, "trainer": trainer, "task": task,
            "manifest": {
                "files": file_rows, "tags": tags, "config": dict(config or {}),
                "metrics": {split: {key: float(value) for key, value in values.items()}
                            for split, values in (metrics or {}).items()},
                "datasets": [use.as_dict() for use in datasets],
                "lineage": [{key: value for key, value in edge.as_dict().items() if key not in ("child", "depth")}
                            for edge in new_edges],
                "license_reasons": [*license_reasons, *carried],
            },
        }
        with schema.writing(self.engine) as connection:
            written = registration.write(
                connection, namespace=namespace, name=short, model=model, description=description, task=task,
                row=row, files=file_rows, tags=tags, license_keys=licenses.parse(concluded).keys,
                parents=resolved, actor=actor, justification=justification, failures=failures,
            )
        # Built from what was written rather than read back: a new version has no aliases or reports.
        record = reading.to_version({
            **row, "version": written.number, "commit": written.commit, "created_at": written.created_at,
            "created_by": actor, "namespace": namespace, "name": short, "alias_names": None,
        }, [])
        self.hooks.version_registered(record)
        return record

    def add_report(
        self, name: str, version: int, *, evaluator: str, kind: str, plugin: str, dataset: str,
        body: Mapping[str, Any], role: str = reports_.ADDITIONAL, rows_sha256: str = "",
        sensitive: Iterable[str] = (), params: Mapping[str, Any] | None = None, actor: str | None = None,
    ) -> ReportRecord:
        """Store a report's JSON in the blob store and attach it to a version, beside every other.

        The report is keyed by what it judged (:func:`hub.registry.reports.report_key`); ``role``
        says whether it is the version's declared evaluation (``canonical``, the only kind a
        verdict reads), another one (``additional``) or one whose rows include training rows
        (``overlap``). A report with the key of an earlier one is a re-run of that evaluation, and
        the audit log names the reports it supersedes.
        """
        reports_.check_role(role, rows_sha256)
        sensitive, params = list(sensitive), dict(params or {})
        key = reports_.report_key(evaluator, dataset, rows_sha256, sensitive, params)
        try:
            data = json.dumps(body, sort_keys=True, allow_nan=False).encode()
        except (TypeError, ValueError) as error:
            raise EvaluationError(
                f"The {evaluator} report cannot be stored as JSON: {error}.",
                "Evaluators must return plain numbers, strings, lists and dicts, with None for NaN.",
            ) from None
        sha256, size = self.store.put_bytes(data)
        with schema.writing(self.engine) as connection:
            version_id, _, _, ref = self._find(connection, VersionRef(validate_name(name), version))
            registration.count_references(connection, Counter([sha256]), {sha256: size})
            earlier = list(connection.execute(select(reports.c.id).where(
                reports.c.version_id == version_id, reports.c.key == key)).scalars())
            row = connection.execute(insert(reports).values(
                version_id=version_id, evaluator=evaluator, kind=kind, plugin=plugin, dataset=dataset,
                sha256=sha256, size=size, created_at=utcnow(), key=key, role=role, rows_sha256=rows_sha256,
                sensitive=sensitive, params=params,
            ).returning(*reports.c)).one()
            audit.record(connection, audit.current_actor(actor), "report.add", ref, None,
                         {"evaluator": evaluator, "report": row.id, "role": role, "key": key,
                          "sensitive": sensitive, "supersedes": earlier})
        return reading.to_report(row)

    def set_alias(self, name: str, alias: str, version: int | None = None, *, justification: str | None = None,
                  actor: str | None = None) -> VersionRecord:
        """Point ``name@alias`` at a version (the latest when None), after the license policy and publish checks.

        Any failed check blocks the move, and so does a protected alias (``production``) moved by
        someone who is not an admin, unless a ``justification`` is given; the audit log records it
        with everything it overrode.
        """
        naming.validate_alias(alias)
        record = self.get_version(name, version)
        actor = audit.current_actor(actor)
        target = f"{record.model}@{alias}"
        license_failures = self.check_license(record.ref).failures
        problems = [f"license policy: {failure}" for failure in license_failures] + [
            f"{result.check}: {result.reason}"
            for result in self.hooks.publish_checks(record, "alias", alias) if not result.passed
        ]
        protected = audit.is_protected(alias) and not audit.is_admin(actor)
        if (problems or protected) and not justification:
            error = LicenseError if license_failures else HubError
            if problems:
                raise error(f"{record.ref} cannot become {target}: {'; '.join(problems)}.", OVERRIDE_HINT)
            raise HubError(f"'{alias}' is a protected alias, and {actor} is not an admin (HUB_ADMINS).",
                           f"Ask an admin to move it, or {OVERRIDE_HINT[0].lower()}{OVERRIDE_HINT[1:]}")
        with schema.writing(self.engine) as connection:
            version_id, model_id, _, _ = self._find(connection, VersionRef(record.model, record.version))
            previous = connection.execute(
                select(versions.c.version).select_from(aliases.join(versions, versions.c.id == aliases.c.version_id))
                .where(aliases.c.model_id == model_id, aliases.c.name == alias)).scalar()
            upsert = registration.dialect_insert(connection)(aliases).values(
                model_id=model_id, name=alias, version_id=version_id, updated_at=utcnow(), updated_by=actor)
            connection.execute(upsert.on_conflict_do_update(
                index_elements=["model_id", "name"],
                set_={"version_id": upsert.excluded.version_id, "updated_at": upsert.excluded.updated_at,
                      "updated_by": upsert.excluded.updated_by}))
            audit.record(connection, actor, "alias.set", target, justification,
                         {"version": record.version, "previous": previous, "overridden": problems,
                          "protected": audit.is_protected(alias)})
        return self.get_version(record.model, record.version)

    def remove_alias(self, name: str, alias: str, *, justification: str | None = None,
                     actor: str | None = None) -> None:
        namespace, short = naming.split_name(name)
        model = naming.full_name(namespace, short)
        actor = audit.current_actor(actor)
        if audit.is_protected(alias) and not audit.is_admin(actor) and not justification:
            raise HubError(f"'{alias}' is a protected alias, and {actor} is not an admin (HUB_ADMINS).",
                           f"Ask an admin to remove it, or {OVERRIDE_HINT[0].lower()}{OVERRIDE_HINT[1:]}")
        with schema.writing(self.engine) as connection:
            version_id = self._find(connection, VersionRef(model, alias=alias))[0]
            connection.execute(delete(aliases).where(aliases.c.version_id == version_id, aliases.c.name == alias))
            audit.record(connection, actor, "alias.remove", f"{model}@{alias}", justification, {})

    def edit_card(self, ref: str, text: str, *, actor: str | None = None) -> str:
        """Keep a person's edits to a version's model card; returns the card as it now reads."""
        record = self.resolve(ref)
        metadata, body = cards.accept_edit(record, self.check_license(record.ref), text, self.card_fairness(record))
        actor = audit.current_actor(actor)
        with schema.writing(self.engine) as connection:
            version_id = self._find(connection, VersionRef(record.model, record.version))[0]
            upsert = registration.dialect_insert(connection)(cards_).values(
                version_id=version_id, metadata=metadata, body=body, updated_at=utcnow(), updated_by=actor)
            connection.execute(upsert.on_conflict_do_update(
                index_elements=["version_id"],
                set_={"metadata": upsert.excluded.metadata, "body": upsert.excluded.body,
                      "updated_at": upsert.excluded.updated_at, "updated_by": upsert.excluded.updated_by}))
            audit.record(connection, actor, "card.edit", record.ref, None, {"keys": sorted(metadata)})
        return self.card(record.ref)

    # -- reading -------------------------------------------------------------------------

    def resolve(self, ref: str) -> VersionRecord:
        """A version by ``NAME`` (the latest), ``NAME:VERSION`` or ``NAME@ALIAS``."""
        return self._read(naming.parse_ref(ref))

    def get_version(self, name: str, version: int | None = None) -> VersionRecord:
        """One version; ``None`` means the latest."""
        return self._read(VersionRef(validate_name(name), version))

    def get_model(self, name: str) -> ModelRecord:
        namespace, short = naming.split_name(name)
        found = self._models(models.c.namespace == namespace, models.c.name == short)
        if not found:
            raise UnknownNameError(f"No registered model named '{name}'.",
                                   "Run 'hub models list' to see what is registered.")
        return found[0]

    def list_models(self) -> list[ModelRecord]:
        """Every model with every version; :meth:`search` pages through large registries."""
        return self._models()

    def search(self, expression: str = "", *, limit: int = 50, after: str | None = None) -> SearchPage:
        """Models with a version matching ``expression`` (see :mod:`hub.registry.search`), in name order.

        Each result carries the model's latest version and its aliases. Pages are keyset-paginated:
        pass a page's ``next_cursor`` as ``after`` to get the next.
        """
        limit = max(1, limit)
        query, parameters = search.statement(expression, limit, after)
        with self.engine.connect() as connection:
            rows = connection.execute(query, parameters).all()
            attached = reading.reports_of(connection, [row.id for row in rows[:limit] if row.report_count])
        return search.page(rows, limit, attached)

    def lineage(self, ref: str) -> Lineage:
        """Everything a version was made from, and everything made from it, at any depth."""
        record = self.resolve(ref)
        with self.engine.connect() as connection:
            version_id = self._find(connection, VersionRef(record.model, record.version))[0]
            up = [edge for edge, _ in ancestors(connection, version_id)]
            down = [edge for edge, _ in descendants(connection, version_id)]
        return Lineage(version=record.ref, ancestors=up, descendants=down)

    def check_license(self, ref: str) -> policy.Check:
        """The license policy over a version's whole chain of ancestors, each step with its reasons."""
        record = self.resolve(ref)
        with self.engine.connect() as connection:
            version_id = self._find(connection, VersionRef(record.model, record.version))[0]
            steps = ancestors(connection, version_id)
        return policy.check(record.ref, record.declared_license, steps)

    def card(self, ref: str) -> str:
        """The version's model card: README.md with Hugging Face front matter."""
        record = self.resolve(ref)
        namespace, short = naming.split_name(record.model)
        with self.engine.connect() as connection:
            version_id = self._find(connection, VersionRef(record.model, record.version))[0]
            edited = connection.execute(select(cards_.c.metadata, cards_.c.body)
                                        .where(cards_.c.version_id == version_id)).first()
            description = connection.execute(select(models.c.description).where(
                models.c.namespace == namespace, models.c.name == short)).scalar_one()
        # The model's description was written by its first version (``hub train`` writes what that version
        # is, "gradient-boosted trees…"): a later version, perhaps of another model type, must not claim it.
        about = description if record.version == 1 else ""
        metadata, body = (edited.metadata, edited.body) if edited else ({}, cards.default_body(record, about))
        return cards.render(record, self.check_license(record.ref), metadata, body, self.card_fairness(record))

    def card_fairness(self, version: VersionRecord) -> cards.Fairness | None:
        """The canonical fairness report and its body, which the card's fairness section shows."""
        report = next((r for r in self.canonical_reports(version).values() if r.kind == "fairness"), None)
        return None if report is None else (report, self.read_report(report))

    def audit_log(self, target: str | None = None, *, limit: int = 100) -> list[AuditRecord]:
        """The newest events first; ``target`` narrows to a model (its versions and aliases) or one version."""
        query = select(events).order_by(events.c.id.desc()).limit(limit)
        if target:
            query = query.where(or_(events.c.target == target,
                                    events.c.target.startswith(f"{target}:", autoescape=True),
                                    events.c.target.startswith(f"{target}@", autoescape=True)))
        with self.engine.connect() as connection:
            return [AuditRecord(id=row.id, at=row.at, actor=row.actor, action=row.action, target=row.target,
                                justification=row.justification, details=row.details)
                    for row in connection.execute(query)]

    def referenced_blobs(self) -> set[str]:
        """The sha256 of every stored file a version or a report refers to: what ``hub gc`` must keep."""
        with self.engine.connect() as connection:
            return set(connection.execute(select(blobs.c.sha256).where(blobs.c.refcount > 0)).scalars())

    def read_report(self, report: ReportRecord) -> dict[str, Any]:
        return json.loads(self.store.read_bytes(report.sha256, f"report {report.evaluator}"))

    def latest_reports(self, version: VersionRecord) -> dict[str, ReportRecord]:
        """The newest report of each evaluator for a version."""
        newest: dict[str, ReportRecord] = {}
        for report in version.reports:
            newest[report.evaluator] = report
        return newest

    def canonical_reports(self, version: VersionRecord) -> dict[str, ReportRecord]:
        """The report of each evaluator that verdicts read: the newest of the version's declared
        evaluation (its held-out rows, every declared sensitive column, the declared bins).

        Gates, ``hub review``, the model card and the dashboard's headline all read these, so a
        report on other rows or other columns can never change a verdict.
        """
        _, policy_ = self.gate_policy(version.model)
        accepted: frozenset[str] = frozenset()
        if policy_.get("imported") == gates.ACCEPT_IMPORTED:
            # Written by hub.sharing.restore: each imported report's digest and its role where it came from.
            imported = (version.config.get("imported") or {}).get("reports") or []
            accepted = frozenset(entry.get("sha256") for entry in imported if entry.get("role") == reports_.CANONICAL)
        return reports_.canonical(version.reports, accepted)

    def reviewed_reports(self, version: VersionRecord) -> dict[str, ReportRecord]:
        """What a reviewer reads and signs off: each evaluator's canonical report, or its newest
        report where it has no canonical one yet."""
        return {**self.latest_reports(version), **self.canonical_reports(version)}

    # -- gates -----------------------------------------------------------------------------

    def set_gate_policy(self, document: Mapping[str, Any], namespace: str | None = None, *,
                        actor: str | None = None) -> dict[str, Any]:
        """Store the gate policy of the registry (``namespace`` None) or of one namespace; audited."""
        policy_ = gates.validate(document)
        scope = naming.split_name(f"{namespace}/x")[0] if namespace else ""
        actor = audit.current_actor(actor)
        with schema.writing(self.engine) as connection:
            upsert = registration.dialect_insert(connection)(gate_policies).values(
                scope=scope, document=policy_, updated_at=utcnow(), updated_by=actor)
            connection.execute(upsert.on_conflict_do_update(
                index_elements=["scope"], set_={"document": upsert.excluded.document,
                                                "updated_at": upsert.excluded.updated_at,
                                                "updated_by": upsert.excluded.updated_by}))
            audit.record(connection, actor, "gates.set", scope or "*", None, {"policy": policy_})
        return policy_

    def gate_policy(self, model: str) -> tuple[str, dict[str, Any]]:
        """Which policy governs ``model`` and the policy itself: its namespace's, else the
        registry's (``*``), else ecohub's default (``default``)."""
        namespace, _ = naming.split_name(model)
        with self.engine.connect() as connection:
            rows = {row.scope: row.document for row in connection.execute(
                select(gate_policies).where(gate_policies.c.scope.in_({namespace, ""})))}
        if namespace and namespace in rows:
            return namespace, rows[namespace]
        if "" in rows:
            return "*", rows[""]
        return "default", gates.DEFAULT

    def gate(self, version: VersionRecord, action: str, target: str) -> list[gates.GateResult]:
        """Judge ``version`` against every gate of its policy that applies to ``action`` ("alias"
        or "push") on ``target``, from its canonical reports only. Publish checks (ecohub-review's
        ``production-review``) call this and block on what is not a pass."""
        _, policy_ = self.gate_policy(version.model)
        canonical = self.canonical_reports(version)
        by_kind = {report.kind: (report, functools.partial(self.read_report, report)) for report in canonical.values()}
        return gates.judge(policy_, action, target, version.ref, by_kind,
                           lambda: signoff.verdict(self.latest_sign_off(version), canonical))

    # -- sign-off --------------------------------------------------------------------------

    def sign_off(self, ref: str, decision: str, comment: str = "", *, reports_seen: Iterable[str],
                 actor: str | None = None) -> signoff.SignOff:
        """Record a reviewer's decision (``approve`` or ``reject``) on a version, with the sha256 of
        each of its reports the reviewer read; see :mod:`hub.registry.signoff`. Audited, never edited."""
        record, actor = self.resolve(ref), audit.current_actor(actor)
        found = signoff.details(record, decision, comment, reports_seen, actor)
        with schema.writing(self.engine) as connection:
            audit.record(connection, actor, signoff.ACTION, record.ref, None, found)
        return self.sign_offs(record)[0]

    def sign_offs(self, version: VersionRecord, *, limit: int = 100) -> list[signoff.SignOff]:
        """A version's sign-off decisions, newest first."""
        query = (select(events).where(events.c.action == signoff.ACTION, events.c.target == version.ref)
                 .order_by(events.c.id.desc()).limit(limit))
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [signoff.from_event(AuditRecord(id=row.id, at=row.at, actor=row.actor, action=row.action,
                                               target=row.target, justification=row.justification,
                                               details=row.details)) for row in rows]

    def latest_sign_off(self, version: VersionRecord) -> signoff.SignOff | None:
        found = self.sign_offs(version, limit=1)
        return found[0] if found else None

    def export_files(self, name: str, version: int | None, dest: Path) -> VersionRecord:
        """Write a version's files under ``dest``, each checked against its sha256.

        Files are gathered in a hidden folder inside ``dest`` and moved into place only once every
        one has passed its check, so a corrupt or missing file leaves ``dest`` as it was. Before
        anything is written, every stored path is checked to land inside ``dest`` and outside
        ``.git`` and other reserved folders, whatever the registry holds: a registry written by an
        older server or another tool may hold a ``.git/config`` whose commands git would run.
        """
        record = self.get_version(name, version)
        dest = Path(dest)
        _refuse_unsafe_landings(record, dest)
        dest.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".hub-pull-", dir=dest))
        try:
            for file in record.files:
                self.store.copy_to(file.sha256, f"{record.ref}/{file.path}", staging / file.path)
            for file in record.files:
                (dest / file.path).parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / file.path, dest / file.path)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return record

    # -- looking rows up -----------------------------------------------------------------

    def _read(self, ref: VersionRef) -> VersionRecord:
        with self.engine.connect() as connection:
            found = reading.read_versions(connection, *reading.picked(reading.WHOLE, ref))
            if not found:
                self._missing(connection, ref)
        return found[0]

    def _find(self, connection: Connection, ref: VersionRef) -> tuple[int, int, str, str]:
        """A version's id, its model's id, its license and ``name:version``; errors name what is missing."""
        row = connection.execute(*reading.picked(reading.IDS, ref)).first()
        if row is None:
            self._missing(connection, ref)
        return row.id, row.model_id, row.license, f"{naming.full_name(*naming.split_name(ref.name))}:{row.version}"

    @staticmethod
    def _missing(connection: Connection, ref: VersionRef):
        namespace, short = naming.split_name(ref.name)
        if connection.execute(select(models.c.id).where(models.c.namespace == namespace,
                                                        models.c.name == short)).first() is None:
            raise UnknownNameError(f"No registered model named '{ref.name}'.",
                                   "Run 'hub models list' to see what is registered.")
        if ref.alias:
            raise UnknownNameError(f"Model '{ref.name}' has no alias '{ref.alias}'.",
                                   f"Run 'hub versions {ref.name}' to see its versions and aliases.")
        raise UnknownNameError(f"Model '{ref.name}' has no version {ref.version}.",
                               f"Run 'hub models show {ref.name}' to list its versions.")

    def _models(self, *conditions) -> list[ModelRecord]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(models).where(*conditions).order_by(models.c.namespace, models.c.name)).all()
            if not rows:
                return []
            ids = [row.id for row in rows]
            every = reading.read_versions(connection, reading.VERSIONS.where(versions.c.model_id.in_(ids))
                                          .order_by(models.c.namespace, models.c.name, versions.c.version))
            named = reading.aliases_of_models(connection, ids)
        grouped: dict[str, list[VersionRecord]] = {}
        for record in every:
            grouped.setdefault(record.model, []).append(record)
        result = []
        for row in rows:
            name = naming.full_name(row.namespace, row.name)
            result.append(ModelRecord(name=name, description=row.description, task=row.task,
                                      created_at=row.created_at, versions=grouped.get(name, []),
                                      aliases=named.get(row.id, {})))
        return result


def _refuse_unsafe_landings(record: VersionRecord, dest: Path) -> None:
    real_dest = Path(os.path.realpath(dest))
    for file in record.files:
        try:
            naming.validate_file_path(file.path)
        except InvalidNameError as error:
            raise InvalidNameError(f"Nothing of {record.ref} was written: it holds a file no folder may receive. "
                                   f"{error.message}", "An older server or another tool stored it; register a "
                                   "version without that file, and use that one.") from None
        landing = Path(os.path.realpath((dest / file.path).parent))
        if not landing.is_relative_to(real_dest):
            raise HubError(f"Nothing of {record.ref} was written: '{file.path}' would land in {landing}, outside "
                           f"{dest}, through a symbolic link already there.", "Remove the link, or pull into an empty "
                           "folder.")
