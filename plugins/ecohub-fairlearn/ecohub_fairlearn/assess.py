"""The fairness evaluator: from the hub's evaluation inputs to a count table to the report.

Groups come from the dataset's declared bins and group labels (``inputs.dataset.bins`` and
``group_labels``). A per-run override (``hub evaluate --bins age=25,60``) reaches this evaluator
the same way: the core passes a copy of the dataset spec whose ``bins`` hold the override and
records it in the report's provenance, so there is one place bins are read from.
"""

from __future__ import annotations

import time
from importlib import metadata

import numpy as np

from hub.errors import EvaluationError
from hub.specs import TABULAR_REGRESSION, EvaluationInput

from ecohub_fairlearn.groups import grouper
from ecohub_fairlearn.report import fairness_report
from ecohub_fairlearn.table import BINARY, MULTICLASS, REGRESSION, count_table


def assess(inputs: EvaluationInput) -> dict:
    """Assess every sensitive column and pair of columns; the report is described in the README."""
    started = time.perf_counter()
    sensitive = inputs.sensitive
    if sensitive.shape[1] == 0:
        declared = ", ".join(inputs.dataset.sensitive_features) or "none declared"
        raise EvaluationError(
            "The fairness evaluator needs at least one sensitive column to compare groups by.",
            f"Choose sensitive columns of dataset '{inputs.dataset.name}' ({declared}).",
        )
    task, classes = _task(inputs)
    groupers = {
        str(name): grouper(sensitive[name], str(name), inputs.dataset.bins, inputs.dataset.group_labels)
        for name in sensitive.columns
    }
    score = _binary_score(inputs.y_score) if task == BINARY else None
    table = count_table(sensitive, groupers, task, inputs.y_true, inputs.y_pred, score, classes)
    model_inputs = [str(c) for c in sensitive.columns if c in set(getattr(inputs.X, "columns", ()))]
    report = fairness_report(
        table, groupers, seed=inputs.seed, model_inputs=model_inputs,
        positive_label=inputs.dataset.positive_label if task == BINARY else None,
    )
    report["library_versions"] = {lib: metadata.version(lib) for lib in ("numpy", "fairlearn")}
    report["runtime_seconds"] = round(time.perf_counter() - started, 3)
    return report


def _task(inputs: EvaluationInput) -> tuple[str, tuple]:
    """Binary (0/1 decisions and a score), multi-class (indices into ``classes``) or regression."""
    if inputs.task == TABULAR_REGRESSION:
        return REGRESSION, ()
    classes = tuple(inputs.classes)
    if len(classes) > 2:
        return MULTICLASS, classes
    return BINARY, classes


def _binary_score(y_score) -> np.ndarray | None:
    """The probability of 1, also from a two-column probability matrix; None without scores."""
    if y_score is None:
        return None
    y_score = np.asarray(y_score, dtype=float)
    return y_score[:, 1] if y_score.ndim == 2 else y_score
