"""What the registry accepts as a name, a file path, a tag or a reference to a version.

Model names become URL and path segments, and file paths are written under an export directory,
so both are checked before anything is stored, and file paths again before anything is written. A
model is ``namespace/name``; a bare name lives in the default namespace, which has no name of its
own, so ``credit-risk`` stays ``credit-risk``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.errors import InvalidNameError

DEFAULT_NAMESPACE = ""
PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
TAG_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
TAG_VALUE_LIMIT = 256
EXTERNAL = re.compile(r"hf:(datasets/)?[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?(@[A-Za-z0-9._-]+)?")
PATH_LIMIT = 1000
SHOWN = 200
RESERVED_PARTS = frozenset({".git", ".cache"})
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
DRIVE = re.compile(r"[A-Za-z]:")
# Code points HFS+ ignores in names, as git lists them (is_hfs_dotgit): '.g\u200cit' is '.git' on macOS.
HFS_IGNORED = re.compile("[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]")
NAME_HINT = ("Use 'name' or 'namespace/name', each part 1-100 letters, digits, '.', '_' or '-', "
             "starting with a letter or digit.")


def split_name(name: str) -> tuple[str, str]:
    """``(namespace, name)`` of a model name, after checking both parts."""
    parts = (name or "").split("/")
    if len(parts) > 2 or not all(PART.fullmatch(part) and ".." not in part for part in parts):
        raise InvalidNameError(f"'{name}' is not a valid model name.", NAME_HINT)
    return (DEFAULT_NAMESPACE, parts[0]) if len(parts) == 1 else (parts[0], parts[1])


def full_name(namespace: str, name: str) -> str:
    return f"{namespace}/{name}" if namespace else name


def validate_name(name: str) -> str:
    split_name(name)
    return name


def validate_alias(alias: str) -> str:
    if not PART.fullmatch(alias or "") or ".." in alias or alias.isdigit():
        raise InvalidNameError(
            f"'{alias}' is not a valid alias.",
            "Use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit, not only digits, "
            "such as 'production'.",
        )
    return alias


def reserved_part(part: str) -> bool:
    """Whether git or Hugging Face's tools own a path part: ``.git`` or ``.cache``, as the Hub refuses.

    A file system may read another spelling as the same folder: macOS and Windows ignore case,
    macOS ignores some invisible characters, Windows ignores trailing dots and spaces, reads
    ``name:stream`` as ``name`` and knows ``.git`` as ``git~1``. Each is folded here, so no
    spelling of ``.git`` reaches a disk that would take it for git's own folder.
    """
    folded = HFS_IGNORED.sub("", part).split(":", 1)[0].rstrip(". ").casefold()
    return folded in RESERVED_PARTS or folded == "git~1"


def validate_file_path(path: str) -> str:
    """A repository-relative file path that is safe to write under any folder, or ``InvalidNameError``.

    A version's files are written under a folder by ``hub pull`` and by Hugging Face clients, so
    a path must name one place inside it on every system: '/'-separated, relative, no empty,
    '.' or '..' part, no backslash, drive letter or control character, and nothing under a
    reserved folder such as ``.git`` (whose config runs commands).
    """
    problem = _path_problem(path)
    if problem:
        shown = repr(path[:SHOWN] + "…" if len(path) > SHOWN else path) if isinstance(path, str) else repr(path)
        raise InvalidNameError(f"{shown} is not a valid path for a file in a model version: {problem}.",
                               "Use a relative path with '/' separators outside .git and .cache folders, "
                               "such as 'weights/model.bin'.")
    return path


def _path_problem(path: str) -> str | None:
    if not isinstance(path, str) or not path:
        return "it is empty"
    if len(path) > PATH_LIMIT:
        return f"it is longer than {PATH_LIMIT} characters"
    if CONTROL.search(path):
        return "it holds a control character"
    if "\\" in path:
        return "it holds a backslash, which Windows reads as a folder separator"
    if path.startswith("/") or DRIVE.match(path):
        return "it starts at a root or a drive letter instead of inside the folder"
    parts = path.split("/")
    if ".." in parts:
        return "a '..' part leaves the folder"
    if any(part in ("", ".") for part in parts):
        return "it has an empty or '.' part"
    reserved = next((part for part in parts if reserved_part(part)), None)
    if reserved is not None:
        return f"{reserved!r} is a folder git or Hugging Face tools keep for themselves (the Hub refuses it too)"
    return None


def validate_tag(key: str, value: str) -> tuple[str, str]:
    if not TAG_KEY.fullmatch(key or ""):
        raise InvalidNameError(f"'{key}' is not a valid tag key.",
                               "Use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.")
    if not isinstance(value, str) or len(value) > TAG_VALUE_LIMIT or any(c in value for c in "\r\n\0"):
        raise InvalidNameError(f"The value of tag '{key}' is not valid.",
                               f"Use one line of at most {TAG_VALUE_LIMIT} characters.")
    return key, value


def validate_external(ref: str) -> str:
    """A model or dataset outside this registry, such as ``hf:org/name@revision``."""
    if not EXTERNAL.fullmatch(ref or ""):
        raise InvalidNameError(
            f"'{ref}' is not a reference ecohub understands.",
            "Name a registered model (acme/base:3, acme/base@production) or a Hugging Face repository "
            "(hf:org/name@revision, hf:datasets/org/name@revision).",
        )
    return ref


@dataclass(frozen=True)
class VersionRef:
    """``NAME`` (the latest version), ``NAME:VERSION`` or ``NAME@ALIAS``."""

    name: str
    version: int | None = None
    alias: str | None = None

    def __str__(self) -> str:
        if self.alias:
            return f"{self.name}@{self.alias}"
        return self.name if self.version is None else f"{self.name}:{self.version}"


def parse_ref(text: str) -> VersionRef:
    name, at, alias = (text or "").partition("@")
    name, colon, version = name.partition(":")
    validate_name(name)
    if colon and not version.isdigit():
        raise InvalidNameError(f"'{text}' is not NAME, NAME:VERSION or NAME@ALIAS.",
                               "VERSION is a number, as in credit-risk:3.")
    if at:
        if colon:
            raise InvalidNameError(f"'{text}' names both a version and an alias.", "Give one of them.")
        return VersionRef(name, alias=validate_alias(alias))
    return VersionRef(name, int(version) if version else None)
