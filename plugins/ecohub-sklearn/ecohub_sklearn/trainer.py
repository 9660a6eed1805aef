"""Fitting scikit-learn models for ecohub, reporting progress as the fit goes."""

from __future__ import annotations

import inspect
from typing import Any

from hub.specs import FitRequest, ProgressCallback, TrainerSpec

from ecohub_sklearn import artifacts


def fit(request: FitRequest) -> Any:
    """Build the model from the request's parameters, seed it, and fit it.

    Every ``random_state`` in the model, nested ones included, gets the request's seed, so the
    same request fits the same model. Fractions reported never go down: 0 at the start, one
    step per boosting stage for estimators that accept a ``monitor``, and 1 at the end.
    """
    model = request.model.build(request.params)
    model.set_params(**{
        key: request.seed
        for key in model.get_params()
        if key == "random_state" or key.endswith("__random_state")
    })
    request.progress(f"fitting {request.model.name} on {len(request.X)} rows", 0.0)
    model.fit(request.X, request.y, **_stage_reporting(model, request.progress))
    request.progress(f"fitted {request.model.name}", 1.0)
    return model


def _stage_reporting(model: Any, progress: ProgressCallback) -> dict[str, Any]:
    """The ``fit`` argument that reports each boosting stage, or nothing for other estimators.

    Gradient boosting calls ``monitor(stage, estimator, locals)`` after every stage and stops
    early if it returns True; other plugins' sklearn models may be bare estimators rather than
    pipelines, so the argument is addressed to whichever estimator comes last.
    """
    from sklearn.pipeline import Pipeline

    if isinstance(model, Pipeline):
        step, estimator = model.steps[-1]
        prefix = f"{step}__"
    else:
        estimator, prefix = model, ""
    if "monitor" not in inspect.signature(estimator.fit).parameters:
        return {}

    def monitor(stage: int, booster: Any, _locals: dict) -> bool:
        done = stage + 1
        progress(f"boosting stage {done} of {booster.n_estimators}", done / booster.n_estimators)
        return False

    return {f"{prefix}monitor": monitor}


SKLEARN_TRAINER = TrainerSpec(
    name="sklearn",
    framework="sklearn",
    description="Fits scikit-learn models and stores them as skops files, never as pickles.",
    fit=fit,
    save=artifacts.save,
    load=artifacts.load,
)
