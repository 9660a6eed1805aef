"""What a caller may do: read public models, read private and write models their token covers.

A private model answers as if it did not exist to anyone who may not read it, the way the Hugging
Face Hub does, so its name does not leak. Every write, and every refused attempt, goes to the
registry's audit log with the id of the token used (never its secret) and, for a token refused,
why: expired, revoked, unknown or malformed.
"""

from __future__ import annotations

from dataclasses import dataclass

from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hub.access.tables import RepoSettings
from hub.access.tokens import SECRET_FORM, TokenRecord, Tokens
from hub.registry import audit
from hub.registry.schema import writing
from hub.registry.tables import AuditEvent

ANONYMOUS = "anonymous"
TARGET_WIDTH = AuditEvent.__table__.c.target.type.length


@dataclass(frozen=True)
class AccessEvent:
    at: datetime
    actor: str
    action: str
    target: str
    allowed: bool
    detail: str
    token: int | None


@dataclass(frozen=True)
class Visibility:
    """Who may see a repository: nobody without access when private; its files need a token when gated."""

    private: bool
    gated: bool


_VISIBILITY = select(RepoSettings.private, RepoSettings.gated).where(RepoSettings.name == bindparam("name"))


@dataclass(frozen=True)
class Caller:
    """Who is calling: an active token, or nobody (``token is None``).

    A token sent but refused leaves ``token`` None and says why in ``refused`` (``expired``,
    ``revoked``, ``unknown`` or ``malformed``), with the token it names in ``presented`` when there
    is one: such a request is refused whole, never served as anonymous.
    """

    token: TokenRecord | None = None
    refused: str | None = None
    presented: TokenRecord | None = None

    @property
    def rejected(self) -> bool:
        return self.refused is not None

    @property
    def name(self) -> str:
        known = self.token or self.presented
        return known.name if known else ANONYMOUS

    @property
    def token_id(self) -> int | None:
        known = self.token or self.presented
        return known.id if known else None

    def has(self, scope: str, model: str) -> bool:
        return self.token is not None and self.token.allows(scope) and self.token.covers(model)


class Access:
    """Visibility, tokens and the audit trail of one registry database."""

    def __init__(self, engine):
        self.engine = engine
        self.tokens = Tokens(engine)

    def caller(self, secret: str | None) -> Caller:
        """The caller a secret names; None is anonymous, and ``""`` (an empty credential) is malformed."""
        if secret is None:
            return Caller()
        if not SECRET_FORM.fullmatch(secret):
            return Caller(refused="malformed")
        token = self.tokens.find(secret)
        if token is None:
            return Caller(refused="unknown")
        return Caller(token=token) if token.active else Caller(refused=token.status, presented=token)

    # -- visibility ------------------------------------------------------------------------

    def settings(self, name: str) -> Visibility | None:
        """Whether a repository is private or gated; None when it has no settings (public, not gated).

        Every file a client downloads asks this, so it is one prepared statement on a pooled
        connection: an ORM session took four times as long.
        """
        with self.engine.connect() as connection:
            row = connection.execute(_VISIBILITY, {"name": name}).first()
        return None if row is None else Visibility(private=row.private, gated=row.gated)

    def is_private(self, name: str) -> bool:
        settings = self.settings(name)
        return bool(settings and settings.private)

    def private_names(self) -> set[str]:
        with Session(self.engine) as session:
            return set(session.exec(select(RepoSettings.name).where(RepoSettings.private)))

    def declared_names(self) -> set[str]:
        """Repositories created through the API, with or without a version yet."""
        with Session(self.engine) as session:
            return set(session.exec(select(RepoSettings.name)))

    def declare(self, name: str, *, private: bool, by: str) -> bool:
        """Record a new repository; False when it was already declared, even by a racing request."""
        with Session(self.engine) as session:
            if session.get(RepoSettings, name) is not None:
                return False
            session.add(RepoSettings(name=name, private=private, created_by=by))
            try:
                session.commit()
            except IntegrityError:
                return False
            return True

    def update(self, name: str, *, by: str, private: bool | None = None, gated: bool | None = None) -> RepoSettings:
        with Session(self.engine) as session:
            settings = session.get(RepoSettings, name) or RepoSettings(name=name, private=False, created_by=by)
            if private is not None:
                settings.private = private
            if gated is not None:
                settings.gated = gated
            session.add(settings)
            session.commit()
            session.refresh(settings)
            return settings

    def set_private(self, name: str, private: bool, *, by: str) -> None:
        self.update(name, private=private, by=by)

    def can_read(self, caller: Caller, name: str) -> bool:
        return not caller.rejected and (not self.is_private(name) or caller.has("read", name))

    # -- audit -----------------------------------------------------------------------------

    def record(self, caller: Caller | str, action: str, target: str, *, allowed: bool, detail: str = "") -> None:
        """Write an event to the registry's audit log; a refusal is an event too.

        ``caller`` is a string for what acts without a token (a signed upload URL). ``target`` is
        cut to the column's width: a refused request may name anything."""
        actor, token = (caller, None) if isinstance(caller, str) else (caller.name, caller.token_id)
        with writing(self.engine) as connection:
            audit.record(connection, actor, action, target[:TARGET_WIDTH],
                         details={"via": "hub serve", "allowed": allowed, "detail": detail, "token": token})

    def events(self, target: str | None = None) -> list[AccessEvent]:
        """The audit log's events that came through ``hub serve``, oldest first."""
        with Session(self.engine) as session:
            query = select(AuditEvent).order_by(AuditEvent.id)
            if target is not None:
                query = query.where(AuditEvent.target == target)
            rows = [row for row in session.exec(query) if (row.details or {}).get("via") == "hub serve"]
        return [AccessEvent(at=row.at, actor=row.actor, action=row.action, target=row.target,
                            allowed=row.details["allowed"], detail=row.details.get("detail", ""),
                            token=row.details.get("token")) for row in rows]
