"""Schema migrations and what the database itself guarantees, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, inspect, text, update
from sqlalchemy.exc import DBAPIError

from hub.errors import HubError
from hub.registry import Registry, schema
from hub.registry.tables import AuditEvent, SQLModel


def declared(obj, name, kind, reflected, compare_to) -> bool:
    """Compare the tables this process has declared; other modules' tables are checked by their own tests."""
    table = name if kind == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table is None or table in SQLModel.metadata.tables


def test_migrations_build_exactly_the_declared_tables(registry):
    with registry.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": declared})
        differences = compare_metadata(context, SQLModel.metadata)

    assert differences == []


def test_the_schema_is_at_the_newest_migration(registry):
    with registry.engine.connect() as connection:
        assert schema.current(connection) == schema.head()


def migrate(registry: Registry, target: str, direction) -> None:
    with schema.writing(registry.engine) as connection:
        settings = Config()
        settings.set_main_option("script_location", str(schema.MIGRATIONS))
        settings.attributes["connection"] = connection
        direction(settings, target)


def test_the_baseline_can_be_undone_and_redone(registry, weights):
    migrate(registry, "base", command.downgrade)
    with registry.engine.connect() as connection:
        assert not inspect(connection).has_table("model_version")

    migrate(registry, "head", command.upgrade)

    assert registry.register_version("churn", files=weights, license="mit").ref == "churn:1"


def test_opening_an_upgraded_registry_again_changes_nothing(registry, weights, store_dir):
    registry.register_version("churn", files=weights, license="mit")

    again = Registry(registry.url, store_dir)

    assert again.get_version("churn").ref == "churn:1"
    again.close()


@pytest.mark.parametrize("change", [
    lambda table: update(table).values(actor="someone else"),
    lambda table: delete(table),
], ids=["update", "delete"])
def test_the_audit_log_cannot_be_changed(registry, weights, change):
    registry.register_version("churn", files=weights, license="mit")

    with pytest.raises(DBAPIError, match="append-only"):
        with registry.engine.begin() as connection:
            connection.execute(change(AuditEvent.__table__))

    assert [event.action for event in registry.audit_log()] == ["version.register"]


def test_a_registry_from_before_migrations_is_refused_with_what_to_do(tmp_path):
    old = tmp_path / "registry.db"
    with sqlite3.connect(old) as connection:
        connection.execute("CREATE TABLE model (id INTEGER PRIMARY KEY, name VARCHAR)")

    with pytest.raises(HubError) as error:
        Registry(f"sqlite:///{old}", tmp_path / "store")

    assert "from before schema migrations" in error.value.message
    assert "Move registry.db and hub-store/ aside" in error.value.hint


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    registry = Registry(f"sqlite:///{tmp_path / 'registry.db'}", tmp_path / "store")
    with registry.engine.connect() as connection:
        settings = [connection.execute(text(f"PRAGMA {name}")).scalar()
                    for name in ("journal_mode", "foreign_keys", "busy_timeout")]
    registry.close()

    assert settings == ["wal", 1, schema.SQLITE_BUSY_TIMEOUT_MS]
