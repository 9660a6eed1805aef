"""Loading a registered version into memory, and scoring rows with it, one way for every job.

A version stored as an adapter holds only its own weights: its trainer loads it with the files of
the exact base version its lineage names, exported beside it. Evaluation, deriving and anything
else that loads a model go through :func:`loaded_version`, so none of them forgets the base.
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from hub.errors import HubError
from hub.plugins.manager import Plugins, Provided
from hub.registry import Registry, VersionRecord
from hub.specs import CLASSIFICATION_TASKS, TABULAR_REGRESSION, BaseModel, TrainerSpec

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

ADAPTER = "adapter"


@dataclass(frozen=True)
class LoadedVersion:
    """A version loaded by its trainer, with its exported files (and its base's, for an adapter)."""

    record: VersionRecord
    model: Any
    directory: Path
    trainer: Provided[TrainerSpec]
    base: BaseModel | None = None


def adapter_base(record: VersionRecord) -> str | None:
    """The exact base version an adapter version is loaded on (``name:version``), or None."""
    for edge in record.lineage:
        if edge.relation == ADAPTER and edge.kind == "model" and edge.internal:
            return edge.parent
    return None


@contextlib.contextmanager
def exported_base(registry: Registry, ref: str) -> Iterator[BaseModel]:
    """A registered base model (``NAME``, ``NAME:V`` or ``NAME@ALIAS``) with its files in a temporary folder,
    removed on leaving. The base is never downloaded: it must be in this registry."""
    record = registry.resolve(ref)
    if adapter_base(record):
        raise HubError(f"{record.ref} is itself an adapter of {adapter_base(record)}, so its files are not a "
                       "whole model to build on.", f"Use {adapter_base(record)} as the base, or register a merged "
                       f"copy of {record.ref}.")
    with tempfile.TemporaryDirectory(prefix="hub-base-") as folder:
        registry.export_files(record.model, record.version, Path(folder))
        yield BaseModel(version=record, directory=Path(folder))


@contextlib.contextmanager
def loaded_version(plugins: Plugins, registry: Registry, record: VersionRecord) -> Iterator[LoadedVersion]:
    """Export a version's files, load it with its trainer (on its base, for an adapter) and yield it;
    the exported files stay until the block ends, then are removed."""
    trainer = plugins.get("trainers", record.trainer)
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hub-model-")))
        registry.export_files(record.model, record.version, folder)
        base_ref = adapter_base(record)
        if base_ref:
            base = stack.enter_context(exported_base(registry, base_ref))
            model = trainer.spec.load(folder, base=base.directory)
        else:
            base, model = None, trainer.spec.load(folder)
        yield LoadedVersion(record=record, model=model, directory=folder, trainer=trainer, base=base)


def task_of(record: VersionRecord) -> tuple[str, tuple[Any, ...]]:
    """The task a version was trained for and its classes as its config records them; the classes
    are empty where none were recorded (versions trained before tasks were, and registered ones),
    and are then those of the rows it is judged on."""
    config = record.config
    return config.get("task") or record.task or CLASSIFICATION_TASKS[0], tuple(config.get("classes") or ())


@dataclass(frozen=True)
class Predictions:
    """A model's output on some rows, shaped as :class:`hub.specs.EvaluationInput` holds it."""

    y_pred: "np.ndarray"
    y_score: "np.ndarray"


def predict(model: Any, X: "pd.DataFrame", task: str, classes: Sequence[Any]) -> Predictions:
    """Binary: the probability of class 1 and its 0.5 decision. Multi-class: the probability matrix
    and its argmax. Regression: the predictions, twice."""
    import numpy as np

    if task == TABULAR_REGRESSION:
        predicted = np.asarray(model.predict(X), dtype="float64").reshape(-1)
        return Predictions(predicted, predicted)
    if task not in CLASSIFICATION_TASKS:
        raise HubError(f"ecohub cannot score a model of the task '{task}'.")
    proba = np.asarray(model.predict_proba(X), dtype="float64")
    if proba.ndim != 2 or proba.shape[1] != len(classes):
        raise HubError(f"The model returned probabilities of shape {proba.shape} for {len(classes)} classes.",
                       "predict_proba must return one column per class, in the order of FitRequest.classes.")
    if len(classes) == 2:
        return Predictions((proba[:, 1] >= 0.5).astype("int64"), proba[:, 1])
    return Predictions(proba.argmax(axis=1).astype("int64"), proba)
