"""Checksums in git's format, so a version can later be served over the Hugging Face protocol.

Each file gets git's blob id (sha1 of ``blob <size>\\0`` and the bytes) beside its sha256; the
files together make a git tree, and each version is a commit of that tree whose parent is the
previous version's commit. The commit id is therefore a 40-hex name for exactly this content,
history and registration.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Mapping

from hub.registry.pickles import PickleSniffer

BLOCK = 1 << 20
FILE_MODE = b"100644"
TREE_MODE = b"40000"
AUTHOR = "ecohub <registry@ecohub.invalid>"


@dataclass(frozen=True)
class Scan:
    """What one pass over a file learns: its checksums, its size, and whether it holds a pickle."""

    sha256: str
    git_sha1: str
    size: int
    pickle: bool


def scan(path: Path) -> Scan:
    size = path.stat().st_size
    sha256, sha1, sniffer = hashlib.sha256(), hashlib.sha1(f"blob {size}\0".encode()), PickleSniffer(path.name)
    with open(path, "rb") as reader:
        while block := reader.read(BLOCK):
            sha256.update(block)
            sha1.update(block)
            sniffer.feed(block)
    return Scan(sha256.hexdigest(), sha1.hexdigest(), size, sniffer.is_pickle(path))


def tree_id(files: Mapping[str, str]) -> str:
    """The git tree id of ``{path: git blob id}``, subdirectories included."""
    return _tree({tuple(path.split("/")): sha1 for path, sha1 in files.items()})


def _tree(entries: dict[tuple[str, ...], str]) -> str:
    here: dict[str, str] = {}
    subdirs: dict[str, dict[tuple[str, ...], str]] = {}
    for parts, sha1 in entries.items():
        if len(parts) == 1:
            here[parts[0]] = sha1
        else:
            subdirs.setdefault(parts[0], {})[parts[1:]] = sha1
    rows = [(name.encode(), FILE_MODE, sha1) for name, sha1 in here.items()]
    rows += [(name.encode(), TREE_MODE, _tree(sub)) for name, sub in subdirs.items()]
    # git orders a tree's entries by name, a directory's name as if it ended in '/'.
    rows.sort(key=lambda row: row[0] + (b"/" if row[1] == TREE_MODE else b""))
    body = b"".join(mode + b" " + name + b"\0" + bytes.fromhex(sha1) for name, mode, sha1 in rows)
    return hashlib.sha1(b"tree %d\0" % len(body) + body).hexdigest()


def commit_id(tree: str, parent: str | None, message: str, when: datetime) -> str:
    stamp = f"{AUTHOR} {int(when.timestamp())} +0000"
    lines = [f"tree {tree}", *([f"parent {parent}"] if parent else []), f"author {stamp}", f"committer {stamp}"]
    body = ("\n".join(lines) + f"\n\n{message}\n").encode()
    return hashlib.sha1(b"commit %d\0" % len(body) + body).hexdigest()
