"""The ``torch`` trainer: fits, saves and loads the plugin's models through their own methods."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.specs import FitRequest, TrainerSpec, TrainingEvent


def progress_events(request: FitRequest):
    """Forward each training event to ``request.on_event`` and step events to the progress callback."""

    def on_event(event: TrainingEvent) -> None:
        request.on_event(event)
        if event.kind == "step" and event.total_steps:
            loss = "" if event.loss is None else f", loss {event.loss:.4f}"
            request.progress(f"step {event.step} of {event.total_steps}{loss}", event.step / event.total_steps)

    return on_event


def fit(request: FitRequest) -> Any:
    model = request.model.build({**request.params, "random_state": request.seed})
    request.progress(f"training {request.model.name} on {len(request.X)} rows", 0.0)
    model.fit(request.X, request.y, task=request.task, classes=request.classes, on_event=progress_events(request))
    request.progress(f"trained {request.model.name}", 1.0)
    return model


def save(model: Any, directory: Path) -> None:
    model.save(Path(directory))


def load(directory: Path) -> Any:
    from ecohub_torch.tabular import TabularMLP

    return TabularMLP.load(Path(directory))


TORCH_TRAINER = TrainerSpec(
    name="torch",
    framework="torch",
    description="Trains torch models with ecohub's training loop; stores safetensors and JSON, never pickles.",
    fit=fit,
    save=save,
    load=load,
)
