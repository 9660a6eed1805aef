"""The git-LFS batch API: where large files go before the commit that names them.

The batch call answers each object with an upload URL, or with no action when the bytes are
already here for this caller (deduplication): uploaded to this repository and waiting for its
commit, or stored in a version of a repository the caller may read. Bytes only a private
repository holds count as absent for anyone else, who must upload them, so knowing a file's
sha256 never copies it. The client PUTs to the upload URL without its token, so the URL carries a
signature over the repository, object and size; the upload stops at that size. Uploads land in
the staging area checked against their sha256 and size; only a commit turns them into a registry
version, so an interrupted upload leaves none.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy import bindparam, select
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from hub.access.policy import Caller
from hub.registry.naming import full_name
from hub.registry.tables import Blob, Model, ModelVersion, VersionFile
from hub.serve import limits, routing
from hub.serve.auth import require, served
from hub.serve.errors import HubHTTPError, bad_request, repo_not_found

router = routing.router(include_in_schema=False)
LFS_JSON = "application/vnd.git-lfs+json"
TICKET_SECONDS = 3600
WRITE_BUFFER = 1 << 20
OID = re.compile(r"[0-9a-f]{64}")
STAGED, STORED = "staged", "stored"
OID_RULE = "an LFS oid is the sha256 of the file: 64 lower-case hexadecimal characters"

_files, _versions, _models, _blobs = (VersionFile.__table__, ModelVersion.__table__, Model.__table__,
                                      Blob.__table__)
HOLDERS = (select(_models.c.namespace, _models.c.name).distinct()
           .select_from(_files.join(_versions, _versions.c.id == _files.c.version_id)
                        .join(_models, _models.c.id == _versions.c.model_id)
                        .join(_blobs, _blobs.c.sha256 == _files.c.sha256))
           .where(_files.c.sha256 == bindparam("sha256"), _blobs.c.size == bindparam("size")))


class Tickets:
    """Signed, expiring permissions to upload one object to one repository."""

    def __init__(self):
        self._key = secrets.token_bytes(32)

    def _sign(self, repo: str, oid: str, size: int, expires: int) -> str:
        return hmac.new(self._key, f"{repo}\n{oid}\n{size}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def issue(self, repo: str, oid: str, size: int) -> str:
        expires = int(time.time()) + TICKET_SECONDS
        return f"size={size}&expires={expires}&signature={self._sign(repo, oid, size, expires)}"

    def check(self, repo: str, oid: str, size: int, expires: int, signature: str) -> bool:
        return expires >= time.time() and hmac.compare_digest(self._sign(repo, oid, size, expires), signature)


def valid_oid(oid) -> bool:
    return isinstance(oid, str) and OID.fullmatch(oid) is not None


def available(hub, who: Caller, repo: str, oid: str, size: int | None = None) -> str | None:
    """Where the bytes of ``oid`` are for this caller, pushing to ``repo``: ``STAGED`` by an upload to
    ``repo``, ``STORED`` in a version of a repository the caller may read, or None. ``size``, when
    given, must match too. ``oid`` is valid (the caller checked)."""
    staged = hub.staging.object(repo, oid)
    if staged.is_file():
        return STAGED if size is None or staged.stat().st_size == size else None
    registry = hub.registry
    with registry.engine.connect() as connection:
        known = connection.execute(select(_blobs.c.size).where(_blobs.c.sha256 == oid)).scalar()
        if known is None or (size is not None and known != size) or not registry.store.exists(oid):
            return None
        holders = connection.execute(HOLDERS, {"sha256": oid, "size": known}).all()
    return STORED if any(hub.access.can_read(who, full_name(row.namespace, row.name)) for row in holders) else None


class LfsObject(BaseModel):
    oid: str
    size: int


class BatchRequest(BaseModel):
    operation: str
    objects: list[LfsObject] = []


class VerifyRequest(BaseModel):
    oid: str = ""
    size: int


@router.post("/{repo_id:repo}.git/info/lfs/objects/batch")
async def batch(repo_id: str, body: BatchRequest, request: Request):
    hub = served(request)
    who = require(request, "write", repo_id, "upload")
    if not await run_in_threadpool(hub.exists, repo_id):
        raise repo_not_found(repo_id)
    if body.operation != "upload":
        raise bad_request("ecohub's LFS endpoint takes uploads only; download files through /resolve.")
    base = str(request.base_url).rstrip("/")
    answers = []
    for item in body.objects:
        oid, size = item.oid, item.size
        if not valid_oid(oid) or size < 0:
            answers.append({"oid": oid[:64], "size": size,
                            "error": {"code": 422, "message": f"An object needs a sha256 oid and a size: {OID_RULE}."}})
        elif await run_in_threadpool(available, hub, who, repo_id, oid, size):
            answers.append({"oid": oid, "size": size})
        else:
            href = f"{base}/{repo_id}.git/info/lfs/objects/{oid}?{request.app.state.tickets.issue(repo_id, oid, size)}"
            answers.append({"oid": oid, "size": size, "actions": {
                "upload": {"href": href},
                "verify": {"href": f"{base}/{repo_id}.git/info/lfs/objects/{oid}/verify"},
            }})
    return JSONResponse({"transfer": "basic", "objects": answers, "hash_algo": "sha256"}, media_type=LFS_JSON)


@router.put("/{repo_id:repo}.git/info/lfs/objects/{oid}")
async def upload(repo_id: str, oid: str, request: Request):
    hub = served(request)
    query = request.query_params
    try:
        size, expires, signature = int(query["size"]), int(query["expires"]), query["signature"]
    except (KeyError, ValueError):
        raise HubHTTPError(403, "This upload URL is not signed; ask the batch endpoint for one.") from None
    if not valid_oid(oid) or not request.app.state.tickets.check(repo_id, oid, size, expires, signature):
        await run_in_threadpool(hub.access.record, "unsigned upload", "upload", repo_id, allowed=False,
                                detail=f"object {oid[:64]}")
        raise HubHTTPError(403, "This upload URL is invalid or has expired; ask the batch endpoint for a new one.")
    limits.allow_body(request, size, "the size this upload URL was signed for")
    digest, received = hashlib.sha256(), 0
    with hub.staging.partial() as out:
        try:
            buffer = bytearray()
            async for chunk in request.stream():
                buffer += chunk
                if len(buffer) >= WRITE_BUFFER:
                    digest.update(buffer)
                    out.write(buffer)
                    received += len(buffer)
                    buffer.clear()
            digest.update(buffer)
            out.write(buffer)
            received += len(buffer)
        except BaseException as error:
            os.unlink(out.name)
            if isinstance(error, HubHTTPError):
                await run_in_threadpool(hub.access.record, "signed upload", "upload", repo_id, allowed=False,
                                        detail=f"object {oid}: {error.message}")
            raise
    if received != size or digest.hexdigest() != oid:
        os.unlink(out.name)
        message = (f"The uploaded bytes ({received} bytes, sha256 {digest.hexdigest()[:12]}…) do not match "
                   f"the object announced ({size} bytes, sha256 {oid[:12]}…).")
        await run_in_threadpool(hub.access.record, "signed upload", "upload", repo_id, allowed=False,
                                detail=f"object {oid}: {message}")
        raise bad_request(message)
    hub.staging.keep(out.name, repo_id, oid)
    return Response(status_code=200)


@router.post("/{repo_id:repo}.git/info/lfs/objects/{oid}/verify")
async def verify(repo_id: str, oid: str, body: VerifyRequest, request: Request):
    hub = served(request)
    who = require(request, "write", repo_id, "upload")
    if not valid_oid(oid) or not await run_in_threadpool(available, hub, who, repo_id, oid, body.size):
        raise HubHTTPError(404, f"Object {oid[:12]}… was not uploaded completely; upload it again.")
    return JSONResponse({"message": "ok"}, media_type=LFS_JSON)
