"""The content-addressed blob store under the registry."""

from __future__ import annotations

import hashlib

import pytest

from hub.errors import IntegrityError
from hub.registry.store import BlobStore

WEIGHTS = bytes(range(256)) * 64


@pytest.fixture
def store(tmp_path):
    return BlobStore(tmp_path / "store")


def stored_files(store: BlobStore) -> list:
    """Everything the store holds on disk, temporary files included."""
    return sorted(p for p in store.root.rglob("*") if p.is_file())


class FailingReader:
    """A file whose second read fails, as a disk or network mount can halfway through."""

    def __init__(self, path, mode="rb"):
        self.file = open(path, mode)
        self.reads = 0

    def read(self, size=-1):
        self.reads += 1
        if self.reads > 1:
            raise OSError(5, "Input/output error")
        return self.file.read(size)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()


def test_bytes_read_back_after_put(store):
    sha256, size = store.put_bytes(WEIGHTS)

    assert (sha256, size) == (hashlib.sha256(WEIGHTS).hexdigest(), len(WEIGHTS))
    assert store.read_bytes(sha256, "weights.bin") == WEIGHTS


def test_file_copies_out_identically(store, tmp_path):
    source = tmp_path / "weights.bin"
    source.write_bytes(WEIGHTS)
    sha256, _ = store.put_file(source)

    store.copy_to(sha256, "weights.bin", tmp_path / "out" / "weights.bin")

    assert (tmp_path / "out" / "weights.bin").read_bytes() == WEIGHTS
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["weights.bin"]


def test_same_bytes_are_stored_once(store, tmp_path):
    source = tmp_path / "weights.bin"
    source.write_bytes(WEIGHTS)

    first = store.put_bytes(WEIGHTS)
    second = store.put_file(source)

    assert first == second
    assert stored_files(store) == [store.path(first[0])]


def test_write_that_fails_midway_leaves_no_blob(store, tmp_path, monkeypatch):
    source = tmp_path / "weights.bin"
    source.write_bytes(WEIGHTS)
    monkeypatch.setattr("hub.registry.store.open", FailingReader, raising=False)

    with pytest.raises(OSError, match="Input/output error"):
        store.put_file(source)

    assert stored_files(store) == []


def test_missing_blob_is_an_integrity_error(store):
    sha256 = hashlib.sha256(WEIGHTS).hexdigest()

    with pytest.raises(IntegrityError) as error:
        store.read_bytes(sha256, "churn:1/weights.bin")

    assert error.value.message.startswith("The stored file for 'churn:1/weights.bin' is missing")
    assert "restore it from a backup" in error.value.hint


def test_corrupt_blob_is_not_copied_out(store, tmp_path):
    sha256, _ = store.put_bytes(WEIGHTS)
    store.path(sha256).write_bytes(WEIGHTS[:-1] + b"\x00")

    with pytest.raises(IntegrityError, match="'churn:1/weights.bin' is corrupt"):
        store.copy_to(sha256, "churn:1/weights.bin", tmp_path / "out" / "weights.bin")

    assert list((tmp_path / "out").iterdir()) == []
