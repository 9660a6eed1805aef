"""A writer killed with SIGKILL at random moments leaves no visible broken file, and gc clears the rest.

A real process stores safetensors files into a local store and is killed part-way, again and
again. Whatever it had finished must read back intact, every object in the store must be whole,
and ``collect`` must leave no temporary file and no chunk that no manifest lists.
"""

from __future__ import annotations

import hashlib
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from safetensors.numpy import save_file

from hub.registry.store import SHA256_KEY, open_store

ROUNDS = 6
FILES_PER_ROUND = 4

WORKER = """
import sys
from pathlib import Path
from hub.registry.store import open_store

store = open_store(sys.argv[1])
print("ready", flush=True)
for path in sys.argv[2:]:
    print(store.put_file(Path(path))[0], flush=True)
"""


@pytest.fixture
def rounds_of_files(tmp_path):
    """For each round, fine-tunes of a new base model, each with half its layers retrained."""
    rng = np.random.default_rng(7)
    rounds = []
    for number in range(ROUNDS + 1):
        base = {f"layers.{i}.weight": rng.standard_normal((128, 256), dtype=np.float32) for i in range(8)}
        paths = []
        for index in range(FILES_PER_ROUND):
            tuned = {**base, **{f"layers.{i}.weight": rng.standard_normal((128, 256), dtype=np.float32)
                                for i in range(4)}}
            paths.append(tmp_path / f"round-{number}-{index}.safetensors")
            save_file(tuned, paths[-1])
        rounds.append(paths)
    return rounds


def start_worker(store_dir, paths) -> subprocess.Popen:
    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(store_dir), *map(str, paths)],
                              stdout=subprocess.PIPE, text=True)
    assert worker.stdout.readline() == "ready\n"
    return worker


def test_killed_writers_leave_only_whole_objects_and_gc_clears_the_rest(tmp_path, rounds_of_files):
    store_dir = tmp_path / "store"
    timing = start_worker(store_dir, rounds_of_files[0])
    started = time.monotonic()
    completed = set(timing.stdout.read().split())
    full_run = time.monotonic() - started
    chance = random.Random(4)

    for paths in rounds_of_files[1:]:
        worker = start_worker(store_dir, paths)
        time.sleep(chance.uniform(0, full_run))
        worker.send_signal(signal.SIGKILL)
        completed.update(worker.stdout.read().split())
        worker.wait()

    store = open_store(str(store_dir))
    for key in store.objects.keys(""):
        if (match := SHA256_KEY.fullmatch(key)) and key.startswith(("blobs/", "chunks/")):
            assert hashlib.sha256(store.objects.path(key).read_bytes()).hexdigest() == match[1] + match[2]
    for sha256 in store.blobs():
        store.verify(sha256, sha256)

    collected = store.collect(completed, older_than=0)

    assert collected.temporaries or collected.chunks, "no kill landed mid-write, so this run proved nothing"

    assert list(store.objects.keys("tmp/")) == []
    assert sorted(store.blobs()) == sorted(completed)
    for sha256 in completed:
        store.verify(sha256, sha256)
    assert store.stored_size(completed) == sum(
        store.objects.size(key) for key in store.objects.keys("") if SHA256_KEY.fullmatch(key)
    )
