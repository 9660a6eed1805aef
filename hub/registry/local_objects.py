"""The default storage backend: objects as files under a local directory, written durably.

A write goes to a file in ``tmp/`` that is fsynced, then renamed into place, and the directory is
fsynced after, so an object is absent or whole even after a power cut, and it is on disk before
the database row that refers to it commits. ``freshen`` and the age-checked ``delete`` hold a
shared and an exclusive lock on ``<root>/lock``: ``hub gc`` cannot delete an object in the instant
between a registration finding it present and making it young again.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from pathlib import Path
from typing import Iterable, Iterator

BLOCK = 1 << 20
TMP = "tmp"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalObjects:
    """An :class:`~hub.registry.store.ObjectStore` in a directory on this machine."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.location = str(self.root)

    def path(self, key: str) -> Path:
        return self.root / key

    def write(self, key: str, pieces: Iterable[bytes]) -> None:
        staging = self.root / TMP
        staging.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=staging, delete=False) as out:
            try:
                for piece in pieces:
                    out.write(piece)
                out.flush()
                os.fsync(out.fileno())
            except BaseException:
                os.unlink(out.name)
                raise
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(out.name, target)
        _fsync_dir(target.parent)

    def read(self, key: str) -> Iterator[bytes]:
        with open(self.path(key), "rb") as reader:
            while block := reader.read(BLOCK):
                yield block

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def keys(self, prefix: str) -> Iterator[str]:
        for directory, _, names in os.walk(self.root / prefix):
            for name in names:
                yield (Path(directory) / name).relative_to(self.root).as_posix()

    def age(self, key: str) -> float:
        return time.time() - self.path(key).stat().st_mtime

    def freshen(self, key: str) -> bool:
        with self._lock(fcntl.LOCK_SH):
            try:
                os.utime(self.path(key))
            except FileNotFoundError:
                return False
            return True

    def delete(self, key: str, older_than: float | None = None) -> bool:
        with self._lock(fcntl.LOCK_EX):
            try:
                if older_than is not None and self.age(key) <= older_than:
                    return False
                self.path(key).unlink()
            except FileNotFoundError:
                return False
            return True

    @contextlib.contextmanager
    def _lock(self, mode: int) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "lock", "a") as handle:
            fcntl.flock(handle, mode)
            yield
