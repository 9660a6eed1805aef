"""``hub verify``, ``hub gc`` and the storage lines of ``hub models show``, on a registry of fine-tunes.

These run on SQLite only: the store, not the database, is what is under test.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner
from safetensors.numpy import save_file

from hub.cli import cli
from hub.registry import Registry
from hub.registry.maintenance import DEFAULT_GRACE_SECONDS, collect_garbage, verify

LAYER_BYTES = 64 * 64 * 4
HOUR = 3600

VERSION = {"license": "mit", "framework": "torch", "model_type": "mlp", "trainer": "torch",
           "task": "tabular-classification", "config": {}}


@pytest.fixture
def urls(tmp_path):
    return f"sqlite:///{tmp_path / 'registry.db'}", str(tmp_path / "store")


@pytest.fixture
def registry(urls):
    registry = Registry(*urls)
    yield registry
    registry.close()


def hub(urls, *args):
    registry_url, store = urls
    return CliRunner().invoke(cli, ["--registry", registry_url, "--store", store, *args])


def model_folder(path, layers):
    """A trained model's folder as a trainer leaves it: weights in safetensors, plus a config."""
    path.mkdir(parents=True)
    save_file(layers, path / "model.safetensors")
    (path / "config.json").write_text(json.dumps({"layers": len(layers)}))
    return {"model.safetensors": path / "model.safetensors", "config.json": path / "config.json"}


@pytest.fixture
def base_layers():
    rng = np.random.default_rng(1)
    return {f"layers.{i}.weight": rng.standard_normal((64, 64), dtype=np.float32) for i in range(6)}


def fine_tune(base_layers, index):
    return {**base_layers, f"layers.{index}.weight": base_layers[f"layers.{index}.weight"] + 1}


@pytest.fixture
def three_versions(registry, tmp_path, base_layers):
    """'mlp' version 1 is the base model; versions 2 and 3 each retrained one layer of it."""
    for version, layers in enumerate([base_layers, fine_tune(base_layers, 0), fine_tune(base_layers, 1)]):
        registry.register_version("mlp", files=model_folder(tmp_path / f"v{version + 1}", layers), **VERSION)
    registry.add_report("mlp", 3, evaluator="fairness", kind="fairness", plugin="fairlearn", dataset="loans",
                        body={"parity": 0.9})
    return registry


def age_everything(store_dir, seconds=2 * HOUR):
    when = time.time() - seconds
    for directory, _, names in os.walk(store_dir):
        for name in names:
            os.utime(os.path.join(directory, name), (when, when))


def chunk_path(registry, layer):
    """Where the store keeps a tensor's bytes: safetensors holds them raw, so they hash as the array's."""
    digest = hashlib.sha256(layer.tobytes()).hexdigest()
    return registry.store.objects.path(f"chunks/sha256/{digest[:2]}/{digest[2:]}")


# -- hub verify ------------------------------------------------------------------------------


def test_verify_is_clean_for_an_intact_store(three_versions, urls):
    result = hub(urls, "verify", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"ok": True, "checked": 5, "problems": [], "unreferenced": 0,
                                         "without_digest": 0}


def test_verify_records_the_digests_an_older_store_lacks(three_versions, urls):
    store = three_versions.store
    for key in list(store.objects.keys("checks/")):
        store.objects.delete(key)  # as an ecohub from before digest records left it

    told = hub(urls, "verify")
    recorded = hub(urls, "verify", "--record-digests", "--json")

    assert told.exit_code == 0 and "5 stored files have no BLAKE3 digest" in told.output
    assert "hub verify --record-digests" in told.output
    assert json.loads(recorded.output)["without_digest"] == 0
    assert len(list(store.objects.keys("checks/"))) == 5
    assert json.loads(hub(urls, "verify", "--json").output)["without_digest"] == 0


def test_verify_names_every_version_a_corrupt_shared_chunk_breaks(three_versions, urls, base_layers):
    chunk = chunk_path(three_versions, base_layers["layers.5.weight"])  # no fine-tune retrained layer 5
    chunk.write_bytes(b"\x00" + chunk.read_bytes()[1:])

    result = hub(urls, "verify")

    assert result.exit_code == 1
    for ref in ("mlp:1", "mlp:2", "mlp:3"):
        assert f"{ref}/model.safetensors" in result.output
    assert "Checked 5 stored files: 3 missing or corrupt." in result.output


def test_verify_reports_a_missing_file_by_name(three_versions, urls):
    config = three_versions.get_version("mlp", 1).files[0]
    three_versions.store.path(config.sha256).unlink()

    result = hub(urls, "verify", "--json")

    assert result.exit_code == 1
    (problem,) = json.loads(result.output)["problems"]
    assert problem["files"] == ["mlp:1/config.json", "mlp:2/config.json", "mlp:3/config.json"]
    assert problem["message"].startswith("The stored file for 'mlp:1/config.json' is missing")


# -- hub gc ----------------------------------------------------------------------------------


def test_gc_removes_old_orphans_and_keeps_fresh_ones_and_everything_referenced(
        three_versions, urls, tmp_path, base_layers):
    old_orphan = model_folder(tmp_path / "abandoned", fine_tune(base_layers, 5))["model.safetensors"]
    three_versions.store.put_file(old_orphan)
    age_everything(urls[1])
    fresh_orphan, _ = three_versions.store.put_bytes(b"an upload whose version is still being registered")

    result = hub(urls, "gc", "--json")

    collected = json.loads(result.output)
    assert len(collected["files"]) == 1 and len(collected["chunks"]) == 1  # the layer only it retrained
    assert collected["freed_bytes"] > LAYER_BYTES
    assert three_versions.store.exists(fresh_orphan)
    assert verify(three_versions).ok


def test_gc_dry_run_says_what_it_would_remove_and_removes_nothing(three_versions, urls):
    orphan, _ = three_versions.store.put_bytes(b"orphan")

    result = hub(urls, "gc", "--grace", "0", "--dry-run")

    assert result.output.startswith("Would remove 1 files, 0 chunks and 0 leftover uploads")
    assert three_versions.store.exists(orphan)


# -- gc while others register ------------------------------------------------------------------


def gc_between_storing_and_committing(monkeypatch, registry, grace):
    """Run another process's gc at the worst moment: files stored, database row not yet committed."""
    put_file = registry.store.put_file

    def put_then_collect(source):
        stored = put_file(source)
        collect_garbage(registry, grace)
        return stored

    monkeypatch.setattr(registry.store, "put_file", put_then_collect)


def test_without_a_grace_period_gc_deletes_a_registration_in_flight(registry, tmp_path, base_layers, monkeypatch):
    gc_between_storing_and_committing(monkeypatch, registry, grace=0)

    registry.register_version("mlp", files=model_folder(tmp_path / "v1", base_layers), **VERSION)

    assert not verify(registry).ok


def test_the_grace_period_keeps_a_registration_in_flight(registry, tmp_path, base_layers, monkeypatch):
    gc_between_storing_and_committing(monkeypatch, registry, grace=DEFAULT_GRACE_SECONDS)

    registry.register_version("mlp", files=model_folder(tmp_path / "v1", base_layers), **VERSION)

    assert verify(registry).ok


GC_LOOP = """
import pathlib, sys
from hub.registry import Registry
from hub.registry.maintenance import collect_garbage

url, store, stop = sys.argv[1:]
registry = Registry(url, store)
passes = removed = 0
print("ready", flush=True)
while not pathlib.Path(stop).exists():
    collected = collect_garbage(registry)
    passes, removed = passes + 1, removed + len(collected.files)
print(passes, removed, flush=True)
"""


def test_registrations_racing_gc_in_another_process_lose_nothing(registry, urls, tmp_path, base_layers):
    stop = tmp_path / "stop"
    collector = subprocess.Popen([sys.executable, "-c", GC_LOOP, *urls, str(stop)], stdout=subprocess.PIPE,
                                 text=True)
    assert collector.stdout.readline() == "ready\n"
    rng = np.random.default_rng(2)
    try:
        for version in range(12):
            layers = {**base_layers, "head.weight": rng.standard_normal((64, 64), dtype=np.float32)}
            files = model_folder(tmp_path / f"v{version}", layers)
            garbage = model_folder(tmp_path / f"abandoned-{version}", {**layers, "extra": np.ones(8)})
            # Old unreferenced copies of what is about to be registered, and some true garbage: gc
            # wants to delete both while the registration adopts the former.
            for path in [*files.values(), *garbage.values()]:
                registry.store.put_file(path)
            age_everything(urls[1])
            registry.register_version("mlp", files=files, **VERSION)
    finally:
        stop.touch()
        passes, removed = map(int, collector.communicate(timeout=60)[0].split())

    assert passes > 1 and removed > 0, "gc did not run alongside the registrations"
    assert verify(registry).ok
    for version in registry.get_model("mlp").versions:
        registry.export_files("mlp", version.version, tmp_path / "pulled" / str(version.version))


# -- hub models show -------------------------------------------------------------------------


def test_models_show_reports_logical_and_stored_bytes(three_versions, urls):
    shown = json.loads(hub(urls, "models", "show", "mlp", "--json").output)["storage"]
    text = hub(urls, "models", "show", "mlp").output

    file_bytes = sum(file.size for file in three_versions.get_version("mlp", 3).files)
    assert shown["latest"]["logical_bytes"] == file_bytes
    assert shown["all_versions"]["logical_bytes"] == 3 * file_bytes
    stored = shown["all_versions"]["stored_bytes"]
    distinct = {file.sha256 for number in (1, 2, 3) for file in three_versions.get_version("mlp", number).files}
    bookkeeping = 2048 + 128 * len(distinct)  # 2 manifests, and a digest record per distinct file
    assert file_bytes + 2 * LAYER_BYTES < stored < file_bytes + 2 * LAYER_BYTES + bookkeeping
    assert f"all 3 versions are {3 * file_bytes:,} bytes as pulled, {stored:,} stored." in text
