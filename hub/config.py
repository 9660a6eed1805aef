"""Where the registry lives, and what ``hub serve`` accepts from one request.

The embedded default is ``registry.db`` (SQLite) in the working directory, created at first use,
with artifacts in ``hub-store/`` beside it. ``HUB_REGISTRY_URL`` (any SQLAlchemy URL) or the
``--registry`` option choose another database; ``HUB_STORE`` or ``--store`` another store.

``hub serve``'s limits bound what an anonymous caller can make the server hold: the request line
and headers (``HUB_SERVE_MAX_HEADER_BYTES``, ``--max-header-bytes``, 64 KiB), and a request body or
one line of a commit (``HUB_SERVE_MAX_BODY_BYTES``, ``--max-body-bytes``, 4 MiB); file bytes go
through LFS uploads, each bounded by the size its URL was signed for. Uploads wait in a staging
area (``HUB_SERVE_STAGING``, ``--staging``), under the system's temporary directory by default.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_REGISTRY_URL = "sqlite:///registry.db"
STORE_DIRNAME = "hub-store"
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 4 * 1024 * 1024
SIZE = re.compile(r"(\d+)\s*([KMG](?:iB|B)?)?", re.IGNORECASE)
SIZE_UNITS = {"": 1, **{unit + suffix: 1024 ** power for power, unit in enumerate("kmg", 1)
                        for suffix in ("", "b", "ib")}}


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


@dataclass(frozen=True)
class ServeSettings:
    """What one request to ``hub serve`` may send, and where uploads wait for their commit."""

    max_header_bytes: int
    max_body_bytes: int
    staging: Path


def parse_size(text: str | int) -> int:
    """A size in bytes: ``65536``, ``64KiB``, ``4MiB`` or ``1GiB`` (``K``, ``M`` and ``G`` are binary too)."""
    match = SIZE.fullmatch(str(text).strip())
    if not match or int(match.group(1)) < 1:
        from hub.errors import HubError

        raise HubError(f"'{text}' is not a size.", "Use a positive number of bytes, such as 65536, 64KiB or 4MiB.")
    return int(match.group(1)) * SIZE_UNITS[(match.group(2) or "").lower()]


def serve_settings(max_header_bytes: int | str | None = None, max_body_bytes: int | str | None = None,
                   staging: str | os.PathLike | None = None) -> ServeSettings:
    """``hub serve``'s settings: explicit values (its options), then the environment, then the defaults."""
    import tempfile

    def size(given, variable: str, default: int) -> int:
        chosen = given if given is not None else os.environ.get(variable)
        return parse_size(chosen) if chosen not in (None, "") else default

    where = staging or os.environ.get("HUB_SERVE_STAGING") or Path(tempfile.gettempdir()) / _staging_dirname()
    return ServeSettings(max_header_bytes=size(max_header_bytes, "HUB_SERVE_MAX_HEADER_BYTES", MAX_HEADER_BYTES),
                         max_body_bytes=size(max_body_bytes, "HUB_SERVE_MAX_BODY_BYTES", MAX_BODY_BYTES),
                         staging=Path(where).resolve())


def _staging_dirname() -> str:
    """One staging root per user of a shared temporary directory."""
    return f"ecohub-serve-staging-{os.getuid()}" if hasattr(os, "getuid") else "ecohub-serve-staging"
