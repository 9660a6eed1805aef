"""Where the registry lives.

The embedded default is ``registry.db`` (SQLite) in the working directory, created at first use,
with artifacts in ``hub-store/`` beside it. ``HUB_REGISTRY_URL`` (any SQLAlchemy URL) or the
``--registry`` option choose another database; ``HUB_STORE`` or ``--store`` another store.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_REGISTRY_URL = "sqlite:///registry.db"
STORE_DIRNAME = "hub-store"


@dataclass(frozen=True)
class Location:
    """A registry's database URL and its store: a local directory or a backend URI."""

    url: str
    store: str


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL, or None for other databases and in-memory SQLite."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == prefix or url.endswith(":memory:"):
        return None
    return Path(url[len(prefix):])


def resolve(url: str | None = None, store: str | os.PathLike | None = None) -> Location:
    """Apply the precedence: explicit argument, then environment, then the embedded default."""
    url = url or os.environ.get("HUB_REGISTRY_URL") or DEFAULT_REGISTRY_URL
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        # Pin a relative SQLite path now, so a later chdir cannot move the registry.
        path = sqlite_path(url)
        if path is not None:
            url = f"sqlite:///{path.resolve()}"
    store = str(store or os.environ.get("HUB_STORE") or "")
    if not store:
        db = sqlite_path(url)
        store = str((db.parent if db else Path.cwd()) / STORE_DIRNAME)
    if "://" not in store:
        store = str(Path(store).resolve())
    return Location(url=url, store=store)
