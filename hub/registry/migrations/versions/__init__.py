"""One module per migration; Alembic finds them by their ``revision`` and ``down_revision``."""
