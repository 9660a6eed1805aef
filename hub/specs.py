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
TABULAR_REGRESSION = "tabular-regression"
TEXT_CLASSIFICATION = "text-classification"
TASKS = (TABULAR_CLASSIFICATION, TABULAR_REGRESSION, TEXT_CLASSIFICATION)
CLASSIFICATION_TASKS = (TABULAR_CLASSIFICATION, TEXT_CLASSIFICATION)
"""The tasks the core understands: it checks a dataset's target against its task when the data
loads, and computes every trainer's metrics the same way for each task."""

ProgressCallback = Callable[[str, float], None]
"""Called with a short description of the current step and the fraction done (0.0 to 1.0)."""


def no_progress(message: str, fraction: float) -> None:
    """The progress callback for work that runs without a display."""


@dataclass(frozen=True)
class TrainingEvent:
    """One moment of a training run, for a progress bar, a live loss chart or a log.

    ``kind`` is ``"step"`` (an optimiser step), ``"epoch"`` (an epoch ended), ``"validation"``
    (a validation metric was computed; ``metric`` names it and holds its value) or
    ``"checkpoint"``. Fields a moment does not have are None.
    """

    kind: str
    epoch: int
    step: int
    total_steps: int
    loss: float | None = None
    learning_rate: float | None = None
    metric: Mapping[str, float] | None = None
    eta_seconds: float | None = None


TrainingEventCallback = Callable[[TrainingEvent], None]


def no_events(event: TrainingEvent) -> None:
    """The event callback for training that runs without a display."""


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset a plugin offers: how to load it and what its columns mean.

    ``load`` returns the whole table as a pandas DataFrame. ``task`` is one of :data:`TASKS`.
    ``positive_label`` is the value of ``target`` that counts as the positive (selected) outcome
    in binary classification; None for multi-class classification (the classes are the target's
    values) and for regression. A target with more than two values and a ``positive_label`` is an
    error unless ``one_vs_rest`` asks for that label against all others.
    ``features`` are the columns a model learns from; empty means every column except the
    target and ``drop_columns`` (for ``text-classification``, ``text_column`` alone).
    ``drop_columns`` are identifying columns (names, dates of birth) that are never used as
    features or displayed. ``license`` is a license id ecohub knows (``hub licenses`` lists them).
    ``bins`` declare how a numeric sensitive column is grouped for fairness reports (``{"age":
    (25, 60)}``: under 25, 25 to 59, 60 and over); ``group_labels`` name coded groups
    (``{"male": {1.0: "male", 0.0: "female"}}``).
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
    text_column: str = ""
    one_vs_rest: bool = False
    bins: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    group_labels: Mapping[str, Mapping[Any, str]] = field(default_factory=dict)

    def feature_columns(self, columns) -> list[str]:
        """The model's input columns, given the columns of the loaded table."""
        if self.features:
            return list(self.features)
        if self.task == TEXT_CLASSIFICATION:
            return [self.text_column]
        excluded = {self.target, *self.drop_columns}
        return [column for column in columns if column not in excluded]


@dataclass(frozen=True)
class ModelSpec:
    """A kind of model a plugin can build, fitted by the trainer of the same ``framework``.

    ``build(params)`` returns an unfitted estimator; ``default_params`` are merged under the
    parameters a user passes. A model type adapted from a registered base model (a transformer
    fine-tuned for a task) sets ``base_relation`` to the lineage relation its versions have to
    that base (``"finetune"``, ``"adapter"``); ``hub train --base`` is then required.
    """

    name: str
    description: str
    framework: str
    build: Callable[[Mapping[str, Any]], Any]
    tasks: tuple[str, ...] = (TABULAR_CLASSIFICATION,)
    default_params: Mapping[str, Any] = field(default_factory=dict)
    base_relation: str = ""


@dataclass(frozen=True)
class BaseModel:
    """A registered version a model is adapted from, with its files exported to ``directory``.

    ``version`` is the base's ``VersionRecord``; its ``commit`` is what the new version's
    reproducibility record names.
    """

    version: Any
    directory: Path


@dataclass(frozen=True)
class BaseModelSpec:
    """A pretrained model a plugin ships, which ecohub can register as a base to adapt (``--base``).

    ``name`` is the registry name it is registered under, and its Hugging Face id where it has
    one (``sentence-transformers/all-MiniLM-L6-v2``). ``license`` is a license id ecohub knows.
    ``source`` is the exact upstream it is a copy of, as an external lineage reference
    (``hf:sentence-transformers/all-MiniLM-L6-v2@c9745ed…``). ``files()`` returns the folder
    holding its files; it is called only when the model is registered, and must not download.
    """

    name: str
    description: str
    license: str
    source: str
    files: Callable[[], Path]
    framework: str = ""
    task: str = ""


@dataclass(frozen=True)
class FitRequest:
    """What a trainer is asked to fit: a model spec, its parameters and the training rows.

    ``params`` are complete: the model's ``default_params`` with the user's values over them.
    For classification ``y`` holds class indices into ``classes`` (binary: 1 for the dataset's
    positive label, 0 otherwise, with ``classes`` in that order); for regression the float
    target, with ``classes`` empty. ``base`` is the registered base model for model types with
    a ``base_relation``. ``on_event`` receives step, epoch and validation events as they happen.
    """

    model: ModelSpec
    params: Mapping[str, Any]
    X: "pd.DataFrame"
    y: "np.ndarray"
    seed: int
    progress: ProgressCallback
    task: str = TABULAR_CLASSIFICATION
    classes: tuple[Any, ...] = ()
    base: BaseModel | None = None
    on_event: TrainingEventCallback = no_events


@dataclass(frozen=True)
class TrainerSpec:
    """Fits, saves and safely loads the models of one framework.

    ``fit`` returns a fitted model with scikit-learn's ``predict`` and, for classification,
    ``predict_proba`` (one column per class, in the order of ``FitRequest.classes``).
    ``save(model, directory)`` writes the model's files into an empty directory, in a format that
    does not execute code when read; ``load(directory)`` reads them back. A version stored as an
    adapter of a registered base is loaded as ``load(directory, base=base_directory)``, with the
    base's files exported there.
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
    Binary classification: ``y_true`` and ``y_pred`` are 0/1 and ``y_score`` is the predicted
    probability of 1. Multi-class: class indices into ``classes`` and a probability matrix with
    one column per class. Regression: the target and the predictions, in the target's units
    (``y_score`` is the prediction).
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
    task: str = TABULAR_CLASSIFICATION
    classes: tuple[Any, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    """What the user asked of this run beyond the defaults: the evaluator's declared
    :class:`EvaluatorOption` values (``hub evaluate --option shap.sample_rows=2000``), checked and
    converted by the core, and ``"rows"``, the evaluation rows ``hub explain --row`` asks about.
    An evaluator records what it used in its report."""
    progress: ProgressCallback = no_progress
    """Call it with a short step and the evaluator's own fraction done (0 to 1) as a long
    evaluation goes; the core maps it into the run's overall progress. (Plugin API 1.2.)"""


@dataclass(frozen=True)
class EvaluatorOption:
    """A setting a user may pass an evaluator: ``hub evaluate --option EVALUATOR.NAME=VALUE``.

    The core refuses names an evaluator does not declare and converts each value to ``type``
    (``int``, ``float``, ``bool`` or ``str``) within ``minimum`` and ``maximum`` before the
    evaluator runs, so a typo is an error naming the evaluator and the key, never a setting
    silently ignored. (Plugin API 1.2.)
    """

    name: str
    description: str
    type: type = int
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class EvaluatorSpec:
    """A report a plugin can produce about a model version.

    ``evaluate`` returns a JSON-serialisable mapping, stored with the version as the report's
    source of truth; ``summarize`` turns that mapping into a few readable lines for a terminal.
    ``frameworks`` limits which models it applies to (empty means any); ``options`` are the
    settings it reads from ``EvaluationInput.options``.
    """

    name: str
    kind: str
    description: str
    evaluate: Callable[[EvaluationInput], Mapping[str, Any]]
    summarize: Callable[[Mapping[str, Any]], str]
    frameworks: tuple[str, ...] = ()
    options: tuple[EvaluatorOption, ...] = ()

    def applies_to(self, framework: str) -> bool:
        return not self.frameworks or framework in self.frameworks


@dataclass(frozen=True)
class TrainingRows:
    """The rows a parent version was trained on (re-drawn from its recorded split), for derivers
    that learn from data: mitigation, distillation, calibration."""

    X: "pd.DataFrame"
    y: "np.ndarray"
    sensitive: "pd.DataFrame"


@dataclass(frozen=True)
class DeriveRequest:
    """What a deriver is asked to make: a new model from a registered version.

    ``parent`` is the parent's ``VersionRecord``, ``model`` the parent loaded by its trainer and
    ``directory`` its exported files. The deriver writes the new model's files into the empty
    ``output`` directory, in a format that runs no code when loaded. ``training_rows()`` loads the
    parent's training rows only when called.
    """

    parent: Any
    model: Any
    directory: Path
    output: Path
    params: Mapping[str, Any]
    seed: int
    training_rows: Callable[[], TrainingRows]
    progress: ProgressCallback = no_progress


@dataclass(frozen=True)
class Derived:
    """What a deriver made: which trainer loads ``output`` back, and what to record about it.

    ``details`` (e.g. the quantization scheme) go into the new version's config.
    """

    trainer: str
    framework: str
    model_type: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeriverSpec:
    """A way to make a new version from an existing one: quantize, prune, distill, merge, mitigate.

    ``relation`` is the lineage relation the new version has to its parent (``"quantized"``,
    ``"mitigated"``...). ``frameworks`` limits which parents it applies to (empty means any).
    ``derive(request)`` returns :class:`Derived`; the core registers the result, evaluates it on
    the parent's held-out rows and records the differences.
    """

    name: str
    description: str
    relation: str
    derive: Callable[[DeriveRequest], Derived]
    frameworks: tuple[str, ...] = ()
    default_params: Mapping[str, Any] = field(default_factory=dict)

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
