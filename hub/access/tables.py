"""The access tables: tokens, and repository settings (visibility).

They live in the registry's database; the migration ``access1`` (in
``hub/registry/migrations/versions``) creates them, and must change together with this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, Column, Integer, String, Text
from sqlmodel import Field, SQLModel

from hub.registry.tables import UTCDateTime, utcnow


def _moment(nullable: bool = False) -> Column:
    return Column(UTCDateTime, nullable=nullable)


class AccessToken(SQLModel, table=True):
    __tablename__ = "access_token"

    id: Optional[int] = Field(default=None, sa_column=Column(Integer, primary_key=True))
    name: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    # sha256 of the secret: the secret itself is shown once and never stored.
    secret_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    scope: str = Field(sa_column=Column(String(10), nullable=False))
    model_pattern: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_moment())
    expires_at: Optional[datetime] = Field(default=None, sa_column=_moment(nullable=True))
    revoked_at: Optional[datetime] = Field(default=None, sa_column=_moment(nullable=True))


class RepoSettings(SQLModel, table=True):
    """A served repository's settings; a model without a row is public and not gated.

    A private repository is invisible without a read token; a gated one is visible, but its files
    need a read token (the Hub's ``GatedRepo``).
    """

    __tablename__ = "repo_settings"

    name: str = Field(sa_column=Column(String(201), primary_key=True))
    private: bool = Field(sa_column=Column(Boolean, nullable=False))
    gated: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    created_by: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_moment())
