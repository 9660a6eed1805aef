"""The Hub's read API: model info, tree listing, refs, ``resolve``, ``whoami`` and model search.

What ``hf_hub_download``, ``snapshot_download``, ``model_info``, ``list_models`` and
``from_pretrained`` call, answered from the registry.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from urllib.parse import urlencode

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response, StreamingResponse

from hub.errors import IntegrityError
from hub.serve import blobs, routing
from hub.serve.auth import caller, served
from hub.serve.errors import HubHTTPError, bad_request, entry_not_found, error_response, unauthorized
from hub.sharing.gitids import etag, git_id, is_lfs, lfs_pointer
from hub.sharing.record import is_record_path

router = routing.router(include_in_schema=False)
PAGE = 1000


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _next_link(request: Request, cursor: int) -> dict[str, str]:
    query = dict(request.query_params)
    query["cursor"] = str(cursor)
    return {"Link": f'<{request.url.replace(query=urlencode(query))}>; rel="next"'}


def _number(request: Request, key: str, default: int) -> int:
    value = request.query_params.get(key) or str(default)
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise bad_request(f"'{key}' is a whole number of at most 18 digits, not '{value[:50]}'.")
    return int(value)


def _page(request: Request, items: list) -> JSONResponse:
    """One page of ``items``, with a ``Link: rel="next"`` header while more remain."""
    start = _number(request, "cursor", 0)
    size = min(max(_number(request, "limit", PAGE), 1), PAGE)
    page = items[start:start + size]
    headers = _next_link(request, start + size) if start + size < len(items) else {}
    return JSONResponse(page, headers=headers)


# -- model info ------------------------------------------------------------------------------

def _tags(metadata: dict) -> list[str]:
    tags = list(metadata.get("tags") or [])
    for key in ("library_name", "pipeline_tag"):
        if metadata.get(key):
            tags.append(metadata[key])
    if metadata.get("license"):
        tags.append(f"license:{metadata['license']}")
    tags += [f"dataset:{name}" for name in metadata.get("datasets") or []]
    tags += [f"base_model:{name}" for name in metadata.get("base_model") or []]
    return list(dict.fromkeys(tags))


def _sibling(file, blobs_wanted: bool) -> dict:
    sibling = {"rfilename": file.path}
    if blobs_wanted:
        sibling.update(size=file.size, blobId=git_id(file))
        if is_lfs(file.path, file.size):
            sibling["lfs"] = {"size": file.size, "sha256": file.sha256,
                              "pointerSize": len(lfs_pointer(file.sha256, file.size))}
    return sibling


def model_info(hub, name: str, version, *, full: bool = True, blobs_wanted: bool = False) -> dict:
    metadata = hub.card(version) if version is not None else {}
    commit = hub.commit(name, version)
    settings = hub.access.settings(name)
    info = {
        "_id": commit, "id": name, "modelId": name, "author": name.split("/")[0] if "/" in name else None,
        "sha": commit, "private": bool(settings and settings.private),
        "gated": "manual" if settings and settings.gated else False, "disabled": False,
        "downloads": 0, "likes": 0, "tags": _tags(metadata),
        "library_name": metadata.get("library_name"), "pipeline_tag": metadata.get("pipeline_tag"),
    }
    if version is not None:
        info.update(lastModified=iso(version.created_at), createdAt=iso(version.created_at),
                    ecohub={"version": version.version, "license": version.license})
    if full:
        info["cardData"] = metadata
        info["siblings"] = [_sibling(file, blobs_wanted) for file in hub.shown(version)[0]]
    return info


def _wants(request: Request, key: str) -> bool:
    return request.query_params.get(key, "").lower() in ("1", "true")


@router.get("/api/models/{repo_id:repo}/revision/{revision}")
def model_info_at(repo_id: str, revision: str, request: Request):
    hub = served(request)
    version = hub.at(caller(request), repo_id, revision)
    return model_info(hub, repo_id, version, blobs_wanted=_wants(request, "blobs"))


@router.get("/api/models")
def list_models(request: Request):
    hub = served(request)
    who = caller(request)
    query = request.query_params
    search = (query.get("search") or "").lower()
    author = query.get("author")
    wanted_tags = set(query.getlist("filter"))
    full = _wants(request, "full") or _wants(request, "cardData")
    names = sorted({record.name for record in hub.registry.list_models()} | hub.access.declared_names())
    found = []
    for name in names:
        if search not in name.lower() or (author and not name.startswith(author + "/")):
            continue
        if not hub.access.can_read(who, name):
            continue
        info = model_info(hub, name, hub.latest(name), full=full)
        if wanted_tags <= set(info["tags"]):
            found.append(info)
    sort = query.get("sort")
    if sort in ("lastModified", "createdAt", "id"):
        found.sort(key=lambda info: info.get(sort) or "", reverse=query.get("direction") == "-1")
    return _page(request, found)


# -- tree ------------------------------------------------------------------------------------

def _file_entry(file) -> dict:
    entry = {"type": "file", "oid": git_id(file), "size": file.size, "path": file.path}
    if is_lfs(file.path, file.size):
        entry["lfs"] = {"oid": file.sha256, "size": file.size,
                        "pointerSize": len(lfs_pointer(file.sha256, file.size))}
    return entry


def _directory_entry(commit: str, path: str) -> dict:
    oid = hashlib.sha1(f"ecohub tree\n{commit}\n{path}\n".encode()).hexdigest()
    return {"type": "directory", "oid": oid, "size": 0, "path": path}


def _directories(paths: list[str]) -> set[str]:
    found = set()
    for path in paths:
        parts = path.split("/")[:-1]
        found.update("/".join(parts[:index]) for index in range(1, len(parts) + 1))
    return found


def tree_entries(hub, name: str, version, prefix: str, recursive: bool) -> list[dict]:
    commit = hub.commit(name, version)
    prefix = prefix.strip("/")
    files = hub.shown(version)[0]
    directories = _directories([file.path for file in files])
    if prefix and prefix not in directories:
        raise entry_not_found(name, prefix, commit)
    base = prefix + "/" if prefix else ""

    def shown(path: str) -> bool:
        rest = path[len(base):]
        return path.startswith(base) and rest != "" and (recursive or "/" not in rest)

    entries = [_file_entry(file) for file in files if shown(file.path)]
    entries += [_directory_entry(commit, path) for path in directories if shown(path)]
    return sorted(entries, key=lambda entry: entry["path"])


@router.get("/api/models/{repo_id:repo}/tree/{revision}")
@router.get("/api/models/{repo_id:repo}/tree/{revision}/{path:path}")
def tree(repo_id: str, revision: str, request: Request, path: str = ""):
    hub = served(request)
    version = hub.at(caller(request), repo_id, revision)
    return _page(request, tree_entries(hub, repo_id, version, path, _wants(request, "recursive")))


@router.post("/api/models/{repo_id:repo}/paths-info/{revision}")
async def paths_info(repo_id: str, revision: str, request: Request):
    form = await request.form()
    wanted = {path.strip("/") for path in form.getlist("paths") if isinstance(path, str)}
    hub = served(request)
    version = hub.at(caller(request), repo_id, revision)
    entries = tree_entries(hub, repo_id, version, "", recursive=True)
    return [entry for entry in entries if entry["path"] in wanted]


@router.get("/api/models/{repo_id:repo}/refs")
def refs(repo_id: str, request: Request):
    hub = served(request)
    latest = hub.readable(caller(request), repo_id)
    branch = {"name": "main", "ref": "refs/heads/main", "targetCommit": hub.commit(repo_id, latest)}
    tags = [{"name": f"v{version.version}", "ref": f"refs/tags/v{version.version}",
             "targetCommit": hub.commit(repo_id, version)} for version in hub.versions(latest)]
    return {"branches": [branch], "tags": tags, "converts": []}


@router.get("/api/models/{repo_id:repo}")
def model_info_latest(repo_id: str, request: Request):
    hub = served(request)
    return model_info(hub, repo_id, hub.readable(caller(request), repo_id), blobs_wanted=_wants(request, "blobs"))


# -- whoami ----------------------------------------------------------------------------------

@router.get("/api/whoami-v2")
def whoami(request: Request):
    who = caller(request)
    if who.token is None:
        raise unauthorized()
    role = "write" if who.token.allows("write") else "read"
    return {"type": "user", "id": who.name, "name": who.name, "fullname": who.name, "orgs": [],
            "auth": {"type": "access_token", "accessToken": {"displayName": who.name, "role": role}},
            "ecohub": {"scope": who.token.scope, "model_pattern": who.token.model_pattern}}


# -- resolve ---------------------------------------------------------------------------------

@router.api_route("/{repo_id:repo}/resolve/{revision}/{path:path}", methods=["GET", "HEAD"])
async def resolve(repo_id: str, revision: str, path: str, request: Request) -> Response:
    """A file's bytes, a range of them, or (for HEAD) only its headers, at a revision.

    Every download asks this for each file, eight at once, so it runs on the event loop: handing a
    request to a worker thread cost more than answering it (0.3-0.5 ms of hand-off, and most of a
    burst's latency). What it does there is bounded and writes nothing: reading the caller's token
    and the repository's settings (lookups by key), a commit already served (kept in memory), and
    the bytes of files under ``blobs.READ_INLINE_LIMIT``. Resolving any other revision, refusing
    (which is audited), and reading larger files happen in worker threads.
    """
    hub = served(request)
    who = caller(request)
    version = hub.served_before(who, repo_id, revision) or await run_in_threadpool(
        hub.at, who, repo_id, revision, contents=True)
    commit = hub.commit(repo_id, version)
    if is_record_path(path):
        files, built = await run_in_threadpool(hub.shown, version)
    else:
        files, built = (version.files if version else []), {}
    file = next((f for f in files if f.path == path), None)
    if file is None:
        raise entry_not_found(repo_id, path, commit)
    headers = {"X-Repo-Commit": commit, "ETag": f'"{etag(file)}"', "Accept-Ranges": "bytes",
               "Content-Type": "application/octet-stream"}
    try:
        span = blobs.parse_range(request.headers.get("range"), file.size)
    except blobs.RangeNotSatisfiable:
        unsatisfiable = error_response(HubHTTPError(416, f"The range asked for is not within '{path}', which has "
                                                         f"{file.size} bytes.", "RangeNotSatisfiable", commit=commit))
        unsatisfiable.headers["Content-Range"] = f"bytes */{file.size}"
        return unsatisfiable
    start, end = span if span else (0, file.size - 1)
    status = 206 if span else 200
    if span:
        headers["Content-Range"] = f"bytes {start}-{end}/{file.size}"
    headers["Content-Length"] = str(end - start + 1)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers)
    if path in built:
        return Response(built[path][start:end + 1], status_code=status, headers=headers)
    name = f"{repo_id}@{commit[:12]}/{path}"
    store = hub.registry.store
    try:
        if file.size <= blobs.READ_INLINE_LIMIT:
            return Response(blobs.checked(store, file.sha256, name, start, end), status_code=status, headers=headers)
        if file.size <= blobs.CHECK_FIRST_LIMIT:
            body = await run_in_threadpool(blobs.checked, store, file.sha256, name, start, end)
            return Response(body, status_code=status, headers=headers)
        pieces = store.iter_bytes(file.sha256, name)  # a missing or unreadable manifest raises here
    except IntegrityError as error:
        raise HubHTTPError(500, error.message) from None
    return StreamingResponse(blobs.sent_ahead(blobs.streamed(pieces, start, end)), status_code=status, headers=headers)
