"""Index version files by sha256: ``hub serve`` deduplicates an upload only against the models that
hold the object and that the caller may read, and asks which those are on every LFS batch.

Revision ID: serve1
"""

from alembic import op

revision = "serve1"
down_revision = "reports1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_version_file_sha256", "version_file", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_version_file_sha256", table_name="version_file")
