"""Who is acting, what they may do without a justification, and the log of what everyone did.

Identity comes from the environment, as git's does: ``HUB_USER`` (else the login name) names the
actor, and ``HUB_ADMINS`` lists the people who may move protected aliases without a
justification. A server in front of the registry passes the authenticated user as ``actor``.
Every change is written to ``audit_event`` in the same transaction as the change itself, and the
database refuses to update or delete those rows.
"""

from __future__ import annotations

import functools
import getpass
import os
from typing import Any, Mapping

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from hub.registry.tables import AuditEvent, utcnow

PROTECTED_ALIASES = ("production",)
APPEND = insert(AuditEvent.__table__)


def current_actor(actor: str | None = None) -> str:
    return actor or os.environ.get("HUB_USER") or _login()


@functools.cache
def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name, as in some containers
        return "unknown"


def is_admin(actor: str) -> bool:
    return actor in {name.strip() for name in os.environ.get("HUB_ADMINS", "").split(",") if name.strip()}


def is_protected(alias: str) -> bool:
    """``production`` and the aliases in ``HUB_PROTECTED_ALIASES`` (comma-separated) are protected."""
    extra = {name.strip() for name in os.environ.get("HUB_PROTECTED_ALIASES", "").split(",") if name.strip()}
    return alias in PROTECTED_ALIASES or alias in extra


def record(connection: Connection, actor: str, action: str, target: str, justification: str | None = None,
           details: Mapping[str, Any] | None = None) -> None:
    """Append an event, in the transaction of the change it describes."""
    connection.execute(APPEND, {"at": utcnow(), "actor": actor, "action": action, "target": target,
                                "justification": justification or "", "details": dict(details or {})})
