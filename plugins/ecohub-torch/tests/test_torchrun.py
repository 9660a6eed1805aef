"""``hub train`` under torchrun: two CPU processes with gloo train one model and register it once."""

import json
import os
import subprocess
import sys

import pytest

from hub.registry import Registry


@pytest.mark.slow
def test_hub_train_under_torchrun_trains_in_two_processes_and_registers_one_version(tmp_path):
    url, store = f"sqlite:///{tmp_path / 'registry.db'}", tmp_path / "store"
    Registry(url, store).close()  # an existing registry, as a user's would be, so the processes do not race to create it
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2", "-m", "hub",
         "--registry", url, "--store", str(store), "train", "--dataset", "german-credit", "--model", "mlp",
         "--register", "ddp-mlp", "--max-rows", "240", "--epochs", "2", "--param", "batch_size=32", "--json"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert result.returncode == 0, result.stderr[-3000:]

    # rank 0 printed the one version it registered; rank 1 trained its share and printed nothing
    printed = json.loads(result.stdout)
    assert printed["model"] == "ddp-mlp" and printed["version"] == 1
    model = Registry(url, store).get_model("ddp-mlp")
    assert [v.version for v in model.versions] == [1]
    loop = model.versions[0].config["reproducibility"]["loop"]
    assert loop["world_size"] == 2 and loop["device"] == "cpu"
