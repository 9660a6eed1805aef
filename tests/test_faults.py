"""Faults: registrations killed at random moments, damaged stores, and input that must be refused clearly.

The kill test runs the real ``hub register`` in child processes and SIGKILLs them at seeded random
moments, then checks what a person would rely on: every version that exists is whole, version
numbers have no gaps, reference counts match the references, and after ``hub gc`` the store holds
exactly what the registry refers to and all of it verifies.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.registry import Registry
from hub.registry.maintenance import collect_garbage, verify
from hub.registry.tables import Blob, Report, VersionFile

KILLS = 20
SEED = 20240531


def hub_register(url: str, store: Path, source: Path, name: str) -> list[str]:
    return [sys.executable, "-m", "hub", "--no-plugins", "--registry", url, "--store", str(store),
            "register", str(source), "--name", name, "--license", "mit", "--tag", "run=fault"]


def model_folder(folder: Path, attempt: int) -> Path:
    """A model whose weights are new bytes each attempt, so every registration writes to the store."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(f'{{"attempt": {attempt}}}')
    (folder / "model.safetensors").write_bytes(random.Random(attempt).randbytes(3 << 20))
    return folder


def references(registry: Registry) -> dict[str, int]:
    with registry.engine.connect() as connection:
        counted = {}
        for table in (VersionFile.__table__, Report.__table__):
            for sha256, count in connection.execute(select(table.c.sha256, func.count()).group_by(table.c.sha256)):
                counted[sha256] = counted.get(sha256, 0) + count
        recorded = dict(connection.execute(select(Blob.__table__.c.sha256, Blob.__table__.c.refcount)).all())
    return counted, recorded


@pytest.mark.slow
def test_registrations_killed_at_random_moments_leave_no_partial_version(registry, tmp_path, store_dir):
    environment = {**os.environ, "HUB_USER": "fault-test"}
    started = time.perf_counter()
    subprocess.run(hub_register(registry.url, store_dir, model_folder(tmp_path / "m0", 0), "churn"),
                   env=environment, check=True, capture_output=True)
    duration = time.perf_counter() - started
    rng = random.Random(SEED)
    finished = 1
    for attempt in range(1, KILLS + 1):
        child = subprocess.Popen(hub_register(registry.url, store_dir, model_folder(tmp_path / f"m{attempt}", attempt),
                                              "churn"), env=environment,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 1.1) * duration)
        child.send_signal(signal.SIGKILL)
        finished += child.wait() == 0

    versions = registry.get_model("churn").versions
    assert [v.version for v in versions] == list(range(1, len(versions) + 1))
    assert len(versions) >= finished
    assert all(len(v.files) == 2 and v.tags == {"run": "fault"} for v in versions)
    assert [e.target for e in registry.audit_log("churn") if e.action == "version.register"] == [
        v.ref for v in reversed(versions)]
    counted, recorded = references(registry)
    assert counted == recorded
    assert verify(registry).ok

    collect_garbage(registry, grace=0)

    after = verify(registry)
    assert after.ok and after.unreferenced == 0
    assert set(registry.store.blobs()) == registry.referenced_blobs()
    for version in versions:
        registry.export_files("churn", version.version, tmp_path / "pulled" / str(version.version))


# -- clear errors from the command line ------------------------------------------------------------


@pytest.fixture
def model(tmp_path):
    return model_folder(tmp_path / "model", 1)


def test_a_corrupted_blob_is_named_on_pull_and_nothing_is_written(hub, registry, model, tmp_path):
    assert hub("register", str(model), "--name", "churn", "--license", "mit")[0] == 0
    weights = next(f for f in registry.get_version("churn").files if f.path == "model.safetensors")
    damaged = bytearray(registry.store.path(weights.sha256).read_bytes())
    damaged[100] ^= 0xFF
    registry.store.path(weights.sha256).write_bytes(bytes(damaged))

    code, output = hub("pull", "churn:1", str(tmp_path / "out"))

    assert code == 1
    assert "churn:1/model.safetensors" in output and "corrupt" in output
    assert [p.name for p in (tmp_path / "out").iterdir()] == []


@pytest.mark.parametrize("name, message", [
    ("../outside", "is not a valid model name"),
    ("acme/../x", "is not a valid model name"),
    ("", "is not a valid model name"),
    ("x" * 101, "is not a valid model name"),
    ("a/b/c", "is not a valid model name"),
])
def test_bad_names_are_refused_with_the_rule(hub, registry, model, name, message):
    code, output = hub("register", str(model), "--name", name, "--license", "mit")

    assert code == 1 and message in output and "Hint:" in output
    assert registry.list_models() == []


def test_an_unknown_license_is_refused_with_a_suggestion(hub, registry, model):
    code, output = hub("register", str(model), "--name", "churn", "--license", "apache2")

    assert code == 1
    assert "Unknown license id 'apache2'." in output and "Did you mean apache-2.0?" in output


def test_pickles_are_refused_unless_allowed(hub, registry, tmp_path):
    folder = tmp_path / "legacy"
    folder.mkdir()
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x02}q\x00.")

    refused = hub("register", str(folder), "--name", "legacy", "--license", "mit")
    allowed = hub("register", str(folder), "--name", "legacy", "--license", "mit", "--allow-pickle")

    assert refused[0] == 1 and "pytorch_model.bin is pickle-based" in refused[1] and "--allow-pickle" in refused[1]
    assert allowed[0] == 0
    assert registry.get_version("legacy").files[0].pickle
