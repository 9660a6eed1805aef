"""The caller of a request, from its ``Authorization: Bearer`` header, and the gate on scopes.

A request that carries a token it may not use (expired, revoked, unknown or malformed) never gets
this far: :mod:`hub.serve.boundary` refuses it first.
"""

from __future__ import annotations

from starlette.requests import Request

from hub.access.policy import Caller
from hub.serve.context import Served
from hub.serve.errors import HubHTTPError, forbidden

BEARER = "bearer"
VERBS = {"write": "write to", "admin": "change the settings of"}


def served(request: Request) -> Served:
    return request.app.state.served


def credential(request: Request) -> str | None:
    """The secret an ``Authorization`` header carries; None without one, ``""`` when it is not ``Bearer <secret>``."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, secret = header.strip().partition(" ")
    return secret.strip() if scheme.lower() == BEARER else ""


def caller(request: Request) -> Caller:
    known = getattr(request.state, "caller", None)
    if known is None:
        known = request.state.caller = served(request).access.caller(credential(request))
    return known


def require(request: Request, scope: str, name: str, action: str) -> Caller:
    """The caller, when its token has ``scope`` (write or admin) over ``name``; a refusal is audited.

    A refusal reads the same whether ``name`` exists, is private or is missing, so it tells a
    caller nothing about repositories it may not read."""
    who = caller(request)
    if who.has(scope, name):
        return who
    reason = "no token" if who.token is None else f"token scope '{who.token.scope}' for '{who.token.model_pattern}'"
    served(request).access.record(who, action, name, allowed=False, detail=f"{reason}; needs {scope}")
    if who.token is None:
        raise HubHTTPError(401, f"To {VERBS[scope]} '{name}' you need a token with {scope} scope: create one with "
                                f"'hub token create --scope {scope}' and pass it as token=.")
    raise forbidden(f"Your token '{who.name}' may not {VERBS[scope]} '{name}' ({reason}).")
