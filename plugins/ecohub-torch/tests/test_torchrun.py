"""The loop under torchrun: two CPU processes with gloo train one model and register it once."""

import subprocess
import sys
from pathlib import Path

import pytest

from hub.registry import Registry


@pytest.mark.slow
def test_two_gloo_processes_train_in_step_and_register_one_version(tmp_path):
    url, store, digests = f"sqlite:///{tmp_path / 'registry.db'}", tmp_path / "store", tmp_path / "digests"
    digests.mkdir()
    Registry(url, store).close()  # create the schema once, before two processes race to
    job = Path(__file__).with_name("distributed_job.py")
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", str(job), url,
         str(store), str(digests)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    model = Registry(url, store).get_model("ddp-mlp")
    assert [v.version for v in model.versions] == [1]
    loop = model.versions[0].config["reproducibility"]["loop"]
    assert loop["world_size"] == 2 and loop["device"] == "cpu"
    # DDP averaged the gradients, so both processes ended with the same weights.
    assert (digests / "rank0").read_text() == (digests / "rank1").read_text()
