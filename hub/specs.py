"""The typed values that plugins return from hooks, and the inputs ecohub hands back to them.

One dataclass per thing a plugin can provide. Anything heavy (reading data, building an
estimator, fitting, explaining) is a callable that ecohub calls only when the thing is used, so
listing plugins imports nothing beyond the plugin module itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    import click
    import numpy as np
    import pandas as pd

TABULAR_CLASSIFICATION = "tabular-classification"

ProgressCallback = Callable[[str, float], None]
"""Called with a short description of the current step and the fraction done (0.0 to 1.0)."""


def no_progress(message: str, fraction: float) -> None:
    """The progress callback for work that runs without a display."""


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset a plugin offers: how to load it and what its columns mean.

    ``load`` returns the whole table as a pandas DataFrame. ``positive_label`` is the value of
    ``target`` that counts as the positive (selected) outcome in binary classification.
    ``features`` are the columns a model learns from; empty means every column except the
    target and ``drop_columns``. ``drop_columns`` are identifying columns (names, dates of birth)
    that are never used as features or displayed. ``license`` is a license id ecohub knows
    (``hub licenses`` lists them).
    """

    name: str
    description: str
    load: Callable[[], "pd.DataFrame"]
    target: str
    positive_label: Any
    license: str
    task: str = TABULAR_CLASSIFICATION
    sensitive_features: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    drop_columns: tuple[str, ...] = ()
    source: str = ""

    def feature_columns(self, columns) -> list[str]:
        """The model's input columns, given the columns of the loaded table."""
        if self.features:
            return list(self.features)
        excluded = {self.target, *self.drop_columns}
        return [column for column in columns if column not in excluded]


@dataclass(frozen=True)
class ModelSpec:
    """A kind of model a plugin can build, fitted by the trainer of the same ``framework``.

    ``build(params)`` returns an unfitted estimator; ``default_params`` are merged under the
    parameters a user passes.
    """

    name: str
    description: str
    framework: str
    build: Callable[[Mapping[str, Any]], Any]
    tasks: tuple[str, ...] = (TABULAR_CLASSIFICATION,)
    default_params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FitRequest:
    """What a trainer is asked to fit: a model spec, its parameters and the training rows.

    ``params`` are complete: the model's ``default_params`` with the user's values over them.
    ``y`` holds 1 for the dataset's positive label and 0 otherwise.
    """

    model: ModelSpec
    params: Mapping[str, Any]
    X: "pd.DataFrame"
    y: "np.ndarray"
    seed: int
    progress: ProgressCallback


@dataclass(frozen=True)
class TrainerSpec:
    """Fits, saves and safely loads the models of one framework.

    ``fit`` returns a fitted model with scikit-learn's ``predict`` and ``predict_proba``.
    ``save(model, directory)`` writes the model's files into an empty directory, in a format that
    does not execute code when read; ``load(directory)`` reads them back.
    """

    name: str
    framework: str
    description: str
    fit: Callable[[FitRequest], Any]
    save: Callable[[Any, Path], None]
    load: Callable[[Path], Any]


@dataclass(frozen=True)
class EvaluationInput:
    """Everything an evaluator sees: the fitted model and the rows it is judged on.

    ``X`` holds the model's feature columns for the evaluation rows; ``sensitive`` holds the
    sensitive columns the user chose for those same rows (which need not be features).
    ``y_true`` and ``y_pred`` are 0/1; ``y_score`` is the predicted probability of 1.
    """

    model: Any
    model_type: str
    framework: str
    dataset: DatasetSpec
    X: "pd.DataFrame"
    y_true: "np.ndarray"
    y_pred: "np.ndarray"
    y_score: "np.ndarray"
    sensitive: "pd.DataFrame"
    seed: int


@dataclass(frozen=True)
class EvaluatorSpec:
    """A report a plugin can produce about a model version.

    ``evaluate`` returns a JSON-serialisable mapping, stored with the version as the report's
    source of truth; ``summarize`` turns that mapping into a few readable lines for a terminal.
    ``frameworks`` limits which models it applies to (empty means any).
    """

    name: str
    kind: str
    description: str
    evaluate: Callable[[EvaluationInput], Mapping[str, Any]]
    summarize: Callable[[Mapping[str, Any]], str]
    frameworks: tuple[str, ...] = ()

    def applies_to(self, framework: str) -> bool:
        return not self.frameworks or framework in self.frameworks


@dataclass(frozen=True)
class PublishCheckResult:
    """The verdict of one publish check: a failing one blocks the promotion or the push."""

    check: str
    passed: bool
    reason: str = ""


@dataclass(frozen=True)
class PublishCheckSpec:
    """A check run before a version is promoted to an alias or shared with another hub.

    ``check(version, action, target)`` receives the ``VersionRecord``, the action (``"alias"`` or
    ``"push"``) and its target (the alias name or the destination repository).
    """

    name: str
    description: str
    check: Callable[[Any, str, str], PublishCheckResult]


@dataclass(frozen=True)
class StorageBackendSpec:
    """A blob-store backend chosen by the scheme of the store URI (``s3://bucket/prefix``).

    ``open(uri)`` returns an object with the blob-store interface of :mod:`hub.registry.store`.
    """

    scheme: str
    description: str
    open: Callable[[str], Any]


@dataclass(frozen=True)
class CommandSpec:
    """A ``hub`` subcommand a plugin adds.

    ``hub --help`` lists ``name`` and ``help`` without importing the command; ``load()`` returns
    the ``click.Command`` and is called only when someone runs it.
    """

    name: str
    help: str
    load: Callable[[], "click.Command"]


@dataclass(frozen=True)
class DashboardPageSpec:
    """A page a plugin adds to the review dashboard.

    ``render(registry)`` draws the page with Streamlit calls; it receives the dashboard's
    ``hub.registry.Registry``. ``name`` becomes the page's URL path; ``icon`` is an emoji or a
    ``:material/name:`` icon.
    """

    name: str
    title: str
    render: Callable[[Any], None]
    icon: str = ""
