"""What every request is checked for before its route runs: its token, its repository, its characters.

A token sent is either good or the request is refused (401) and audited with the token's id and
why (expired, revoked, unknown, malformed): a caller is never served as anonymous by mistake. A
repository named in the path must be a valid model name, or it answers as a repository that does
not exist. No path or query parameter may hold a control character (PostgreSQL refuses NUL in
text, and no name, revision or search needs one). Each is answered with a 4xx and a message.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from hub.errors import HubError
from hub.registry.naming import NAME_HINT, validate_name
from hub.serve.auth import caller, served
from hub.serve.errors import HubHTTPError, bad_request, unauthorized

REPO_PARAMETERS = ("repo_id", "name")
CONTROL = {chr(code) for code in (*range(32), 127)}


async def check_request(request: Request) -> None:
    """A FastAPI dependency of every route: refuse what no route should see."""
    for where, values in (("path", request.path_params.values()), ("query", request.query_params.values())):
        if any(CONTROL.intersection(value) for value in values if isinstance(value, str)):
            raise bad_request(f"The request's {where} holds a control character, which no name, revision, path "
                              "or search may hold.")
    repo = next((request.path_params[key] for key in REPO_PARAMETERS if key in request.path_params), None)
    if repo is not None:
        try:
            validate_name(repo)
        except HubError:
            raise HubHTTPError(404, f"Repository '{repo}' not found: it is not a valid name. {NAME_HINT}",
                               "RepoNotFound") from None
    if "authorization" in request.headers:
        who = caller(request)
        if who.rejected:
            await run_in_threadpool(served(request).access.record, who, "authenticate", repo or request.url.path,
                                    allowed=False, detail=f"{who.refused} token")
            raise unauthorized()
