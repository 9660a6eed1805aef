"""Bearer tokens: created with a scope and a model pattern, stored as a hash, revocable.

A token reads (``read``), also writes (``write``), or also changes settings (``admin``), and only
for models whose name matches its pattern (``team/*``). The secret is shown once, when the token
is created; the registry keeps its sha256, which is enough because the secret is 256 random bits.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlmodel import Session, select

from hub.access.tables import AccessToken
from hub.errors import HubError, UnknownNameError

SCOPES = ("read", "write", "admin")
SECRET_PREFIX = "ecohub_"
# What create() makes: the prefix and 32 random bytes, url-safe base64. Anything else is refused
# as malformed without asking the database.
SECRET_FORM = re.compile(re.escape(SECRET_PREFIX) + r"[A-Za-z0-9_-]{43}")
EXPIRY_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1)}


@dataclass(frozen=True)
class TokenRecord:
    id: int
    name: str
    scope: str
    model_pattern: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def status(self) -> str:
        """``active``, ``revoked`` or ``expired``: what the audit trail says of a token refused."""
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.expires_at is None or self.expires_at > _now() else "expired"

    def allows(self, scope: str) -> bool:
        return SCOPES.index(self.scope) >= SCOPES.index(scope)

    def covers(self, model: str) -> bool:
        return fnmatch.fnmatchcase(model, self.model_pattern)

    def as_dict(self) -> dict:
        return {
            "id": self.id, "name": self.name, "scope": self.scope, "model_pattern": self.model_pattern,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "active": self.active,
        }


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_expiry(value: str | None) -> datetime | None:
    """``30d``, ``12h`` or an ISO date (``2026-12-31``); None means the token never expires."""
    if not value:
        return None
    unit = EXPIRY_UNITS.get(value[-1:])
    if unit is not None and value[:-1].isdigit():
        return _now() + int(value[:-1]) * unit
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise HubError(f"'{value}' is not an expiry.", "Use a duration such as 30d or 12h, or a date such as "
                       "2026-12-31.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _record(row: AccessToken) -> TokenRecord:
    return TokenRecord(id=row.id, name=row.name, scope=row.scope, model_pattern=row.model_pattern,
                       created_at=row.created_at, expires_at=row.expires_at, revoked_at=row.revoked_at)


class Tokens:
    """The tokens of one registry database (opened, and so migrated, as a ``Registry``)."""

    def __init__(self, engine):
        self.engine = engine

    def create(self, name: str, scope: str, model_pattern: str = "*",
               expires_at: datetime | None = None) -> tuple[TokenRecord, str]:
        """A new token and its secret, which is not kept and cannot be shown again."""
        if scope not in SCOPES:
            raise HubError(f"'{scope}' is not a token scope.", f"Use one of {', '.join(SCOPES)}.")
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        with Session(self.engine) as session:
            if session.exec(select(AccessToken).where(AccessToken.name == name)).first():
                raise HubError(f"A token named '{name}' already exists.",
                               "Choose another --name, or revoke the old token first.")
            row = AccessToken(name=name, secret_hash=_hash(secret), scope=scope, model_pattern=model_pattern,
                              expires_at=expires_at)
            session.add(row)
            session.commit()
            session.refresh(row)
            return _record(row), secret

    def list(self) -> list[TokenRecord]:
        with Session(self.engine) as session:
            return [_record(row) for row in session.exec(select(AccessToken).order_by(AccessToken.id))]

    def revoke(self, name: str) -> TokenRecord:
        with Session(self.engine) as session:
            row = session.exec(select(AccessToken).where(AccessToken.name == name)).first()
            if row is None:
                raise UnknownNameError(f"No token named '{name}'.", "Run 'hub token list' to see the tokens.")
            if row.revoked_at is None:
                row.revoked_at = _now()
                session.add(row)
                session.commit()
                session.refresh(row)
            return _record(row)

    def find(self, secret: str) -> TokenRecord | None:
        """The token with this secret, active or not (its ``status`` says), or None."""
        with Session(self.engine) as session:
            row = session.exec(select(AccessToken).where(AccessToken.secret_hash == _hash(secret))).first()
        return None if row is None else _record(row)
