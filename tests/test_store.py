"""The content-addressed store under the registry.

Every test that takes ``store`` runs on each backend: a local directory, and (through the
ecohub-fsspec plugin) fsspec's memory filesystem and fsspec on a local path.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from safetensors.numpy import save_file

from hub.errors import HubError, IntegrityError, PluginError
from hub.registry import store as store_module
from hub.registry.store import BlobStore, ObjectStore, open_store

WEIGHTS = bytes(range(256)) * 64
HOUR = 3600
LAYERS = 8
LAYER_SHAPE = (128, 128)
LAYER_BYTES = 128 * 128 * 4


@pytest.fixture(params=["local", "fsspec-memory", "fsspec-file"])
def store(request, tmp_path):
    if request.param == "local":
        yield open_store(str(tmp_path / "store"))
        return
    ecohub_fsspec = pytest.importorskip("ecohub_fsspec")
    if request.param == "fsspec-file":
        yield BlobStore(ecohub_fsspec.open_objects(f"file://{tmp_path / 'store'}"))
        return
    backends = {spec.scheme: spec.open for spec in ecohub_fsspec.hub_storage_backends()}
    memory = open_store(f"memory://{uuid.uuid4().hex}", backends)
    yield memory
    if memory.objects.fs.exists(memory.objects.root):
        memory.objects.fs.rm(memory.objects.root, recursive=True)


def keys(store: BlobStore, prefix: str) -> list[str]:
    return sorted(store.objects.keys(prefix))


def make_old(store: BlobStore, key: str, seconds: float = 2 * HOUR) -> None:
    """Backdate an object as if written ``seconds`` ago; each backend keeps that time its own way."""
    objects = store.objects
    if hasattr(objects, "fs") and "memory" in objects.fs.protocol:
        objects.fs.store[f"{objects.root}/{key}"].modified = datetime.now(timezone.utc) - timedelta(seconds=seconds)
        return
    path = objects.path(key) if hasattr(objects, "path") else f"{objects.root}/{key}"
    when = time.time() - seconds
    os.utime(path, (when, when))


def make_all_old(store: BlobStore) -> None:
    for key in keys(store, ""):
        make_old(store, key)


def rewrite(store: BlobStore, key: str, change) -> None:
    """Replace an object's bytes behind the store's back, as a disk fault or a careless hand would."""
    data = b"".join(store.objects.read(key))
    store.objects.write(key, [change(data)])


def flip_first_byte(data: bytes) -> bytes:
    return bytes([data[0] ^ 0xFF]) + data[1:]


def save_safetensors(path, tensors, metadata=None):
    save_file(tensors, path, metadata=metadata)
    return path


@pytest.fixture
def base_layers():
    rng = np.random.default_rng(0)
    return {f"layers.{i}.weight": rng.standard_normal(LAYER_SHAPE, dtype=np.float32) for i in range(LAYERS)}


@pytest.fixture
def fine_tunes(tmp_path, base_layers):
    """A base model's safetensors file, then three fine-tunes that each retrained one layer."""
    files = [save_safetensors(tmp_path / "base.safetensors", base_layers)]
    for index in range(3):
        tuned = {**base_layers, f"layers.{index}.weight": base_layers[f"layers.{index}.weight"] * 0.5 + 1}
        files.append(save_safetensors(tmp_path / f"tuned-{index}.safetensors", tuned))
    return files


# -- every file ------------------------------------------------------------------------------


def test_backend_is_an_object_store(store):
    assert isinstance(store.objects, ObjectStore)


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
    assert list(store.blobs()) == [first[0]]
    assert keys(store, "tmp/") == []


def test_write_that_fails_midway_leaves_no_object(store):
    def pieces():
        yield WEIGHTS
        raise OSError(5, "Input/output error")

    with pytest.raises(OSError, match="Input/output error"):
        store.objects.write("blobs/sha256/ab/cdef", pieces())

    assert not store.objects.exists("blobs/sha256/ab/cdef")
    assert keys(store, "tmp/") == []


@pytest.mark.parametrize("step, change", [
    ("_digests", lambda path: path.write_bytes(WEIGHTS[::-1])),  # rewritten after it was hashed
    ("chunk_ranges", lambda path: path.write_bytes(WEIGHTS[:100])),  # cut short after its size was read
], ids=["rewritten", "truncated"])
def test_file_that_changes_while_stored_is_refused(store, tmp_path, monkeypatch, step, change):
    source = tmp_path / "weights.bin"
    source.write_bytes(WEIGHTS)
    original = getattr(store_module, step)

    def then_another_process_changes_the_file(*args):
        result = original(*args)
        change(source)
        return result

    monkeypatch.setattr(store_module, step, then_another_process_changes_the_file)

    with pytest.raises(HubError, match="weights.bin' changed while it was being stored"):
        store.put_file(source)

    assert list(store.blobs()) == []
    assert keys(store, "tmp/") == []


def test_missing_file_is_an_integrity_error(store):
    sha256 = hashlib.sha256(WEIGHTS).hexdigest()

    with pytest.raises(IntegrityError) as error:
        store.read_bytes(sha256, "churn:1/weights.bin")

    assert error.value.message.startswith("The stored file for 'churn:1/weights.bin' is missing")
    assert "restore it from a backup" in error.value.hint


def test_corrupt_blob_is_not_copied_out(store, tmp_path):
    sha256, _ = store.put_bytes(WEIGHTS)
    (blob,) = keys(store, "blobs/")
    rewrite(store, blob, flip_first_byte)

    with pytest.raises(IntegrityError, match="'churn:1/weights.bin' is corrupt"):
        store.copy_to(sha256, "churn:1/weights.bin", tmp_path / "out" / "weights.bin")

    assert list((tmp_path / "out").iterdir()) == []


# -- digest records: what reads check against ---------------------------------------------------


def test_every_file_gets_a_blake3_record_that_reads_check(store, fine_tunes):
    import blake3

    whole, _ = store.put_bytes(WEIGHTS)
    chunked, _ = store.put_file(fine_tunes[0])

    assert keys(store, "checks/") == sorted(store_module._key("checks", sha256) for sha256 in (whole, chunked))
    assert store._check(whole).blake3 == blake3.blake3(WEIGHTS).hexdigest()
    assert store._check(chunked).blake3 == blake3.blake3(fine_tunes[0].read_bytes()).hexdigest()


@pytest.mark.parametrize("kind", ["whole", "chunked"])
def test_a_file_stored_before_records_existed_is_checked_by_its_sha256(store, fine_tunes, kind):
    sha256, _ = store.put_bytes(WEIGHTS) if kind == "whole" else store.put_file(fine_tunes[0])
    expected = WEIGHTS if kind == "whole" else fine_tunes[0].read_bytes()
    store.objects.delete(store_module._key("checks", sha256))

    assert store.read_bytes(sha256, "old") == expected
    store.verify(sha256, "old")
    data_key = keys(store, "blobs/")[0] if kind == "whole" else keys(store, "chunks/")[-1]
    rewrite(store, data_key, flip_first_byte)
    with pytest.raises(IntegrityError, match="'old' is corrupt"):
        store.read_bytes(sha256, "old")


def test_storing_the_bytes_again_adds_a_missing_record(store):
    sha256, _ = store.put_bytes(WEIGHTS)
    store.objects.delete(store_module._key("checks", sha256))

    store.put_bytes(WEIGHTS)

    assert store._check(sha256) is not None


def test_a_wrong_record_over_sound_bytes_is_named_not_blamed_on_the_file(store):
    sha256, _ = store.put_bytes(WEIGHTS)
    record = store_module._key("checks", sha256)
    store.objects.write(record, [store_module.Check(blake3="0" * 64).to_bytes()])

    with pytest.raises(IntegrityError, match="its digest record .* no longer matches its bytes, which match") as error:
        store.read_bytes(sha256, "churn:1/weights.bin")
    assert "Delete that record" in error.value.hint
    with pytest.raises(IntegrityError, match="does not match its bytes"):
        store.verify(sha256, "churn:1/weights.bin")

    store.objects.delete(record)
    assert store.read_bytes(sha256, "churn:1/weights.bin") == WEIGHTS


def test_an_unreadable_record_falls_back_to_the_sha256_and_verify_names_it(store):
    sha256, _ = store.put_bytes(WEIGHTS)
    rewrite(store, store_module._key("checks", sha256), lambda data: data[: len(data) // 2])

    assert store.read_bytes(sha256, "churn:1/weights.bin") == WEIGHTS
    with pytest.raises(IntegrityError, match="its digest record .* cannot be read"):
        store.verify(sha256, "churn:1/weights.bin")


def test_collect_removes_the_records_of_removed_files_and_orphaned_records(store, fine_tunes):
    kept, _ = store.put_file(fine_tunes[0])
    removed, _ = store.put_bytes(WEIGHTS)
    orphan = store_module._key("checks", hashlib.sha256(b"a file deleted by hand").hexdigest())
    store.objects.write(orphan, [store_module.Check(blake3="1" * 64).to_bytes()])
    make_all_old(store)

    collected = store.collect({kept}, older_than=HOUR)

    assert collected.files == [removed]
    assert keys(store, "checks/") == [store_module._key("checks", kept)]
    store.verify(kept, "kept")


# -- safetensors files, stored a tensor at a time ----------------------------------------------


def test_fine_tunes_cost_the_base_plus_their_changed_tensors(store, fine_tunes):
    sha256s = [store.put_file(path)[0] for path in fine_tunes]
    base_size = fine_tunes[0].stat().st_size

    stored = store.stored_size(sha256s)

    assert store.logical_size(sha256s) == 4 * base_size
    assert base_size + 3 * LAYER_BYTES < stored < base_size + 3 * LAYER_BYTES + 4 * 1024  # + 4 small manifests
    assert len(keys(store, "chunks/")) == 1 + LAYERS + 3  # one shared header, the base layers, 3 retrained


def test_pulled_safetensors_files_are_byte_identical(store, fine_tunes, tmp_path):
    for path in fine_tunes:
        sha256, _ = store.put_file(path)

        store.copy_to(sha256, path.name, tmp_path / "pulled" / path.name)

        assert (tmp_path / "pulled" / path.name).read_bytes() == path.read_bytes()
        assert store.read_bytes(sha256, path.name) == path.read_bytes()


def test_bytes_between_and_after_tensors_survive_the_round_trip(store, tmp_path):
    odd = {"bias": np.arange(3, dtype=np.int8), "scale": np.ones(5, dtype=np.float16),
           "embedding": np.full((7, 3), 2.5, dtype=np.float64)}
    path = save_safetensors(tmp_path / "odd.safetensors", odd, metadata={"format": "np"})
    with open(path, "ab") as file:
        file.write(b"trailing bytes a careless writer left")

    sha256, _ = store.put_file(path)

    assert store.read_bytes(sha256, "odd.safetensors") == path.read_bytes()
    assert keys(store, "manifests/") != []


@pytest.mark.parametrize("data", [
    (2**40).to_bytes(8, "little") + b"{}",  # a header length far past the 25 MB cap
    (30).to_bytes(8, "little") + b'{"w": {"data_offsets": [0, 99]}}',  # tensor past the end
    (12).to_bytes(8, "little") + b"not json....",
    b"short",
], ids=["huge-header", "offsets-past-end", "not-json", "short"])
def test_files_that_only_look_like_safetensors_are_stored_whole(store, data):
    sha256, _ = store.put_bytes(data)

    assert keys(store, "manifests/") == []
    assert store.read_bytes(sha256, "model.bin") == data


def test_a_flipped_byte_in_any_chunk_is_detected_on_pull(store, fine_tunes, tmp_path):
    sha256, _ = store.put_file(fine_tunes[0])

    for chunk in keys(store, "chunks/"):
        original = b"".join(store.objects.read(chunk))
        rewrite(store, chunk, flip_first_byte)

        with pytest.raises(IntegrityError, match="'base:1/model.safetensors' is corrupt: its chunk"):
            store.copy_to(sha256, "base:1/model.safetensors", tmp_path / "pulled" / "model.safetensors")

        assert list((tmp_path / "pulled").iterdir()) == []
        store.objects.write(chunk, [original])


def test_a_streaming_read_of_a_corrupt_file_fails_before_it_ends(store, fine_tunes):
    sha256, _ = store.put_file(fine_tunes[0])
    size = fine_tunes[0].stat().st_size
    a_layer = next(key for key in keys(store, "chunks/") if store.objects.size(key) == LAYER_BYTES)
    rewrite(store, a_layer, flip_first_byte)
    received = []

    with pytest.raises(IntegrityError, match="'base:1/model.safetensors' is corrupt"):
        for piece in store.iter_bytes(sha256, "base:1/model.safetensors"):
            received.append(piece)

    assert sum(map(len, received)) < size


def test_a_truncated_manifest_is_detected(store, fine_tunes):
    sha256, _ = store.put_file(fine_tunes[0])
    (manifest,) = keys(store, "manifests/")
    rewrite(store, manifest, lambda data: data[: len(data) // 2])

    with pytest.raises(IntegrityError, match="'base:1/model.safetensors' is corrupt: its list of chunks"):
        store.read_bytes(sha256, "base:1/model.safetensors")


def test_a_missing_chunk_is_named(store, fine_tunes):
    sha256, _ = store.put_file(fine_tunes[0])
    store.objects.delete(keys(store, "chunks/")[0])

    with pytest.raises(IntegrityError, match="'base:1/model.safetensors' is missing"):
        store.verify(sha256, "base:1/model.safetensors")


# -- housekeeping ------------------------------------------------------------------------------


def test_blobs_lists_every_file_and_delete_removes_one(store, fine_tunes):
    weights, _ = store.put_bytes(WEIGHTS)
    base, _ = store.put_file(fine_tunes[0])

    store.delete(base)

    assert not store.exists(base)
    assert store.exists(weights)
    assert list(store.blobs()) == [weights]


def test_collect_removes_old_orphans_and_keeps_the_rest(store, fine_tunes):
    base, tuned_0, tuned_1, _ = [store.put_file(path)[0] for path in fine_tunes]
    orphan_blob, _ = store.put_bytes(WEIGHTS)
    store.objects.write("tmp/left-by-a-killed-upload", [b"partial"])
    chunks_before = set(keys(store, "chunks/"))
    make_all_old(store)
    fresh_orphan, _ = store.put_file(fine_tunes[3])

    collected = store.collect({base, tuned_1}, older_than=HOUR)

    assert sorted(collected.files) == sorted([tuned_0, orphan_blob])
    assert len(collected.chunks) == 1  # the layer only tuned-0 retrained; the others are shared
    assert collected.temporaries == ["tmp/left-by-a-killed-upload"]
    assert sorted(store.blobs()) == sorted([base, tuned_1, fresh_orphan])
    assert len(keys(store, "chunks/")) == len(chunks_before) - 1
    for sha256 in store.blobs():
        store.verify(sha256, sha256)


def test_a_dry_run_removes_nothing(store, fine_tunes):
    sha256, _ = store.put_file(fine_tunes[0])
    make_all_old(store)

    planned = store.collect(set(), older_than=HOUR, dry_run=True)

    assert planned.files == [sha256]
    assert planned.freed_bytes > fine_tunes[0].stat().st_size
    assert list(store.blobs()) == [sha256]
    store.verify(sha256, "base")


def test_storing_old_bytes_again_makes_them_young(store, fine_tunes):
    sha256, _ = store.put_file(fine_tunes[0])
    make_all_old(store)

    store.put_file(fine_tunes[0])

    collected = store.collect(set(), older_than=HOUR)

    assert (collected.files, collected.chunks) == ([], [])
    store.verify(sha256, "base")


def test_the_grace_period_is_what_keeps_an_uncommitted_registration(store, fine_tunes):
    # A registration has stored its file; its database row is not committed yet, so nothing refers to it.
    sha256, _ = store.put_file(fine_tunes[0])

    kept = store.collect(set(), older_than=HOUR)
    lost = store.collect(set(), older_than=0)

    assert (kept.files, kept.chunks) == ([], [])
    assert lost.files == [sha256]
    assert keys(store, "chunks/") == []


# -- choosing a backend --------------------------------------------------------------------------


def test_a_plain_path_and_a_file_uri_open_the_same_local_store(tmp_path):
    sha256, _ = open_store(str(tmp_path / "store")).put_bytes(WEIGHTS)

    assert open_store(f"file://{tmp_path / 'store'}").read_bytes(sha256, "weights.bin") == WEIGHTS


def test_a_scheme_without_a_backend_says_what_to_install():
    with pytest.raises(HubError) as error:
        open_store("s3://models/ecohub")

    assert error.value.message == "No storage backend handles 's3://' store locations."
    assert "ecohub-fsspec" in error.value.hint


def test_a_backend_that_returns_something_else_is_reported():
    with pytest.raises(PluginError, match="The storage backend for 'odd://' returned a dict"):
        open_store("odd://place", {"odd": lambda uri: {}})
