"""The git-LFS batch API: where large files go before the commit that names them.

The batch call answers each object with an upload URL, or with no action when the registry
already holds those bytes (deduplication). The client PUTs to that URL without its token, so the
URL carries a signature. Uploads land in a staging directory, checked against their sha256 and
size; only a commit turns them into a registry version, so an interrupted upload leaves none.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
import time
from pathlib import Path

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from hub.serve import routing
from hub.serve.auth import require_write, served
from hub.serve.errors import HubHTTPError, bad_request, repo_not_found

router = routing.router(include_in_schema=False)
LFS_JSON = "application/vnd.git-lfs+json"
TICKET_SECONDS = 3600
WRITE_BUFFER = 1 << 20
SHA256_HEX = 64


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


def staged_path(hub, oid: str) -> Path:
    return hub.staging / oid


def have_object(hub, oid: str, size: int) -> bool:
    """Whether the bytes are already here: staged by an earlier upload, or in the registry's store."""
    staged = staged_path(hub, oid)
    if staged.is_file():
        return staged.stat().st_size == size
    return stored_size(hub.registry, oid) == size


def stored_size(registry, sha256: str) -> int | None:
    """The size of a file the registry's store holds, or None."""
    from sqlmodel import Session

    from hub.registry.tables import Blob

    with Session(registry.engine) as session:
        blob = session.get(Blob, sha256)
    return blob.size if blob is not None and registry.store.exists(sha256) else None


def _valid_oid(oid) -> bool:
    return isinstance(oid, str) and len(oid) == SHA256_HEX and all(c in "0123456789abcdef" for c in oid)


@router.post("/{repo_id:repo}.git/info/lfs/objects/batch")
async def batch(repo_id: str, request: Request):
    hub = served(request)
    require_write(request, repo_id, "upload")
    if not await run_in_threadpool(hub.exists, repo_id):
        raise repo_not_found(repo_id)
    body = await request.json()
    if body.get("operation") != "upload":
        raise bad_request("ecohub's LFS endpoint takes uploads only; download files through /resolve.")
    base = str(request.base_url).rstrip("/")
    answers = []
    for item in body.get("objects", []):
        oid, size = item.get("oid"), item.get("size")
        if not _valid_oid(oid) or not isinstance(size, int) or size < 0:
            answers.append({"oid": str(oid), "size": int(size or 0),
                            "error": {"code": 422, "message": "An object needs a sha256 oid and a size."}})
        elif await run_in_threadpool(have_object, hub, oid, size):
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
    if not _valid_oid(oid) or not request.app.state.tickets.check(repo_id, oid, size, expires, signature):
        hub.access.record("unsigned upload", "upload", repo_id, allowed=False, detail=f"object {oid}")
        raise HubHTTPError(403, "This upload URL is invalid or has expired; ask the batch endpoint for a new one.")
    digest, received = hashlib.sha256(), 0
    with tempfile.NamedTemporaryFile(dir=hub.staging, prefix=".upload-", delete=False) as out:
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
        except BaseException:
            os.unlink(out.name)
            raise
    if received != size or digest.hexdigest() != oid:
        os.unlink(out.name)
        raise bad_request(f"The uploaded bytes ({received} bytes, sha256 {digest.hexdigest()[:12]}…) do not match "
                          f"the object announced ({size} bytes, sha256 {oid[:12]}…).")
    os.replace(out.name, staged_path(hub, oid))
    return Response(status_code=200)


@router.post("/{repo_id:repo}.git/info/lfs/objects/{oid}/verify")
async def verify(repo_id: str, oid: str, request: Request):
    hub = served(request)
    require_write(request, repo_id, "upload")
    body = await request.json()
    if not _valid_oid(oid) or not await run_in_threadpool(have_object, hub, oid, int(body.get("size", -1))):
        raise HubHTTPError(404, f"Object {oid[:12]}… was not uploaded completely; upload it again.")
    return JSONResponse({"message": "ok"}, media_type=LFS_JSON)
