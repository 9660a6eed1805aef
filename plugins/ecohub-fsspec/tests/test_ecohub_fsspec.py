"""The fsspec storage backends, on fsspec's real memory filesystem.

The behaviour every store must have (round trips, deduplication, corruption, gc) is tested once
for all backends in ecohub's tests/test_store.py, which runs it on this plugin too.
"""

import importlib.util
import json
import subprocess
import sys
import uuid

import pytest

import ecohub_fsspec
from hub.errors import HubError
from hub.registry import Registry
from hub.testing import PluginContract

VERSION = {"license": "mit", "framework": "sklearn", "model_type": "logistic-regression",
           "trainer": "sklearn", "task": "tabular-classification", "config": {}}


class TestContract(PluginContract):
    plugin = ecohub_fsspec
    name = "fsspec"


def backends():
    return {spec.scheme: spec.open for spec in ecohub_fsspec.hub_storage_backends()}


def test_backends_for_object_stores_and_memory():
    assert set(backends()) == {"s3", "gs", "gcs", "az", "abfs", "memory"}


def test_importing_the_plugin_imports_no_fsspec():
    probe = "import sys, ecohub_fsspec; print('fsspec' in sys.modules)"

    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "False"


def test_a_registry_keeps_its_files_in_memory_storage(tmp_path):
    (tmp_path / "model.json").write_text(json.dumps({"classes": [0, 1]}))
    registry = Registry(f"sqlite:///{tmp_path / 'registry.db'}", f"memory://{uuid.uuid4().hex}/hub",
                        backends=backends())

    registry.register_version("churn", files={"model.json": tmp_path / "model.json"}, **VERSION)
    registry.export_files("churn", 1, tmp_path / "pulled")

    assert (tmp_path / "pulled" / "model.json").read_text() == (tmp_path / "model.json").read_text()
    assert not (tmp_path / "hub-store").exists()


def test_an_upload_is_out_of_readers_sight_until_it_is_whole():
    objects = ecohub_fsspec.open_objects(f"memory://{uuid.uuid4().hex}")
    seen_midway = []

    def pieces():
        yield b"first half, "
        seen_midway.append((objects.exists("blobs/x"), len(list(objects.keys("tmp/")))))
        yield b"second half"

    objects.write("blobs/x", pieces())

    assert seen_midway == [(False, 1)]
    assert b"".join(objects.read("blobs/x")) == b"first half, second half"
    assert list(objects.keys("tmp/")) == []


@pytest.mark.skipif(importlib.util.find_spec("s3fs") is not None, reason="s3fs is installed here")
def test_s3_without_s3fs_says_what_to_install():
    with pytest.raises(HubError) as error:
        ecohub_fsspec.open_objects("s3://models/ecohub")

    assert "s3fs" in error.value.message
    assert "pip install 'ecohub-fsspec[s3]'" in error.value.hint
