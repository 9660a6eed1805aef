"""The staging area: where uploaded objects wait, checked, for the commit that names them.

Each server claims a directory of its own under the staging root and holds a lock on it while it
runs; at start it removes every directory whose lock is free, left by a server that was killed,
so a crash leaks no disk however it ended. The lock file is taken before its directory exists, so
a server starting beside another never removes the other's. Objects are staged per repository:
an upload to one repository is never "already there" for a commit to another.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path

from hub.errors import HubError

LOCK_SUFFIX = ".lock"

try:
    import fcntl

    def _try_lock(handle) -> bool:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True
except ImportError:  # Windows
    import msvcrt

    def _try_lock(handle) -> bool:
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True


class Staging:
    """This server's staging directory: partial uploads, checked objects per repository, commit workdirs."""

    def __init__(self, root: Path):
        self.root = _owned_root(Path(root))
        _remove_stale(self.root)
        name = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._lock = open(self.root / (name + LOCK_SUFFIX), "a")
        _try_lock(self._lock)
        self.path = self.root / name
        self.path.mkdir()

    def object(self, repo: str, oid: str) -> Path:
        """Where a checked upload of ``oid`` to ``repo`` waits; both are validated by the caller.

        ``+`` cannot appear in a model name, so ``team+model`` names one repository only."""
        return self.path / repo.replace("/", "+") / oid

    def partial(self):
        """A new file for an upload in progress, renamed into place by :meth:`keep` once checked."""
        return tempfile.NamedTemporaryFile(dir=self.path, prefix=".upload-", delete=False)

    def keep(self, partial: str, repo: str, oid: str) -> None:
        target = self.object(repo, oid)
        target.parent.mkdir(exist_ok=True)
        os.replace(partial, target)

    def workdir(self) -> Path:
        """A new directory for one commit's files; the commit removes it."""
        return Path(tempfile.mkdtemp(dir=self.path, prefix=".commit-"))

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self._lock.close()
        Path(self._lock.name).unlink(missing_ok=True)


def _owned_root(root: Path) -> Path:
    """The staging root, created private; one another user made, or a link, is refused (it would see uploads)."""
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    if root.is_symlink() or (hasattr(os, "getuid") and root.stat().st_uid != os.getuid()):
        raise HubError(f"The staging directory {root} belongs to someone else or is a link.",
                       "Choose another with --staging or HUB_SERVE_STAGING.")
    return root


def _remove_stale(root: Path) -> None:
    """Remove the directories of servers that no longer run: those whose lock nobody holds."""
    for lock_path in root.glob("*" + LOCK_SUFFIX):
        with open(lock_path, "a") as lock:
            stale = _try_lock(lock)
        if stale:
            shutil.rmtree(root / lock_path.name.removesuffix(LOCK_SUFFIX), ignore_errors=True)
            lock_path.unlink(missing_ok=True)
