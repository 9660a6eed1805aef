"""ecohub's own JSON API: search, lineage, license checks, reports and the access audit.

What the Hugging Face protocol has no words for. Its OpenAPI document is served at
``/api/ecohub/openapi.json``. A ``{revision}`` is anything ``resolve`` takes: ``main``, ``v3``, an
alias or a commit id.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Query, Request
from pydantic import BaseModel

from hub.errors import HubError
from hub.registry import licenses
from hub.serve import routing
from hub.serve.auth import caller, served
from hub.serve.errors import HubHTTPError, forbidden, from_hub_error
from hub.serve.visible import VisibleRegistry
from hub.sharing import cards, lineage

router = routing.router(prefix="/api/ecohub", tags=["ecohub"])
MAX_PAGE = 1000
MAX_QUERY = 2000
MAX_NESTING = 32


def _nesting(expression: str) -> int:
    depth = deepest = 0
    for char in expression:
        depth += (char == "(") - (char == ")")
        deepest = max(deepest, depth)
    return deepest


class FileOut(BaseModel):
    path: str
    size: int
    sha256: str


class ReportOut(BaseModel):
    id: int
    evaluator: str
    kind: str
    dataset: str
    created_at: datetime


class VersionOut(BaseModel):
    version: int
    commit: str
    license: str
    license_reasons: list[str]
    task: str
    framework: str
    created_at: datetime
    files: list[FileOut]
    reports: list[ReportOut]


class ModelSummary(BaseModel):
    name: str
    private: bool
    latest_version: int | None
    license: str | None
    task: str | None
    framework: str | None


class ModelOut(ModelSummary):
    versions: list[VersionOut]


class EdgeOut(BaseModel):
    child: str
    parent: str
    relation: str
    kind: str
    license: str
    internal: bool
    depth: int


class LineageOut(BaseModel):
    version: str
    base_models: list[str]
    datasets: list[str]
    ancestors: list[EdgeOut]
    descendants: list[EdgeOut]


class Finding(BaseModel):
    level: str
    rule: str
    message: str


class StepOut(BaseModel):
    child: str
    child_license: str
    parent: str
    parent_license: str
    relation: str
    kind: str
    depth: int
    findings: list[Finding]


class LicenseCheck(BaseModel):
    version: str
    license: str
    verdict: str
    steps: list[StepOut]
    notes: list[Finding]


class LicenseQuestion(BaseModel):
    license: str
    base_models: list[str] = []
    datasets: list[str] = []


class SearchPage(BaseModel):
    models: list[ModelSummary]
    next_cursor: str | None


class AuditEventOut(BaseModel):
    at: datetime
    actor: str
    action: str
    target: str
    allowed: bool
    detail: str
    token: int | None


def _summary(hub, name: str, latest) -> ModelSummary:
    return ModelSummary(name=name, private=hub.access.is_private(name),
                        latest_version=latest.version if latest else None,
                        license=latest.license if latest else None, task=latest.task if latest else None,
                        framework=latest.framework if latest else None)


def _version_out(hub, version) -> VersionOut:
    return VersionOut(
        version=version.version, commit=hub.commit(version.model, version), license=version.license,
        license_reasons=version.license_reasons, task=version.task, framework=version.framework,
        created_at=version.created_at, files=[FileOut(**file.as_dict()) for file in version.files],
        reports=[ReportOut(id=r.id, evaluator=r.evaluator, kind=r.kind, dataset=r.dataset, created_at=r.created_at)
                 for r in version.reports],
    )


def _version(request: Request, name: str, revision: str):
    hub = served(request)
    version = hub.at(caller(request), name, revision)
    if version is None:
        raise HubHTTPError(404, f"'{name}' has no version yet.", "RevisionNotFound")
    return hub, version


@router.get("/models", response_model=SearchPage, summary="Search the models you may read")
def search(request: Request, q: str = Query("", max_length=MAX_QUERY), limit: int = Query(50, ge=1, le=MAX_PAGE),
           after: str | None = None) -> SearchPage:
    """``q`` is the registry's search expression (``hub models search --help``): filters such as
    ``name:acme/*``, ``license:mit``, ``tag:team=risk``, ``created>=2025-01-01``, joined by AND and OR.

    Models the caller may not read are skipped before a page is cut, and the cursor is the last
    model shown, so neither a page's length nor its cursor tells of them."""
    if _nesting(q) > MAX_NESTING:
        raise HubHTTPError(400, f"The search nests parentheses more than {MAX_NESTING} deep.", "BadRequest")
    hub = served(request)
    who = caller(request)
    found, cursor = [], after
    while len(found) <= limit:
        page = hub.registry.search(q, limit=limit, after=cursor)
        found += [model for model in page.models if hub.access.can_read(who, model.name)]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    shown = found[:limit]
    return SearchPage(models=[_summary(hub, model.name, model.latest) for model in shown],
                      next_cursor=shown[-1].name if len(found) > limit else None)


@router.get("/models/{name:repo}/versions/{revision}/lineage", response_model=LineageOut,
            summary="What a version was made from, and what was made from it")
def version_lineage(name: str, revision: str, request: Request) -> LineageOut:
    hub, version = _version(request, name, revision)
    found = hub.registry.lineage(version.ref)
    # Descendants may be private models: list only those the caller may read.
    readable = [edge for edge in found.descendants if hub.access.can_read(caller(request), edge.child.partition(":")[0])]
    return LineageOut(version=found.version, base_models=lineage.base_models(version),
                      datasets=lineage.datasets(version), ancestors=[edge.as_dict() for edge in found.ancestors],
                      descendants=[edge.as_dict() for edge in readable])


@router.get("/models/{name:repo}/versions/{revision}/license-check", response_model=LicenseCheck,
            summary="The license policy over a version's whole chain of ancestors")
def version_license_check(name: str, revision: str, request: Request) -> LicenseCheck:
    hub, version = _version(request, name, revision)
    return LicenseCheck(**hub.registry.check_license(version.ref).as_dict())


@router.get("/models/{name:repo}/versions/{revision}/reports/{report_id}", summary="One stored report's body")
def report(name: str, revision: str, report_id: int, request: Request) -> dict:
    hub, version = _version(request, name, revision)
    found = next((r for r in hub.registry.get_version(name, version.version).reports if r.id == report_id), None)
    if found is None:
        raise HubHTTPError(404, f"{version.ref} has no report {report_id}.", "EntryNotFound")
    return hub.registry.read_report(found)


@router.get("/models/{name:repo}", response_model=ModelOut, summary="A model with all its versions")
def model(name: str, request: Request) -> ModelOut:
    hub = served(request)
    latest = hub.readable(caller(request), name)
    versions = hub.registry.get_model(name).versions if latest is not None else []
    return ModelOut(**_summary(hub, name, latest).model_dump(), versions=[_version_out(hub, v) for v in versions])


@router.post("/license-check", response_model=LicenseCheck,
             summary="Would a model with this license, made from these models and datasets, pass the policy?")
def license_check(question: LicenseQuestion, request: Request) -> LicenseCheck:
    """A base model the caller may not read is judged as one this registry does not hold."""
    hub = served(request)
    registry = VisibleRegistry(hub.registry, hub.access, caller(request))
    card = cards.CardMetadata(base_models=tuple(question.base_models), datasets=tuple(question.datasets))
    try:
        return LicenseCheck(**lineage.card_check(registry, card, licenses.parse(question.license).text).as_dict())
    except HubError as error:
        raise from_hub_error(error) from None


@router.get("/audit", response_model=list[AuditEventOut], summary="Writes and refused attempts (admin tokens)")
def audit(request: Request, target: str | None = None) -> list[AuditEventOut]:
    """The events of the models the admin token covers; a refused read of the trail is itself in the trail."""
    who = caller(request)
    access = served(request).access
    if who.token is None or not who.token.allows("admin"):
        access.record(who, "audit.read", target or "*", allowed=False,
                      detail="no token" if who.token is None else f"token scope '{who.token.scope}'")
        raise forbidden("Reading the audit trail needs an admin token.")
    return [AuditEventOut(**vars(event)) for event in access.events(target)
            if who.token.covers(event.target.partition(":")[0].partition("@")[0])]
