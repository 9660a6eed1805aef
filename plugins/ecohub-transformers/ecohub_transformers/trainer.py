"""The ``transformers`` trainer: adapts a registered base model, saves a Hugging Face folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.errors import HubError
from hub.specs import FitRequest, TrainerSpec

from ecohub_torch.trainer import progress_events


def fit(request: FitRequest) -> Any:
    if request.base is None:
        raise HubError(f"Model type '{request.model.name}' adapts a registered base model, and none was given.",
                       "Pass --base sentence-transformers/all-MiniLM-L6-v2 (hub demo registers it).")
    model = request.model.build({**request.params, "random_state": request.seed})
    request.progress(f"adapting {request.base.version.ref} on {len(request.X)} rows", 0.0)
    model.fit(request.X, request.y, base=request.base.directory, base_name=request.base.version.model,
              classes=request.classes, on_event=progress_events(request))
    request.progress(f"trained {request.model.name}", 1.0)
    return model


def save(model: Any, directory: Path) -> None:
    model.save(Path(directory))


def load(directory: Path, base: Path | None = None) -> Any:
    from ecohub_transformers.classifier import TextClassifier

    return TextClassifier.load(Path(directory), base=base)


TRANSFORMERS_TRAINER = TrainerSpec(
    name="transformers",
    framework="transformers",
    description="Adapts registered transformers to text classification with ecohub's training loop; "
                "saves Hugging Face folders of safetensors.",
    fit=fit,
    save=save,
    load=load,
)
