"""The Hub's write API: create a repository, change its settings, check a card, plan an upload, and commit.

Each commit becomes a new registry version: the files of the version before it, with the commit's
additions and deletions applied, its license and lineage read from the card. The card check that
clients run before a commit (``validate-yaml``) applies the same rules, so a push that would be
refused is refused before any byte is uploaded. Both see the registry as the caller does
(:mod:`hub.serve.visible`). Every field of a request is checked where it enters: a path must be
one :func:`~hub.registry.naming.validate_file_path` accepts (nothing under ``.git`` or
``.cache``), an LFS oid 64 lower-case hex characters, and staged bytes are looked up only in this
server's staging area, for this repository.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from hub.errors import HubError
from hub.registry import policy
from hub.registry.naming import validate_file_path, validate_name
from hub.serve import limits, routing
from hub.serve.auth import caller, require, served
from hub.serve.errors import (HubHTTPError, bad_request, from_hub_error, repo_not_found, revision_not_found,
                              too_large)
from hub.serve.lfs import OID_RULE, STAGED, available, valid_oid
from hub.serve.visible import VisibleRegistry
from hub.sharing import cards, lineage
from hub.sharing.gitids import is_lfs
from hub.sharing.importing import register_files

router = routing.router(include_in_schema=False)
MAIN = "main"
UNKNOWN_LICENSE = "unknown-license"
BARE_NAME = ("Hugging Face clients push only to repositories named namespace/name (they cannot parse the URL of "
             "a bare name): push to, say, 'team/{name}'.")
XET_MESSAGE = ("ecohub accepts uploads over git-LFS, not Xet. Set HF_HUB_DISABLE_XET=1 in the environment of the "
               "program that pushes (huggingface_hub uploads through Xet whenever hf_xet is installed).")
COMMIT_LINE = "One line of the commit"


class CreateRepo(BaseModel):
    name: str
    organization: str | None = None
    type: str | None = None
    private: bool | None = None
    visibility: Literal["public", "private"] | None = None


class Settings(BaseModel):
    private: bool | None = None
    visibility: Literal["public", "private"] | None = None
    gated: Literal["auto", "manual", False] | None = None


class CardText(BaseModel):
    content: str = ""


class PlannedFile(BaseModel):
    path: str
    size: int = 0
    sample: str = ""


class Plan(BaseModel):
    files: list[PlannedFile] = []


@router.post("/api/repos/create")
async def create_repo(body: CreateRepo, request: Request):
    name = "/".join(part for part in (body.organization, body.name) if part)
    if body.type not in (None, "model"):
        raise bad_request("ecohub serves model repositories only.")
    who = require(request, "write", name, "create")
    hub = served(request)
    if "/" not in name:
        raise bad_request(BARE_NAME.format(name=name))
    try:
        validate_name(name)
    except HubError as error:
        raise from_hub_error(error) from None
    private = body.private is True or body.visibility == "private"
    url = f"{str(request.base_url).rstrip('/')}/{name}"

    def declare() -> bool:
        return not hub.exists(name) and hub.access.declare(name, private=private, by=who.name)

    if not await run_in_threadpool(declare):
        raise HubHTTPError(409, "You already created this model repo.", extra={"url": url})
    hub.access.record(who, "create", name, allowed=True, detail="private" if private else "public")
    return {"url": url, "name": name, "id": name}


@router.put("/api/models/{repo_id:repo}/settings")
def update_settings(repo_id: str, body: Settings, request: Request):
    """Visibility and gating: an admin token's business, as making a private model public is."""
    who = require(request, "admin", repo_id, "settings")
    hub = served(request)
    if not hub.exists(repo_id):
        raise repo_not_found(repo_id)
    given = body.model_fields_set
    private = (body.private if "private" in given else body.visibility == "private" if "visibility" in given
               else None)
    gated = body.gated not in (False, None) if "gated" in given else None
    settings = hub.access.update(repo_id, private=private, gated=gated, by=who.name)
    hub.access.record(who, "settings", repo_id, allowed=True, detail=f"private={settings.private} gated={settings.gated}")
    return {"private": settings.private, "gated": "manual" if settings.gated else False}


@router.post("/api/validate-yaml")
def validate_yaml(body: CardText, request: Request):
    hub = served(request)
    errors, warnings = card_findings(VisibleRegistry(hub.registry, hub.access, caller(request)), body.content)
    return JSONResponse({"errors": [{"message": m} for m in errors], "warnings": [{"message": m} for m in warnings]},
                        status_code=400 if errors else 200)


def card_findings(registry, text: str) -> tuple[list[str], list[str]]:
    """The card's errors and warnings, the license policy over its base models and datasets included.

    Parents of unknown license are named in one warning, not one each: a card can list dozens of datasets.
    """
    errors, warnings = cards.validate(text)
    if errors:
        return errors, warnings
    card = cards.parse(text)
    check = lineage.card_check(registry, card, cards.registry_license(card))
    unknown = []
    for step in check.steps:
        for finding in step.findings:
            if finding.rule == UNKNOWN_LICENSE:
                unknown.append(step.parent)
            elif finding.level == policy.FAIL:
                errors.append(finding.message)
            elif finding.level == policy.WARN:
                warnings.append(finding.message)
    if unknown:
        warnings.append(f"No license is known for {', '.join(unknown)}: check their terms before relying on them.")
    return errors, warnings


def _writable(request: Request, repo_id: str, revision: str, action: str):
    who = require(request, "write", repo_id, action)
    if "/" not in repo_id:
        raise bad_request(BARE_NAME.format(name=repo_id))
    if revision != MAIN:
        raise revision_not_found(repo_id, revision)
    hub = served(request)
    try:
        return who, hub.latest(repo_id)
    except HubError:
        raise repo_not_found(repo_id) from None


def valid_path(path: str) -> str:
    try:
        return validate_file_path(path)
    except HubError as error:
        raise from_hub_error(error) from None


@router.post("/api/models/{repo_id:repo}/preupload/{revision}")
def preupload(repo_id: str, revision: str, body: Plan, request: Request):
    """How each file travels: inline in the commit, or through LFS. Anything too large for one line
    of a commit goes through LFS, whatever its kind, so a commit's lines stay under the body limit."""
    _, latest = _writable(request, repo_id, revision, "upload")
    inline_limit = request.app.state.settings.max_body_bytes // 2  # base64 and JSON fit in a line
    existing = {file.path: file for file in (latest.files if latest else [])}
    answers = []
    for item in body.files:
        path = valid_path(item.path)
        try:
            sample = base64.b64decode(item.sample, validate=True)
        except binascii.Error:
            raise bad_request(f"The sample of '{path}' is not valid base64.") from None
        lfs = is_lfs(path, item.size, sample) or item.size > inline_limit
        answer = {"path": path, "uploadMode": "lfs" if lfs else "regular", "shouldIgnore": False}
        if path in existing:
            old = existing[path]
            answer["oid"] = old.sha256 if lfs else old.git_sha1
        answers.append(answer)
    return {"files": answers}


@router.post("/api/models/{repo_id:repo}/branch/{branch}")
def create_branch(repo_id: str, branch: str, request: Request):
    _writable(request, repo_id, MAIN, "branch")
    if branch == MAIN:
        raise HubHTTPError(409, "Branch main already exists.")
    raise bad_request("ecohub keeps one line of versions per model (main); name versions with aliases instead.")


@router.get("/api/models/{repo_id:repo}/xet-write-token/{revision}")
@router.get("/api/models/{repo_id:repo}/xet-read-token/{revision}")
def xet_token(repo_id: str, revision: str):
    raise HubHTTPError(501, XET_MESSAGE, "XetNotSupported")


# -- commits ---------------------------------------------------------------------------------

class Header(BaseModel):
    summary: str = ""
    description: str = ""
    parentCommit: str | None = None


class InlineFile(BaseModel):
    path: str
    content: str
    encoding: Literal["base64"] = "base64"


class LfsFile(BaseModel):
    path: str
    oid: str
    algo: Literal["sha256"] = "sha256"
    size: int | None = None


class Deleted(BaseModel):
    path: str


OPERATIONS = {"header": Header, "file": InlineFile, "lfsFile": LfsFile, "deletedFile": Deleted,
              "deletedFolder": Deleted}


@dataclass(frozen=True)
class Operation:
    """One checked operation of a commit: what it does to which path, with an added file's bytes or object."""

    key: str
    path: str
    source: Path | None = None  # an inline file's bytes, written to the commit's workdir
    oid: str | None = None  # an LFS file's object


def parse_line(line: bytes, number: int, workdir: Path) -> Header | Operation:
    """One NDJSON line of a commit, checked. An inline file's bytes are written to ``workdir``, under
    the line's number and the file's own name (which the registry's pickle check reads)."""
    try:
        item = json.loads(line)
        key, raw = item["key"], item["value"]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise bad_request(f"Line {number} of the commit is not NDJSON of {{\"key\": ..., \"value\": ...}}.") from None
    if not isinstance(key, str) or key not in OPERATIONS:
        raise bad_request(f"ecohub cannot apply '{str(key)[:100]}' operations in a commit (line {number}).")
    try:
        value = OPERATIONS[key].model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:5])
        raise bad_request(f"Line {number} of the commit ('{key}') is invalid: {problems}.") from None
    if key == "header":
        return value
    path = valid_path(value.path.rstrip("/") if key == "deletedFolder" else value.path)
    if key == "lfsFile":
        if not valid_oid(value.oid):
            raise bad_request(f"'{path}' names LFS object '{value.oid[:100]}', which is not one: {OID_RULE}.")
        return Operation(key, path, oid=value.oid)
    if key == "file":
        source = _landing(workdir / "inline" / str(number), path)
        try:
            source.write_bytes(base64.b64decode(value.content, validate=True))
        except binascii.Error:
            raise bad_request(f"The content of '{path}' is not valid base64.") from None
        return Operation(key, path, source=source)
    return Operation(key, path)


def _landing(folder: Path, path: str) -> Path:
    """A file in a new ``folder`` of the commit's workdir, named as ``path``'s last part."""
    folder.mkdir(parents=True)
    return folder / PurePosixPath(path).name


async def read_commit(request: Request, workdir: Path) -> tuple[Header, list[Operation]]:
    """The commit's header and operations, read a line at a time: each line, not the whole body, is
    bounded by the body limit, so a commit may carry many small files while the server holds one line."""
    limit = request.app.state.settings.max_body_bytes
    limits.allow_body(request, None)
    header, operations, pending, number = Header(), [], bytearray(), 0

    async def take(line: bytes) -> None:
        nonlocal header, number
        number += 1
        if line.strip():
            parsed = await run_in_threadpool(parse_line, line, number, workdir)
            if isinstance(parsed, Header):
                header = parsed
            else:
                operations.append(parsed)

    def extend(piece: bytes) -> None:
        pending.extend(piece)
        if len(pending) > limit:
            raise too_large(COMMIT_LINE, limit, limits.BODY_SETTING)

    async for chunk in request.stream():
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            extend(chunk[start:end])
            await take(bytes(pending))
            pending.clear()
            start = end + 1
        extend(chunk[start:])
    await take(bytes(pending))
    return header, operations


def apply_commit(hub, repo_id: str, who, latest, header: Header, operations: list[Operation], workdir: Path):
    """Register the commit as the next version; returns it. Runs in a worker thread."""
    if header.parentCommit and header.parentCommit != hub.commit(repo_id, latest):
        raise HubHTTPError(412, "The repository has moved on since your parent commit: pull, then commit again.")
    store = hub.registry.store
    files: dict[str, Path] = {}
    kept = {file.path: file for file in (latest.files if latest else [])}
    for number, operation in enumerate(operations):
        path = operation.path
        if operation.key == "deletedFile":
            kept.pop(path, None)
            files.pop(path, None)
        elif operation.key == "deletedFolder":
            prefix = path + "/"
            kept = {p: f for p, f in kept.items() if not p.startswith(prefix)}
            files = {p: f for p, f in files.items() if not p.startswith(prefix)}
        else:
            kept.pop(path, None)
            files[path] = operation.source or _lfs_source(hub, who, repo_id, operation, workdir / "lfs" / str(number))
    _refuse_file_folders([*files, *kept])
    for number, (path, file) in enumerate(kept.items()):
        target = _landing(workdir / "kept" / str(number), path)
        store.copy_to(file.sha256, f"{repo_id}/{path}", target)
        files[path] = target
    source = f"commit to {repo_id} through hub serve by {who.name}: {header.summary}".strip()
    return register_files(VisibleRegistry(hub.registry, hub.access, who), repo_id, files, source=source,
                          description=header.description, actor=who.name)


def _refuse_file_folders(paths: list[str]) -> None:
    """A version's files form a tree, as git's do: no path may be a file and a folder of others at once,
    or no folder could receive the version."""
    folders = {path[:index] for path in paths for index, char in enumerate(path) if char == "/"}
    both = sorted(folders.intersection(paths))
    if both:
        raise bad_request(f"'{both[0]}' would be both a file and a folder in this commit: delete one of them.")


def _lfs_source(hub, who, repo_id: str, operation: Operation, folder: Path) -> Path:
    """The bytes of an LFS file: uploaded to this repository, or stored where the caller may read them."""
    where = available(hub, who, repo_id, operation.oid)
    if where is None:
        raise HubHTTPError(422, f"'{operation.path}' names LFS object {operation.oid[:12]}…, which was never uploaded "
                                "to this repository: upload it first.", "EntryNotFound")
    target = _landing(folder, operation.path)
    if where == STAGED:
        os.link(hub.staging.object(repo_id, operation.oid), target)
    else:
        hub.registry.store.copy_to(operation.oid, operation.path, target)
    return target


@router.post("/api/models/{repo_id:repo}/commit/{revision}")
async def commit(repo_id: str, revision: str, request: Request):
    """A commit, refused whole (and audited) at its first invalid line, path, object or policy failure."""
    if request.query_params.get("create_pr") in ("1", "true"):
        raise bad_request("ecohub has no pull requests: commit to main, and promote versions with aliases.")
    who, latest = await run_in_threadpool(_writable, request, repo_id, revision, "commit")
    hub = served(request)
    workdir = hub.staging.workdir()
    try:
        try:
            header, operations = await read_commit(request, workdir)
            version = await run_in_threadpool(apply_commit, hub, repo_id, who, latest, header, operations, workdir)
        except HubError as error:
            raise from_hub_error(error) from None
    except HubHTTPError as error:
        await run_in_threadpool(hub.access.record, who, "commit", repo_id, allowed=False, detail=error.message)
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for operation in operations:
        if operation.key == "lfsFile":
            hub.staging.object(repo_id, operation.oid).unlink(missing_ok=True)
    commit_id = hub.commit(repo_id, version)
    hub.access.record(who, "commit", repo_id, allowed=True, detail=f"version {version.version} ({commit_id})")
    base = str(request.base_url).rstrip("/")
    return {"commitUrl": f"{base}/{repo_id}/commit/{commit_id}", "commitOid": commit_id,
            "pullRequestUrl": None, "ecohub": {"version": version.version, "license": version.license}}
