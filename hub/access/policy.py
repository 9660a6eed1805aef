"""What a caller may do: read public models, read private and write models their token covers.

A private model answers as if it did not exist to anyone who may not read it, the way the Hugging
Face Hub does, so its name does not leak. Every write, and every refused attempt, goes to the
registry's audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hub.access.tables import RepoSettings
from hub.access.tokens import TokenRecord, Tokens
from hub.registry import audit
from hub.registry.schema import writing
from hub.registry.tables import AuditEvent

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class AccessEvent:
    at: datetime
    actor: str
    action: str
    target: str
    allowed: bool
    detail: str


@dataclass(frozen=True)
class Visibility:
    """Who may see a repository: nobody without access when private; its files need a token when gated."""

    private: bool
    gated: bool


_VISIBILITY = select(RepoSettings.private, RepoSettings.gated).where(RepoSettings.name == bindparam("name"))


@dataclass(frozen=True)
class Caller:
    """Who is calling: a token, or nobody (``token is None``)."""

    token: TokenRecord | None = None
    # A token was sent but matches no active token: every request is refused, not served anonymously.
    rejected: bool = False

    @property
    def name(self) -> str:
        return self.token.name if self.token else ANONYMOUS

    def has(self, scope: str, model: str) -> bool:
        return self.token is not None and self.token.allows(scope) and self.token.covers(model)


class Access:
    """Visibility, tokens and the audit trail of one registry database."""

    def __init__(self, engine):
        self.engine = engine
        self.tokens = Tokens(engine)

    def caller(self, secret: str | None) -> Caller:
        if not secret:
            return Caller()
        token = self.tokens.authenticate(secret)
        return Caller(token=token, rejected=token is None)

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
        """Write an event to the registry's audit log; a refusal is an event too."""
        actor = caller if isinstance(caller, str) else caller.name
        with writing(self.engine) as connection:
            audit.record(connection, actor, action, target,
                         details={"via": "hub serve", "allowed": allowed, "detail": detail})

    def events(self, target: str | None = None) -> list[AccessEvent]:
        """The audit log's events that came through ``hub serve``, oldest first."""
        with Session(self.engine) as session:
            query = select(AuditEvent).order_by(AuditEvent.id)
            if target is not None:
                query = query.where(AuditEvent.target == target)
            rows = [row for row in session.exec(query) if (row.details or {}).get("via") == "hub serve"]
        return [AccessEvent(at=row.at, actor=row.actor, action=row.action, target=row.target,
                            allowed=row.details["allowed"], detail=row.details.get("detail", "")) for row in rows]
