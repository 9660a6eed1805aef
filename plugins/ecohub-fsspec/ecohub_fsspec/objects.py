"""An :class:`~hub.registry.store.ObjectStore` on any fsspec filesystem.

Object stores have no rename, and fsspec's file-like filesystems (a local or network path) write
in place, so neither may receive an object directly under its key: a reader could find it half
written. Every object is uploaded under ``tmp/<random>``, where no reader looks, its size checked,
and only then moved to its key: a server-side copy on object stores, where the copy appears
whole or not at all, and a rename elsewhere. ``freshen`` copies an object onto itself the same
way, because object stores cannot change a timestamp in place; if ``hub gc`` deletes the object
meanwhile, the move puts it back. Object stores offer no lock, so gc's age check and deletion are
two requests: an object must be adopted by a registration in the few milliseconds between them
to be lost, where the local store's lock rules even that out.
"""

from __future__ import annotations

import posixpath
import uuid
from datetime import datetime, timezone
from typing import Iterable, Iterator

from hub.errors import HubError

BLOCK = 1 << 20


class FsspecObjects:
    """Objects under one fsspec URI, such as ``s3://bucket/prefix`` or ``memory://registry``."""

    def __init__(self, uri: str):
        import fsspec

        try:
            self.fs, root = fsspec.core.url_to_fs(uri)
        except ImportError as error:
            raise HubError(
                f"The store {uri} needs a package that is not installed: {error}.",
                "Install it into the hub's environment (for S3: pip install 'ecohub-fsspec[s3]').",
            ) from None
        self.root = root.rstrip("/")
        self.location = uri

    def _path(self, key: str) -> str:
        return f"{self.root}/{key}"

    def _staging(self) -> str:
        path = self._path(f"tmp/{uuid.uuid4().hex}")
        self.fs.makedirs(posixpath.dirname(path), exist_ok=True)
        return path

    def _place(self, staging: str, key: str) -> None:
        target = self._path(key)
        self.fs.makedirs(posixpath.dirname(target), exist_ok=True)
        self.fs.mv(staging, target)

    def write(self, key: str, pieces: Iterable[bytes]) -> None:
        staging = self._staging()
        try:
            written = 0
            with self.fs.open(staging, "wb") as out:
                for piece in pieces:
                    out.write(piece)
                    written += len(piece)
            uploaded = self.fs.size(staging)
            if uploaded != written:
                raise HubError(
                    f"Uploading {key} to {self.location} stored {uploaded} of {written} bytes.",
                    "Check that the storage service is healthy, then try again.",
                )
        except BaseException:
            self._discard(staging)
            raise
        self._place(staging, key)

    def _discard(self, path: str) -> None:
        try:
            self.fs.rm_file(path)
        except FileNotFoundError:
            pass

    def read(self, key: str) -> Iterator[bytes]:
        with self.fs.open(self._path(key), "rb") as reader:
            while block := reader.read(BLOCK):
                yield block

    def exists(self, key: str) -> bool:
        return self.fs.isfile(self._path(key))

    def size(self, key: str) -> int:
        return self.fs.size(self._path(key))

    def keys(self, prefix: str) -> Iterator[str]:
        base = self._path(prefix.rstrip("/"))
        self.fs.invalidate_cache(base)  # other processes write here too; list what is there now
        for path in self.fs.find(base):
            yield path[len(self.root) + 1:]

    def age(self, key: str) -> float:
        modified = self.fs.modified(self._path(key))
        if modified.tzinfo is None:
            modified = modified.replace(tzinfo=timezone.utc)
        return (datetime.now(timezone.utc) - modified).total_seconds()

    def freshen(self, key: str) -> bool:
        staging = self._staging()
        try:
            self.fs.cp_file(self._path(key), staging)
        except FileNotFoundError:
            return False
        self._place(staging, key)
        return True

    def delete(self, key: str, older_than: float | None = None) -> bool:
        try:
            if older_than is not None and self.age(key) <= older_than:
                return False
            self.fs.rm_file(self._path(key))
        except FileNotFoundError:
            return False
        return True
