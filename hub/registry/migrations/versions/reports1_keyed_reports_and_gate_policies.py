"""Reports keyed by what they judged, with the role that says which may decide a verdict; gate policies.

Reports stored before keep an empty key and the role ``legacy``: nothing recorded whether they
were a version's declared evaluation, so they are shown but never used for a verdict until the
version is evaluated again.

Revision ID: reports1
"""

import sqlalchemy as sa
from alembic import op

revision = "reports1"
down_revision = "access1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report") as report:
        report.add_column(sa.Column("key", sa.String(64), nullable=False, server_default=""))
        report.add_column(sa.Column("role", sa.String(16), nullable=False, server_default="legacy"))
        report.add_column(sa.Column("rows_sha256", sa.String(64), nullable=False, server_default=""))
        report.add_column(sa.Column("sensitive", sa.JSON, nullable=False, server_default="[]"))
        report.add_column(sa.Column("params", sa.JSON, nullable=False, server_default="{}"))
    op.create_table(
        "gate_policy",
        sa.Column("scope", sa.String(100), primary_key=True),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("gate_policy")
    with op.batch_alter_table("report") as report:
        for column in ("params", "sensitive", "rows_sha256", "role", "key"):
            report.drop_column(column)
