"""The Hub's write API: create a repository, check a card, plan an upload, and commit.

Each commit becomes a new registry version: the files of the version before it, with the commit's
additions and deletions applied, its license and lineage read from the card. The card check that
clients run before a commit (``validate-yaml``) applies the same rules, so a push that would be
refused is refused before any byte is uploaded.
"""

from __future__ import annotations

import base64
import binascii
import json
import shutil
import tempfile
from pathlib import Path

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from hub.errors import HubError
from hub.registry import policy
from hub.registry.naming import validate_file_path, validate_name
from hub.serve import routing
from hub.serve.auth import require_write, served
from hub.serve.errors import HubHTTPError, bad_request, from_hub_error, repo_not_found, revision_not_found
from hub.serve.lfs import staged_path, stored_size
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


@router.post("/api/repos/create")
async def create_repo(request: Request):
    body = await request.json()
    name = "/".join(part for part in (body.get("organization"), body.get("name")) if part)
    if body.get("type", "model") not in (None, "model"):
        raise bad_request("ecohub serves model repositories only.")
    who = require_write(request, name, "create")
    hub = served(request)
    if "/" not in name:
        raise bad_request(BARE_NAME.format(name=name))
    try:
        validate_name(name)
    except HubError as error:
        raise from_hub_error(error) from None
    private = body.get("private") is True or body.get("visibility") == "private"
    url = f"{str(request.base_url).rstrip('/')}/{name}"

    def declare() -> bool:
        return not hub.exists(name) and hub.access.declare(name, private=private, by=who.name)

    if not await run_in_threadpool(declare):
        raise HubHTTPError(409, "You already created this model repo.", extra={"url": url})
    hub.access.record(who, "create", name, allowed=True, detail="private" if private else "public")
    return {"url": url, "name": name, "id": name}


@router.put("/api/models/{repo_id:repo}/settings")
async def update_settings(repo_id: str, request: Request):
    body = await request.json()
    who = require_write(request, repo_id, "settings")
    hub = served(request)
    if not hub.exists(repo_id):
        raise repo_not_found(repo_id)
    private = (bool(body["private"]) if "private" in body
               else body["visibility"] == "private" if "visibility" in body else None)
    gated = body["gated"] not in (False, None, "false") if "gated" in body else None
    settings = hub.access.update(repo_id, private=private, gated=gated, by=who.name)
    hub.access.record(who, "settings", repo_id, allowed=True, detail=f"private={settings.private} gated={settings.gated}")
    return {"private": settings.private, "gated": "manual" if settings.gated else False}


@router.post("/api/validate-yaml")
async def validate_yaml(request: Request):
    body = await request.json()
    errors, warnings = card_findings(served(request).registry, str(body.get("content", "")))
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
    who = require_write(request, repo_id, action)
    if "/" not in repo_id:
        raise bad_request(BARE_NAME.format(name=repo_id))
    if revision != MAIN:
        raise revision_not_found(repo_id, revision)
    hub = served(request)
    try:
        return who, hub.latest(repo_id)
    except HubError:
        raise repo_not_found(repo_id) from None


@router.post("/api/models/{repo_id:repo}/preupload/{revision}")
async def preupload(repo_id: str, revision: str, request: Request):
    body = await request.json()
    _, latest = await run_in_threadpool(_writable, request, repo_id, revision, "upload")
    existing = {file.path: file for file in (latest.files if latest else [])}
    answers = []
    for item in body.get("files", []):
        path, size = item["path"], int(item.get("size", 0))
        sample = base64.b64decode(item.get("sample", ""))
        lfs = is_lfs(path, size, sample)
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


def _operations(raw: bytes) -> tuple[dict, list[tuple[str, dict]]]:
    header, operations = {}, []
    for line in raw.splitlines():
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            key, value = item["key"], item["value"]
        except (ValueError, KeyError, TypeError):
            raise bad_request("The commit is not NDJSON lines of {\"key\": ..., \"value\": ...}.") from None
        if key == "header":
            header = value
        elif key in ("file", "lfsFile", "deletedFile", "deletedFolder"):
            validate_or_400(value.get("path", ""))
            operations.append((key, value))
        else:
            raise bad_request(f"ecohub cannot apply '{key}' operations in a commit.")
    return header, operations


def validate_or_400(path: str) -> None:
    try:
        validate_file_path(path.rstrip("/"))
    except HubError as error:
        raise from_hub_error(error) from None


def apply_commit(hub, repo_id: str, who, latest, header: dict, operations, workdir: Path):
    """Register the commit as the next version; returns it. Runs in a worker thread."""
    if header.get("parentCommit") and header["parentCommit"] != hub.commit(repo_id, latest):
        raise HubHTTPError(412, "The repository has moved on since your parent commit: pull, then commit again.")
    store = hub.registry.store
    files: dict[str, Path] = {}
    kept = {file.path: file for file in (latest.files if latest else [])}
    for key, value in operations:
        path = value["path"]
        if key == "deletedFile":
            kept.pop(path, None)
            files.pop(path, None)
        elif key == "deletedFolder":
            prefix = path.rstrip("/") + "/"
            kept = {p: f for p, f in kept.items() if not p.startswith(prefix)}
            files = {p: f for p, f in files.items() if not p.startswith(prefix)}
        elif key == "file":
            kept.pop(path, None)
            target = workdir / "inline" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                target.write_bytes(base64.b64decode(value.get("content", ""), validate=True))
            except binascii.Error:
                raise bad_request(f"The content of '{path}' is not valid base64.") from None
            files[path] = target
        else:
            kept.pop(path, None)
            files[path] = _lfs_source(hub, value, workdir)
    for path, file in kept.items():
        target = workdir / "kept" / path
        store.copy_to(file.sha256, f"{repo_id}/{path}", target)
        files[path] = target
    source = f"commit to {repo_id} through hub serve by {who.name}: {header.get('summary', '')}".strip()
    return register_files(hub.registry, repo_id, files, source=source, description=header.get("description", ""),
                          actor=who.name)


def _lfs_source(hub, value: dict, workdir: Path) -> Path:
    oid, path = value.get("oid", ""), value["path"]
    staged = staged_path(hub, oid)
    if staged.is_file():
        return staged
    if stored_size(hub.registry, oid) is not None:
        target = workdir / "stored" / path
        hub.registry.store.copy_to(oid, path, target)
        return target
    raise HubHTTPError(422, f"'{path}' names LFS object {oid[:12]}…, which was never uploaded: upload it first.",
                       "EntryNotFound")


@router.post("/api/models/{repo_id:repo}/commit/{revision}")
async def commit(repo_id: str, revision: str, request: Request):
    if request.query_params.get("create_pr") in ("1", "true"):
        raise bad_request("ecohub has no pull requests: commit to main, and promote versions with aliases.")
    who, latest = await run_in_threadpool(_writable, request, repo_id, revision, "commit")
    header, operations = _operations(await request.body())
    hub = served(request)

    def run():
        workdir = Path(tempfile.mkdtemp(dir=hub.staging, prefix=".commit-"))
        try:
            return apply_commit(hub, repo_id, who, latest, header, operations, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    try:
        version = await run_in_threadpool(run)
    except HubError as error:
        hub.access.record(who, "commit", repo_id, allowed=False, detail=error.message)
        raise from_hub_error(error) from None
    for key, value in operations:
        if key == "lfsFile":
            staged_path(hub, value.get("oid", "")).unlink(missing_ok=True)
    commit_id = hub.commit(repo_id, version)
    hub.access.record(who, "commit", repo_id, allowed=True, detail=f"version {version.version} ({commit_id})")
    base = str(request.base_url).rstrip("/")
    return {"commitUrl": f"{base}/{repo_id}/commit/{commit_id}", "commitOid": commit_id,
            "pullRequestUrl": None, "ecohub": {"version": version.version, "license": version.license}}

