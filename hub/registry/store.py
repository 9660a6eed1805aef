"""A content-addressed blob store on the local disk.

Blobs are named by their sha256. A write goes to a temporary file that is fsynced and then
renamed into place, with the directory fsynced after, so a blob is either absent or whole; a
killed writer leaves at most a temporary file. Every read checks the checksum again.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

from typing import Any, Callable, Mapping

from hub.errors import HubError, IntegrityError

CHUNK = 1 << 20


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / "blobs" / "sha256" / sha256[:2] / sha256[2:]

    def put_file(self, source: Path) -> tuple[str, int]:
        """Store a file's bytes; return (sha256, size). Storing the same bytes twice is a no-op."""
        with open(source, "rb") as reader:
            return self._put_stream(reader)

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        return self._put_stream(io.BytesIO(data))

    def _put_stream(self, reader) -> tuple[str, int]:
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with tempfile.NamedTemporaryFile(dir=tmp_dir, delete=False) as out:
            try:
                while chunk := reader.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            except BaseException:
                os.unlink(out.name)
                raise
        self._place(Path(out.name), digest.hexdigest())
        return digest.hexdigest(), size

    def _place(self, tmp: Path, digest: str) -> None:
        target = self.path(digest)
        if target.exists():
            tmp.unlink()
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        _fsync_dir(target.parent)

    def read_bytes(self, sha256: str, name: str) -> bytes:
        """The blob's bytes, after checking them against their checksum. ``name`` is for errors."""
        data = self._open(sha256, name).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise self._corrupt(sha256, name)
        return data

    def copy_to(self, sha256: str, name: str, dest: Path) -> None:
        """Write the blob to ``dest`` atomically, checking the checksum before it appears."""
        source = self._open(sha256, name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with tempfile.NamedTemporaryFile(dir=dest.parent, delete=False) as out, open(source, "rb") as reader:
            while chunk := reader.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256:
            os.unlink(out.name)
            raise self._corrupt(sha256, name)
        os.replace(out.name, dest)

    def _open(self, sha256: str, name: str) -> Path:
        path = self.path(sha256)
        if not path.exists():
            raise IntegrityError(
                f"The stored file for '{name}' is missing (blob {sha256[:12]}… at {path}).",
                "The store was changed outside ecohub; restore it from a backup.",
            )
        return path

    def _corrupt(self, sha256: str, name: str) -> IntegrityError:
        return IntegrityError(
            f"The stored file for '{name}' is corrupt: its sha256 no longer matches {sha256[:12]}….",
            "Restore the store from a backup, or register the version again.",
        )


def open_store(location: str, backends: Mapping[str, Callable[[str], Any]] | None = None):
    """The blob store at ``location``: a local directory, or a URI whose scheme a backend opens."""
    scheme, separator, _ = location.partition("://")
    if not separator:
        return BlobStore(Path(location))
    if scheme == "file":
        return BlobStore(Path(location[len("file://"):]))
    if backends and scheme in backends:
        return backends[scheme](location)
    raise HubError(
        f"No storage backend handles '{scheme}://' store locations.",
        "Install a plugin that provides one, then check 'hub plugins list'.",
    )
