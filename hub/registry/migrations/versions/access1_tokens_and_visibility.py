"""Access for ``hub serve``: bearer tokens (stored hashed), and which repositories are private or gated.

Revision ID: access1
"""

import sqlalchemy as sa
from alembic import op

revision = "access1"
down_revision = "0001"
branch_labels = None
depends_on = None


def moment(column: str, nullable: bool = False) -> sa.Column:
    return sa.Column(column, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "access_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("model_pattern", sa.Text, nullable=False),
        moment("created_at"),
        moment("expires_at", nullable=True),
        moment("revoked_at", nullable=True),
    )
    op.create_table(
        "repo_settings",
        sa.Column("name", sa.String(201), primary_key=True),
        sa.Column("private", sa.Boolean, nullable=False),
        sa.Column("gated", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        moment("created_at"),
    )


def downgrade() -> None:
    op.drop_table("repo_settings")
    op.drop_table("access_token")
