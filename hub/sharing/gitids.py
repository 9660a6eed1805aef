"""The ids Hugging Face clients expect of files, beside the commit the registry gives each version.

Files follow Hugging Face's split between small text files, kept in git, and large or binary
files, kept through git-LFS. An LFS file's git id is that of its pointer and its ETag is its
sha256; any other file's git id and ETag are its git blob id, which the registry records.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

COMMIT_ID_LENGTH = 40
# Hugging Face sends files of 10 MB and more through LFS, and binary formats whatever their size.
LFS_THRESHOLD = 10 * 1024 * 1024
BINARY_SUFFIXES = frozenset({
    ".7z", ".arrow", ".bin", ".bz2", ".ckpt", ".ftz", ".gguf", ".gz", ".h5", ".joblib", ".jpg", ".jpeg",
    ".lz4", ".mlmodel", ".model", ".msgpack", ".npy", ".npz", ".onnx", ".ot", ".parquet", ".pb", ".pickle",
    ".pkl", ".png", ".pt", ".pth", ".rar", ".safetensors", ".skops", ".tar", ".tflite", ".tgz", ".wasm",
    ".xz", ".zip", ".zst",
})


def is_commit_id(value: str) -> bool:
    return len(value) == COMMIT_ID_LENGTH and all(char in "0123456789abcdef" for char in value)


def empty_commit_id(name: str) -> str:
    """The commit of a repository created empty, before its first version."""
    return hashlib.sha1(f"ecohub empty repository\n{name}\n".encode()).hexdigest()


def is_lfs(path: str, size: int, sample: bytes = b"") -> bool:
    """Whether a file travels through LFS (large or binary) or inline in the commit (small text)."""
    if size == 0:
        return False
    return size >= LFS_THRESHOLD or PurePosixPath(path).suffix.lower() in BINARY_SUFFIXES or b"\0" in sample


def lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


def git_id(file) -> str:
    """The id git, and the Hub's tree listing, give a file: its pointer's when it is in LFS."""
    if is_lfs(file.path, file.size):
        pointer = lfs_pointer(file.sha256, file.size)
        return hashlib.sha1(b"blob %d\0" % len(pointer) + pointer).hexdigest()
    return file.git_sha1


def etag(file) -> str:
    """The Hub's ETag convention: sha256 for LFS files, the git blob id for the others."""
    return file.sha256 if is_lfs(file.path, file.size) else file.git_sha1
