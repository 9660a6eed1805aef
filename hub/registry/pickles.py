"""Recognising pickle-based model files, which run arbitrary code when loaded.

Registered models are shared with strangers, so the registry refuses them unless the person
registering says ``--allow-pickle``, and then the model card warns about each one. A file counts
as pickle-based by its name (``.pkl``, ``.joblib``, PyTorch's ``.pt``/``.pth``/``.ckpt``) or by its
bytes: a pickle's protocol header, or a zip archive holding a pickle, which is how ``torch.save``
writes, whatever the file is called (``pytorch_model.bin``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

PICKLE_SUFFIXES = frozenset({".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt", ".dill"})
PICKLE_PROTOCOLS = range(2, 6)  # protocol 2 onwards begins with PROTO (0x80) and the protocol number
ZIP_MAGIC = b"PK\x03\x04"
HEADER = 4


class PickleSniffer:
    """Fed a file's bytes as they are read for hashing, so finding a pickle costs no extra pass."""

    def __init__(self, name: str):
        self.name = name
        self.head = b""

    def feed(self, block: bytes) -> None:
        if len(self.head) < HEADER:
            self.head += block[: HEADER - len(self.head)]

    def is_pickle(self, path: Path) -> bool:
        if PurePosixPath(self.name).suffix.lower() in PICKLE_SUFFIXES:
            return True
        if len(self.head) >= 2 and self.head[0] == 0x80 and self.head[1] in PICKLE_PROTOCOLS:
            return True
        return self.head == ZIP_MAGIC and _zip_holds_pickle(path)


def _zip_holds_pickle(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return any(PurePosixPath(name).suffix.lower() in PICKLE_SUFFIXES for name in archive.namelist())
    except zipfile.BadZipFile:
        return False
