"""Turning a dataset spec into model inputs, the same way at training and at evaluation time.

The target is checked against the declared task when the data loads: a classifier trained on a
continuous target, or a binary model of a label that never occurs, is wrong without a word, so
each such mismatch is an error naming the column and what to declare instead.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hub.errors import EvaluationError
from hub.specs import CLASSIFICATION_TASKS, TABULAR_REGRESSION, TASKS, TEXT_CLASSIFICATION, DatasetSpec

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# A numeric classification target with more distinct values than this is taken for a measurement.
MAX_NUMERIC_CLASSES = 50


@dataclass(frozen=True)
class LabelledTable:
    """A loaded dataset: its rows (identifying columns removed) and the encoded target.

    Classification: ``y`` holds indices into ``classes`` (binary: 0 for the rest, 1 for the
    positive label, with ``classes`` in that order). Regression: ``y`` is the float target and
    ``classes`` is empty.
    """

    frame: "pd.DataFrame"
    y: "np.ndarray"
    task: str = CLASSIFICATION_TASKS[0]
    classes: tuple[Any, ...] = ()

    def rows(self, index: "np.ndarray") -> "LabelledTable":
        return LabelledTable(self.frame.iloc[index].reset_index(drop=True), self.y[index], self.task, self.classes)

    def columns(self, names: list[str], purpose: str) -> "pd.DataFrame":
        missing = [name for name in names if name not in self.frame.columns]
        if missing:
            raise EvaluationError(
                f"The dataset has no column {', '.join(map(repr, missing))} needed as {purpose}.",
                f"Its columns are: {', '.join(self.frame.columns)}.",
            )
        return self.frame[names]

    def fingerprint(self) -> str:
        """sha256 over the rows' contents, so a report can say exactly which data it used."""
        import pandas as pd

        hashed = pd.util.hash_pandas_object(self.frame, index=False).to_numpy()
        return hashlib.sha256(hashed.tobytes() + self.y.tobytes()).hexdigest()


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds, so class labels can be stored as JSON."""
    return value.item() if hasattr(value, "item") else value


def load_labelled(spec: DatasetSpec) -> LabelledTable:
    """Load a dataset, check its target against its task, drop identifying columns and encode the target."""
    if spec.task not in TASKS:
        raise EvaluationError(f"Dataset '{spec.name}' declares the task '{spec.task}', which ecohub does not know.",
                              f"Declare one of: {', '.join(TASKS)}.")
    frame = spec.load()
    if spec.target not in frame.columns:
        raise EvaluationError(f"Dataset '{spec.name}' has no target column '{spec.target}'.",
                              f"Its columns are: {', '.join(map(str, frame.columns))}.")
    if spec.task == TEXT_CLASSIFICATION and (not spec.text_column or spec.text_column not in frame.columns):
        raise EvaluationError(
            f"Dataset '{spec.name}' is a text-classification dataset without its text column "
            f"{spec.text_column!r}." if spec.text_column else
            f"Dataset '{spec.name}' is a text-classification dataset but declares no text_column.",
            "Declare text_column as the column that holds the text.")
    target = frame[spec.target]
    missing = int(target.isna().sum())
    if missing:
        raise EvaluationError(f"Dataset '{spec.name}': {missing} rows have no value in the target column "
                              f"'{spec.target}'.", "Drop those rows in the dataset's load function.")
    if spec.task == TABULAR_REGRESSION:
        y, classes = _regression_target(spec, target), ()
    else:
        y, classes = _class_target(spec, target)
    frame = frame.drop(columns=[spec.target, *[c for c in spec.drop_columns if c in frame.columns]])
    return LabelledTable(frame.reset_index(drop=True), y, spec.task, classes)


def _regression_target(spec: DatasetSpec, target: "pd.Series") -> "np.ndarray":
    import pandas as pd

    if spec.positive_label is not None:
        raise EvaluationError(f"Dataset '{spec.name}' is a regression dataset with a positive_label "
                              f"({spec.positive_label!r}) on '{spec.target}'.",
                              "Regression predicts numbers: declare positive_label=None, or "
                              "task='tabular-classification' to predict that label.")
    numbers = pd.to_numeric(target, errors="coerce")
    if numbers.isna().any():
        example = target[numbers.isna()].iloc[0]
        raise EvaluationError(f"Dataset '{spec.name}': the regression target '{spec.target}' holds values that "
                              f"are not numbers, such as {example!r}.",
                              "Declare task='tabular-classification' (with positive_label for a binary target) "
                              "to predict labels.")
    return numbers.to_numpy(dtype="float64")


def _class_target(spec: DatasetSpec, target: "pd.Series") -> tuple["np.ndarray", tuple[Any, ...]]:
    import numpy as np
    import pandas as pd

    values = target.unique()
    if pd.api.types.is_numeric_dtype(target) and not pd.api.types.is_bool_dtype(target):
        fractional = bool((target.astype("float64") % 1 != 0).any())
        if fractional or len(values) > MAX_NUMERIC_CLASSES:
            raise EvaluationError(
                f"Dataset '{spec.name}' declares '{spec.target}' a classification target, but it holds continuous "
                f"values ({len(values)} distinct, such as {plain(values[0])!r}).",
                "Declare task='tabular-regression' to predict the number, or bin it into classes in the "
                "dataset's load function.")
    if spec.positive_label is None:
        if len(values) < 3:
            raise EvaluationError(
                f"Dataset '{spec.name}' declares no positive_label, but its target '{spec.target}' has "
                f"{len(values)} value{'s' if len(values) != 1 else ''}: {', '.join(map(repr, map(plain, values)))}.",
                "A two-valued target is binary: declare which value is positive_label.")
        classes = tuple(plain(value) for value in sorted(values))
        y = pd.Categorical(target, categories=sorted(values)).codes.astype("int64")
    else:
        if not (target == spec.positive_label).any():
            raise EvaluationError(
                f"Dataset '{spec.name}': the positive label {spec.positive_label!r} never occurs in '{spec.target}'.",
                f"Its values are: {', '.join(map(repr, map(plain, values[:20])))}. Declare one of them as "
                "positive_label.")
        others = [plain(value) for value in values if value != spec.positive_label]
        if len(others) > 1 and not spec.one_vs_rest:
            raise EvaluationError(
                f"Dataset '{spec.name}': '{spec.target}' has {len(values)} values, and a positive_label "
                f"({spec.positive_label!r}) makes it binary.",
                "Declare positive_label=None to predict every class (multi-class), or one_vs_rest=True to "
                f"predict {spec.positive_label!r} against all the others.")
        if not others:
            raise EvaluationError(
                f"Dataset '{spec.name}' needs both outcomes in '{spec.target}', but every row is "
                f"{spec.positive_label!r}.", "A binary target needs rows of each outcome.")
        rest = others[0] if len(others) == 1 else f"not {spec.positive_label}"
        classes = (rest, plain(spec.positive_label))
        y = (target == spec.positive_label).to_numpy().astype("int64")
    counts = np.bincount(y, minlength=len(classes))
    lonely = [classes[index] for index in np.flatnonzero(counts == 1)]
    if lonely:
        raise EvaluationError(
            f"Dataset '{spec.name}': class {', '.join(map(repr, lonely))} of '{spec.target}' has a single row, "
            "too few to both train on and evaluate.",
            "Merge it into another class or drop its rows in the dataset's load function.")
    return y, classes


def held_out_split(y: "np.ndarray", task: str, test_size: float, seed: int) -> tuple["np.ndarray", "np.ndarray"]:
    """Row indices of the training and held-out rows: stratified by class for classification, a
    seeded random split for regression. Evaluation re-draws the same split from the same seed."""
    if task == TABULAR_REGRESSION:
        import numpy as np

        order = np.random.default_rng(seed).permutation(len(y))
        test = np.sort(order[: int(round(len(y) * test_size))])
        return np.setdiff1d(np.arange(len(y)), test), test
    return stratified_split(y, test_size, seed)


def stratified_split(y: "np.ndarray", test_size: float, seed: int) -> tuple["np.ndarray", "np.ndarray"]:
    """Row indices of a seeded split that keeps each class's share in both parts."""
    import numpy as np

    rng = np.random.default_rng(seed)
    held_out = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        rng.shuffle(members)
        held_out.append(members[: int(round(len(members) * test_size))])
    test = np.sort(np.concatenate(held_out))
    train = np.setdiff1d(np.arange(len(y)), test)
    return train, test


def subsample(y: "np.ndarray", task: str, rows: int, seed: int) -> "np.ndarray":
    """Positions of ``rows`` of ``y`` drawn with the seed, each class keeping its share (at least one row
    per class), for quick runs on a slice of the training rows."""
    import numpy as np

    if rows >= len(y):
        return np.arange(len(y))
    rng = np.random.default_rng(seed)
    if task == TABULAR_REGRESSION:
        return np.sort(rng.choice(len(y), rows, replace=False))
    labels, counts = np.unique(y, return_counts=True)
    quota = np.maximum(np.floor(counts * rows / len(y)).astype(int), 1)
    by_remainder = np.argsort(-(counts * rows / len(y) - quota), kind="stable")
    for index in by_remainder[: max(rows - int(quota.sum()), 0)]:
        quota[index] += 1
    chosen = [rng.choice(np.flatnonzero(y == label), min(take, count), replace=False)
              for label, take, count in zip(labels, quota, counts)]
    return np.sort(np.concatenate(chosen))
