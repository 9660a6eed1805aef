"""The boundary between a folder on someone's disk and the registry, crossed either way.

Reading a folder into the registry (``hub register``, ``hub pull-remote``) must store only what
the folder holds. A symbolic link is resolved here, once, and the file it reaches is what gets
read, so a link checked is the link read. A link whose target is inside the folder is stored as
that target's content under the link's own name (a link to a folder inside it, as that folder's
files); a link that leaves the folder, a dangling one and a loop are refused by name, because a
folder handed over to be shared could otherwise carry ``/etc/passwd`` or a private key out with
it. Following links out of the folder takes an explicit ``follow_symlinks``. FIFOs, devices and
sockets are refused without being opened, since reading one can hang or never end. Git's own
``.git`` and Hugging Face's ``.cache/huggingface`` metadata are left out, as ``upload_folder``
leaves them; any other reserved path is refused by the registry with its name.

Writing a version into a folder goes the other way, through ``Registry.export_files``, which
checks every stored path before a byte is written.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hub.errors import HubError

METADATA = ((".git",), (".cache", "huggingface"))
FOLLOW_HINT = "Copy the file into the folder, or pass --follow-symlinks to register what every link points to."


def read_folder(path: Path, *, follow_symlinks: bool = False, within: Path | None = None) -> dict[str, Path]:
    """The files to register from ``path`` (a folder, or one file), each mapped to the real file to read.

    Links must stay inside ``within``, by default the folder named (or the one holding the file
    named), unless ``follow_symlinks``.
    """
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    reader = _Reader(Path(os.path.realpath(folder if within is None else within)), follow_symlinks)
    if folder is path:
        root = Path(os.path.realpath(path))
        reader.folder(root, "", frozenset({root}))
    else:
        reader.entry(path, path.name, frozenset())
    return reader.found


class _Reader:
    """One walk: the files found so far, and what a link may reach."""

    def __init__(self, boundary: Path, follow_symlinks: bool):
        self.boundary, self.follow_symlinks = boundary, follow_symlinks
        self.found: dict[str, Path] = {}

    def folder(self, directory: Path, prefix: str, above: frozenset[Path]) -> None:
        """Add the files under ``directory``; ``above`` holds the real folders being walked, to stop loops."""
        with os.scandir(directory) as scan:
            names = sorted(entry.name for entry in scan)
        for name in names:
            if not _is_metadata(prefix + name):
                self.entry(directory / name, prefix + name, above)

    def entry(self, path: Path, name: str, above: frozenset[Path]) -> None:
        source = self._link_target(path, name) if path.is_symlink() else path
        if not source.is_dir():
            self.found[name] = _regular(source, name)
        elif source in above:
            raise HubError(f"'{name}' is a symbolic link to {source}, a folder that holds it, so it never ends.",
                           "Remove the link, then register again.")
        else:
            self.folder(source, f"{name}/", above | {source})

    def _link_target(self, link: Path, name: str) -> Path:
        """The real path a link reaches, through any chain of links, if it may be read."""
        try:
            target = Path(os.path.realpath(link, strict=True))
        except OSError:
            raise HubError(f"'{name}' is a symbolic link to {os.readlink(link)}, which does not exist or loops.",
                           "Remove the link or restore its target, then register again.") from None
        if not self.follow_symlinks and not target.is_relative_to(self.boundary):
            raise HubError(f"'{name}' is a symbolic link to {target}, outside {self.boundary}: nothing outside the "
                           "folder being registered is stored without asking.", FOLLOW_HINT)
        return target


def _is_metadata(name: str) -> bool:
    parts = tuple(name.split("/"))
    return any(parts[start:start + len(folder)] == folder for folder in METADATA for start in range(len(parts)))


def _regular(source: Path, name: str) -> Path:
    """``source`` if it is a regular file; a FIFO, device or socket is refused without being opened."""
    mode = source.stat().st_mode
    if not stat.S_ISREG(mode):
        raise HubError(f"'{name}' is not a regular file (it is a {_kind(mode)}), so it is not read.",
                       "Leave only model files in the folder, then register again.")
    return source


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "named pipe"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
             (stat.S_ISBLK, "block device"))
    return next((kind for test, kind in kinds if test(mode)), "special file")
