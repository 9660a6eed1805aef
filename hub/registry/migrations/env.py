"""Alembic's entry point: migrate the connection the registry hands over, inside its transaction and lock."""

from alembic import context

from hub.registry.tables import SQLModel

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
