"""The registry's schema migrations, run by :func:`hub.registry.schema.upgrade` when a registry opens.

Each file in ``versions/`` is one Alembic migration. To change the schema, change
:mod:`hub.registry.tables` and add a migration whose ``down_revision`` is the current head;
``tests/test_registry_schema.py`` checks that the migrations build exactly the tables declared
there, on SQLite and on PostgreSQL. SQLite cannot alter most constraints in place, so write
``op.batch_alter_table`` blocks, which Alembic turns into copy-and-rename there.
"""
