"""Baseline: models, versions and what indexes them, blobs, aliases, reports, cards and the audit log.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = "the audit log is append-only: its events cannot be changed or deleted"


def name(length: int):
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def moment(column: str) -> sa.Column:
    return sa.Column(column, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "model",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("namespace", name(100), nullable=False),
        sa.Column("name", name(100), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("task", sa.String, nullable=False),
        moment("created_at"),
        sa.Column("version_count", sa.Integer, nullable=False),
        sa.UniqueConstraint("namespace", "name"),
    )
    op.create_index("ix_model_name", "model", ["name"])
    op.create_table(
        "model_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("model.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("commit", sa.String(40), nullable=False, unique=True),
        sa.Column("license", sa.Text, nullable=False),
        sa.Column("declared_license", sa.Text, nullable=False),
        sa.Column("license_link", sa.String, nullable=False),
        sa.Column("framework", sa.String, nullable=False),
        sa.Column("model_type", sa.String, nullable=False),
        sa.Column("trainer", sa.String, nullable=False),
        sa.Column("task", sa.String, nullable=False),
        sa.Column("manifest", sa.JSON, nullable=False),
        moment("created_at"),
        sa.Column("created_by", sa.String, nullable=False),
        sa.UniqueConstraint("model_id", "version"),
    )
    op.create_table(
        "blob",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("refcount", sa.Integer, nullable=False),
    )
    op.create_table(
        "version_file",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("model_version.id"), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blob.sha256"), nullable=False),
        sa.UniqueConstraint("version_id", "path"),
    )
    op.create_table(
        "version_tag",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("model_version.id"), nullable=False),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("model.id"), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.String(256), nullable=False),
        sa.UniqueConstraint("version_id", "key"),
    )
    op.create_index("ix_version_tag_key_value", "version_tag", ["key", "value", "model_id"])
    op.create_table(
        "version_license",
        sa.Column("version_id", sa.Integer, sa.ForeignKey("model_version.id"), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("model.id"), nullable=False),
    )
    op.create_index("ix_version_license_key", "version_license", ["key", "model_id"])
    op.create_table(
        "lineage_edge",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("model_version.id"), nullable=False),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("model.id"), nullable=False),
        sa.Column("relation", sa.String(20), nullable=False),
        sa.Column("parent_kind", sa.String(10), nullable=False),
        sa.Column("parent_ref", sa.String(300), nullable=False),
        sa.Column("parent_version_id", sa.Integer, sa.ForeignKey("model_version.id")),
        sa.Column("parent_model_id", sa.Integer, sa.ForeignKey("model.id")),
        sa.Column("license", sa.Text, nullable=False),
    )
    op.create_index("ix_lineage_edge_version_id", "lineage_edge", ["version_id"])
    op.create_index("ix_lineage_edge_parent_version_id", "lineage_edge", ["parent_version_id"])
    op.create_index("ix_lineage_edge_parent_model_id", "lineage_edge", ["parent_model_id", "model_id"])
    op.create_index("ix_lineage_edge_parent_ref", "lineage_edge", ["parent_kind", "parent_ref", "model_id"])
    op.create_table(
        "alias",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("model.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("model_version.id"), nullable=False),
        moment("updated_at"),
        sa.Column("updated_by", sa.String, nullable=False),
        sa.UniqueConstraint("model_id", "name"),
    )
    op.create_index("ix_alias_version_id", "alias", ["version_id"])
    op.create_table(
        "report",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("model_version.id"), nullable=False),
        sa.Column("evaluator", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("plugin", sa.String, nullable=False),
        sa.Column("dataset", sa.String, nullable=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blob.sha256"), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        moment("created_at"),
    )
    op.create_index("ix_report_version_id", "report", ["version_id"])
    op.create_table(
        "version_card",
        sa.Column("version_id", sa.Integer, sa.ForeignKey("model_version.id"), primary_key=True),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        moment("updated_at"),
        sa.Column("updated_by", sa.String, nullable=False),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer, primary_key=True),
        moment("at"),
        sa.Column("actor", sa.String, nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("justification", sa.Text, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_event_target", "audit_event", ["target", "id"])
    _append_only("audit_event")


def _append_only(table: str) -> None:
    """Make the database itself refuse to change or delete a row, whatever client is connected."""
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")
        return
    op.execute(f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
               f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$")
    op.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
               f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")
    op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
               f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()")


def downgrade() -> None:
    for table in ("audit_event", "version_card", "report", "alias", "lineage_edge", "version_license",
                  "version_tag", "version_file", "blob", "model_version", "model"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_event_append_only()")
