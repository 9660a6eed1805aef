"""What the registry accepts as a name, a file path, a tag or a reference to a version.

Model names become URL and path segments, and file paths are written under an export directory,
so both are checked before anything is stored. A model is ``namespace/name``; a bare name lives in
the default namespace, which has no name of its own, so ``credit-risk`` stays ``credit-risk``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from hub.errors import InvalidNameError

DEFAULT_NAMESPACE = ""
PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
TAG_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
TAG_VALUE_LIMIT = 256
EXTERNAL = re.compile(r"hf:(datasets/)?[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?(@[A-Za-z0-9._-]+)?")
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


def validate_file_path(path: str) -> str:
    """A version's file paths are written under an export directory, so none may leave it."""
    parts = PurePosixPath(path).parts
    if not parts or parts[0] == "/" or ".." in parts or "\\" in path or len(path) > 1000:
        raise InvalidNameError(
            f"'{path}' is not a valid path for a file in a model version.",
            "Use a relative path with '/' separators and no '..', such as 'weights/model.bin'.",
        )
    return path


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
