"""The main job: train a model type on a dataset and register the result as a new version.

Plugins supply the dataset, the model and the trainer; the core owns the split, the metrics, the
license conclusion and the registration, so every trained version records the same facts.
"""

from __future__ import annotations

import platform
import tempfile
from pathlib import Path
from typing import Any, Mapping

from hub import __version__
from hub.registry import licenses
from hub.jobs.data import load_labelled, stratified_split
from hub.errors import HubError
from hub.jobs.metrics import binary_metrics
from hub.plugins.manager import Plugins
from hub.registry import DatasetUse, Registry, VersionRecord
from hub.registry.registry import validate_name
from hub.specs import FitRequest, ProgressCallback, no_progress



def _scaled(progress: ProgressCallback, start: float, end: float) -> ProgressCallback:
    """Map a plugin's own 0..1 progress into one slice of the whole job's bar."""
    return lambda message, fraction: progress(message, start + (end - start) * min(max(fraction, 0.0), 1.0))


def train(
    plugins: Plugins,
    registry: Registry,
    *,
    dataset: str,
    model_type: str,
    name: str,
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    test_size: float = 0.25,
    progress: ProgressCallback = no_progress,
) -> VersionRecord:
    """Fit on a stratified train split, score the held-out split, and register version N+1."""
    data = plugins.get("datasets", dataset)
    model = plugins.get("models", model_type)
    trainer = plugins.trainer_for(model.spec.framework)
    if data.spec.task not in model.spec.tasks:
        raise HubError(
            f"Model type '{model_type}' does not handle the '{data.spec.task}' task of '{dataset}'.",
            f"It handles: {', '.join(model.spec.tasks)}.",
        )
    if not 0 < test_size < 1:
        raise HubError(f"The held-out share must be between 0 and 1, not {test_size}.")
    validate_name(name)
    merged = {**model.spec.default_params, **(params or {})}
    plugins.notify("hub_before_training", name=name, dataset=data.spec, model_type=model.spec, params=merged,
                   seed=seed)

    progress(f"Loading {dataset}", 0.0)
    table = load_labelled(data.spec)
    features = data.spec.feature_columns(table.frame.columns)
    train_idx, test_idx = stratified_split(table.y, test_size, seed)
    train_rows, test_rows = table.rows(train_idx), table.rows(test_idx)

    request = FitRequest(
        model=model.spec,
        params=merged,
        X=train_rows.columns(features, "a feature"),
        y=train_rows.y,
        seed=seed,
        progress=_scaled(progress, 0.1, 0.8),
    )
    progress(f"Fitting {model_type}", 0.1)
    fitted = trainer.spec.fit(request)

    progress("Scoring the held-out split", 0.8)
    metrics = {
        "train": binary_metrics(train_rows.y, fitted.predict_proba(request.X)[:, 1]),
        "test": binary_metrics(test_rows.y, fitted.predict_proba(test_rows.columns(features, "a feature"))[:, 1]),
    }
    conclusion = licenses.conclude({dataset: data.spec.license})
    config = {
        "dataset": dataset,
        "target": data.spec.target,
        "positive_label": data.spec.positive_label,
        "features": features,
        "params": merged,
        "seed": seed,
        "split": {"method": "stratified", "test_size": test_size,
                  "train_rows": len(train_idx), "test_rows": len(test_idx)},
        "environment": {"ecohub": __version__, "python": platform.python_version(),
                        "trainer_plugin": trainer.plugin, "trainer_plugin_version": plugins.version_of(trainer.plugin)},
    }
    progress("Saving and registering", 0.9)
    with tempfile.TemporaryDirectory(prefix="hub-train-") as workdir:
        trainer.spec.save(fitted, Path(workdir))
        files = {p.relative_to(workdir).as_posix(): p for p in sorted(Path(workdir).rglob("*")) if p.is_file()}
        record = registry.register_version(
            name,
            files=files,
            license=conclusion.license.key,
            license_reasons=conclusion.reasons,
            framework=model.spec.framework,
            model_type=model_type,
            trainer=trainer.spec.name,
            task=data.spec.task,
            config=config,
            metrics=metrics,
            datasets=[DatasetUse(dataset=dataset, plugin=data.plugin, license=data.spec.license,
                                 role="train", rows=len(table.y), sha256=table.fingerprint())],
            description=f"{model.spec.description.rstrip('.')}, trained on {dataset}.",
        )
    plugins.notify("hub_after_training", version=record, model=fitted)
    progress("Registered", 1.0)
    return record
