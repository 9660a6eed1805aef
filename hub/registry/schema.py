"""Opening a registry database: the engine, SQLite's settings, and migrations applied once under a lock.

SQLite runs in WAL mode (readers never wait for the writer) with foreign keys on and a busy
timeout. Its ``synchronous=NORMAL`` syncs the log at checkpoints rather than at every commit, as
SQLite recommends with WAL: a commit survives the process being killed at any moment, and a
power cut can lose only the newest commits, never consistency (blobs are synced before the commit
that refers to them, so a lost commit leaves only unreferenced blobs). Every write transaction
starts with ``BEGIN IMMEDIATE``: a transaction that read first and wrote later could otherwise
fail at once with "database is locked" instead of waiting its turn. Migrations run in such a
transaction on SQLite and under an advisory lock on PostgreSQL, so processes opening a new
registry at the same moment take turns and the schema is created exactly once.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import time
from pathlib import Path
from typing import Iterator

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import create_engine

from hub.errors import HubError

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any fixed number: PostgreSQL advisory locks are named by integers.
SCHEMA_LOCK_KEY = 0xEC0_4B
MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_settings(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # As on PostgreSQL: a name glob must not match other letter cases.
    cursor.execute("PRAGMA case_sensitive_like=ON")
    _use_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _use_wal(cursor) -> None:
    """Switch a new database to WAL, which needs a moment alone with the file: retry until it gets one."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        result = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(result, "connect", _sqlite_settings)
        return result
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_pre_ping=True)


@contextlib.contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction that waits for other writers instead of failing; commits on success."""
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield connection


@functools.cache
def head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration; cheap when it is there already."""
    with engine.connect() as connection:
        if current(connection) == head():
            return
    from alembic import command
    from alembic.config import Config

    with writing(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        found = current(connection)
        if found == head():
            return
        if found is None and inspect(connection).has_table("model"):
            raise HubError(
                f"The registry at {engine.url.render_as_string(hide_password=True)} was made by an ecohub "
                "from before schema migrations, and cannot be upgraded in place.",
                "Move registry.db and hub-store/ aside and register the models again.",
            )
        settings = Config()
        settings.set_main_option("script_location", str(MIGRATIONS))
        settings.attributes["connection"] = connection
        command.upgrade(settings, "head")
