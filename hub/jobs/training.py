"""The main job: train a model type on a dataset and register the result as a new version.

Plugins supply the dataset, the model and the trainer; the core owns the split, the metrics, the
base model, the license conclusion, the reproducibility record and the registration, so every
trained version records the same facts whatever framework fitted it.
"""

from __future__ import annotations

import contextlib
import os
import platform
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping

from hub import __version__
from hub.errors import HubError, UnknownNameError
from hub.jobs.data import held_out_split, load_labelled, subsample
from hub.jobs.loading import exported_base, predict
from hub.jobs.metrics import task_metrics
from hub.jobs.stopping import stoppable
from hub.plugins.manager import Plugins
from hub.registry import DatasetUse, Registry, VersionRecord, licenses
from hub.registry.lineage import COPY, Parent
from hub.registry.registry import validate_name
from hub.specs import FitRequest, ProgressCallback, TrainingEventCallback, no_events, no_progress

# Libraries every version's record names besides its trainer plugin's own requirements.
CORE_LIBRARIES = ("numpy", "pandas")


def _scaled(progress: ProgressCallback, start: float, end: float) -> ProgressCallback:
    """Map a plugin's own 0..1 progress into one slice of the whole job's bar."""
    return lambda message, fraction: progress(message, start + (end - start) * min(max(fraction, 0.0), 1.0))


def library_versions(package: str) -> dict[str, str]:
    """The installed versions of a plugin package's direct requirements and the core's libraries."""
    names = list(CORE_LIBRARIES)
    if package:
        with contextlib.suppress(metadata.PackageNotFoundError):
            names += [requirement.split(";")[0].replace(" ", "") for requirement in metadata.requires(package) or ()
                      if "extra ==" not in requirement]
            names.append(package)
    found = {}
    for requirement in names:
        name = requirement
        for stop in "<>=!~[(@":
            name = name.split(stop)[0]
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return dict(sorted(found.items()))


def main_process() -> bool:
    """Whether this process scores and registers what it trains. Under ``torchrun`` (which sets
    ``RANK``) every process trains its share, and only rank 0 goes on, so one command registers one
    version however many processes ran it."""
    return int(os.environ.get("RANK", "0")) == 0


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
    base: str | None = None,
    max_rows: int | None = None,
    progress: ProgressCallback = no_progress,
    on_event: TrainingEventCallback = no_events,
) -> VersionRecord | None:
    """Fit on the training split, score the held-out split, and register version N+1.

    ``base`` (``NAME``, ``NAME:V`` or ``NAME@ALIAS``) is a registered version that a model type
    with a ``base_relation`` is adapted from; ``max_rows`` caps the training rows (a seeded,
    stratified sample; the held-out rows stay the same). Ctrl-C or SIGTERM stops the job with
    :class:`hub.jobs.stopping.JobStopped` and registers nothing. Under ``torchrun`` only rank 0
    returns the version; the other processes return None once their share of training is done.
    """
    data = plugins.get("datasets", dataset)
    model = plugins.get("models", model_type)
    trainer = plugins.trainer_for(model.spec.framework)
    task = data.spec.task
    if task not in model.spec.tasks:
        raise HubError(
            f"Model type '{model_type}' does not handle the '{task}' task of '{dataset}'.",
            f"It handles: {', '.join(model.spec.tasks)}.",
        )
    if model.spec.base_relation and not base:
        raise HubError(f"Model type '{model_type}' is adapted from a base model, and none was given.",
                       "Pass --base NAME[:VERSION|@ALIAS] naming a registered version ('hub models list').")
    if base and not model.spec.base_relation:
        raise HubError(f"Model type '{model_type}' is trained from scratch and takes no base model.",
                       "Leave out --base, or choose a model type that adapts a base ('hub model-types list').")
    if not 0 < test_size < 1:
        raise HubError(f"The held-out share must be between 0 and 1, not {test_size}.")
    if max_rows is not None and max_rows < 2:
        raise HubError(f"--max-rows must be at least 2, not {max_rows}.")
    validate_name(name)
    merged = {**model.spec.default_params, **(params or {})}
    plugins.notify("hub_before_training", name=name, dataset=data.spec, model_type=model.spec, params=merged,
                   seed=seed)

    with stoppable(f"Training {model_type} on {dataset}") as stop, contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hub-train-")))
        base_model = stack.enter_context(exported_base(registry, base)) if base else None
        progress(f"Loading {dataset}", 0.0)
        table = load_labelled(data.spec)
        features = data.spec.feature_columns(table.frame.columns)
        train_idx, test_idx = held_out_split(table.y, task, test_size, seed)
        if max_rows is not None:
            train_idx = train_idx[subsample(table.y[train_idx], task, max_rows, seed)]
        train_rows, test_rows = table.rows(train_idx), table.rows(test_idx)

        request = FitRequest(
            model=model.spec, params=merged, X=train_rows.columns(features, "a feature"), y=train_rows.y,
            seed=seed, progress=_scaled(progress, 0.1, 0.8), task=task, classes=table.classes, base=base_model,
            on_event=on_event,
        )
        progress(f"Fitting {model_type}", 0.1)
        fitted = trainer.spec.fit(request)
        if not main_process():
            return None

        progress("Scoring the held-out split", 0.8)
        test_X = test_rows.columns(features, "a feature")
        metrics = {
            "train": task_metrics(task, table.classes, train_rows.y,
                                  predict(fitted, request.X, task, table.classes).y_score),
            "test": task_metrics(task, table.classes, test_rows.y,
                                 predict(fitted, test_X, task, table.classes).y_score),
        }
        sources = {dataset: data.spec.license}
        if base_model:
            sources.update({f"{base_model.version.ref} ({key})": key
                            for key in sorted(licenses.parse(base_model.version.license).keys)})
        conclusion = licenses.conclude(sources)
        config = {
            "dataset": dataset,
            "task": task,
            "target": data.spec.target,
            "positive_label": data.spec.positive_label,
            "classes": list(table.classes),
            "features": features,
            "params": merged,
            "seed": seed,
            "split": {"method": "random" if not table.classes else "stratified", "test_size": test_size,
                      "train_rows": len(train_idx), "test_rows": len(test_idx)},
            "max_rows": max_rows,
            "environment": {"ecohub": __version__, "python": platform.python_version(),
                            "trainer_plugin": trainer.plugin,
                            "trainer_plugin_version": plugins.version_of(trainer.plugin)},
            "reproducibility": {
                "seed": seed,
                "params": merged,
                "libraries": library_versions(plugins.info(trainer.plugin).package),
                "device": "cpu",
                "platform": platform.platform(),
                "data_sha256": table.fingerprint(),
                "train_rows_sha256": train_rows.fingerprint(),
                "base": None if not base_model else {"model": base_model.version.model,
                                                     "version": base_model.version.version,
                                                     "commit": base_model.version.commit},
                **dict(getattr(fitted, "training_record_", None) or {}),
            },
        }
        if base_model:
            config["base"] = {"ref": base_model.version.ref, "commit": base_model.version.commit,
                              "relation": model.spec.base_relation}
        progress("Saving and registering", 0.9)
        output = workdir / "model"
        output.mkdir()
        trainer.spec.save(fitted, output)
        files = {p.relative_to(output).as_posix(): p for p in sorted(output.rglob("*")) if p.is_file()}
        with stop.registration():
            record = registry.register_version(
                name,
                files=files,
                license=conclusion.license.key,
                license_reasons=conclusion.reasons,
                framework=model.spec.framework,
                model_type=model_type,
                trainer=trainer.spec.name,
                task=task,
                config=config,
                metrics=metrics,
                datasets=[DatasetUse(dataset=dataset, plugin=data.plugin, license=data.spec.license,
                                     role="train", rows=len(table.y), sha256=table.fingerprint())],
                lineage=[Parent(base_model.version.ref, model.spec.base_relation)] if base_model else (),
                description=f"{model.spec.description.rstrip('.')}, trained on {dataset}"
                            + (f" from {base_model.version.ref}." if base_model else "."),
            )
    plugins.notify("hub_after_training", version=record, model=fitted)
    progress("Registered", 1.0)
    return record


def register_base_model(plugins: Plugins, registry: Registry, name: str) -> VersionRecord:
    """The latest registered version of a plugin's base model, registering it first if absent.

    Its files come from the plugin (never downloaded); the version records the upstream it copies
    (``config.source`` and the ``source`` tag, as ``hub pull-remote`` does for an imported model) and
    a ``copy`` lineage edge to it, so ``hub lineage`` and the license chain start at the publisher.
    """
    try:
        return registry.get_version(name)
    except UnknownNameError:
        pass
    provided = plugins.get("base_models", name)
    spec = provided.spec
    folder = spec.files()
    files = {path.relative_to(folder).as_posix(): path for path in sorted(folder.rglob("*"))
             if path.is_file() and ".git" not in path.relative_to(folder).parts and "__pycache__" not in path.parts}
    return registry.register_version(
        spec.name, files=files, license=spec.license,
        license_reasons=[f"plugin {provided.plugin} ships it under {spec.license}, the license of {spec.source}"],
        framework=spec.framework, task=spec.task, description=spec.description,
        config={"source": spec.source, "plugin": provided.plugin}, tags={"source": spec.source},
        lineage=[Parent(spec.source, COPY, license=spec.license)],
    )
