"""The caller of a request, from its ``Authorization: Bearer`` header, and the write gate."""

from __future__ import annotations

from starlette.requests import Request

from hub.access.policy import Caller
from hub.serve.context import Served
from hub.serve.errors import HubHTTPError, forbidden, repo_not_found, unauthorized

BEARER = "bearer "


def served(request: Request) -> Served:
    return request.app.state.served


def caller(request: Request) -> Caller:
    known = getattr(request.state, "caller", None)
    if known is None:
        header = request.headers.get("authorization", "")
        secret = header[len(BEARER):].strip() if header.lower().startswith(BEARER) else None
        known = request.state.caller = served(request).access.caller(secret)
    return known


def require_write(request: Request, name: str, action: str) -> Caller:
    """The caller, when it may write ``name``; refusals are audited and answered as the Hub does."""
    who = caller(request)
    hub = served(request)
    if who.has("write", name):
        return who
    reason = ("invalid token" if who.rejected else "no token" if who.token is None
              else f"token scope '{who.token.scope}' for '{who.token.model_pattern}'")
    hub.access.record(who, action, name, allowed=False, detail=reason)
    if who.rejected:
        raise unauthorized()
    if not hub.access.can_read(who, name) and hub.exists(name):
        raise repo_not_found(name)
    if who.token is None:
        raise HubHTTPError(401, f"Writing to '{name}' needs a token with write scope: create one with "
                                "'hub token create --scope write' and pass it as token=.")
    raise forbidden(f"Your token '{who.name}' may not write to '{name}' ({reason}).")
