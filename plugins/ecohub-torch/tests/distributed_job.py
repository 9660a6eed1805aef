"""Run by test_torchrun.py under ``torchrun``: every process trains, only the main one registers.

Arguments: the registry URL, the store folder, and a folder where each process writes a digest of
its final weights.
"""

import hashlib
import sys
import tempfile
from pathlib import Path

import ecohub_torch
from ecohub_torch.loop import placement
from ecohub_torch.trainer import TORCH_TRAINER
from hub.testing import sample_frame
from hub.registry import Registry
from hub.specs import FitRequest, no_progress

url, store, digests = sys.argv[1:4]
frame = sample_frame(240)
y = (frame.pop("approved") == "yes").to_numpy().astype("int64")
request = FitRequest(model=ecohub_torch.MLP, params={**ecohub_torch.MLP.default_params, "epochs": 3, "batch_size": 32},
                     X=frame, y=y, seed=0, progress=no_progress, classes=("no", "yes"))
model = TORCH_TRAINER.fit(request)
where = placement()
weights = b"".join(tensor.numpy().tobytes() for tensor in model.network_.state_dict().values())
(Path(digests) / f"rank{where.rank}").write_text(hashlib.sha256(weights).hexdigest())
if where.main:
    with tempfile.TemporaryDirectory() as folder:
        TORCH_TRAINER.save(model, Path(folder))
        Registry(url, store).register_version(
            "ddp-mlp", files={p.name: p for p in Path(folder).iterdir()}, license="cc0-1.0",
            framework="torch", model_type="mlp", trainer="torch", config={"reproducibility": model.training_record_})
