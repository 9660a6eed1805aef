"""The count table every number of the fairness report is computed from.

Rows are reduced once, in one vectorised pass, to counts per *cell*: a joint group (one label per
sensitive column, e.g. ``("female", "Black")``) × true outcome × decision (× score bin for the
threshold curves). Every rate and every disparity of any column or pair of columns is then a sum
over cells, so the report costs O(rows) once plus O(cells) per metric; a bootstrap resample is a
re-draw of the cells' counts rather than of the rows; and two tables over different rows add up,
which is how rows read in chunks are reported in flat memory.

Binary classification: ``counts[cell, true, decision]`` (2×2) and ``scores``/``score_sums``
``[cell, true, bin]`` over :data:`SCORE_BINS` bins of the probability of 1. Multi-class:
``counts[cell, true class, predicted class]``. Regression: ``counts[cell, moment]`` holding the
sums in :data:`MOMENTS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from hub.errors import EvaluationError

from ecohub_fairlearn.groups import Grouper

BINARY, MULTICLASS, REGRESSION = "binary", "multiclass", "regression"
SCORE_STEPS = 100
"""Threshold curves are exact at thresholds 0, 0.01, …, 1 (the deployed 0.5 among them)."""
SCORE_GRID = np.arange(SCORE_STEPS + 1) / SCORE_STEPS
SCORE_BINS = SCORE_STEPS + 1
"""Bin k holds scores in [k/100, (k+1)/100); the last bin holds scores of exactly 1."""
MOMENTS = ("count", "sum_true", "sum_prediction", "sum_prediction_squared", "sum_abs_error",
           "sum_squared_error")
_COMPACT_LIMIT = 1 << 22
"""Joint codes below this are compacted with a bincount; above, with a sort (np.unique)."""


@dataclass(frozen=True)
class CountTable:
    task: str
    columns: tuple[str, ...]
    cells: tuple[tuple[str, ...], ...]
    counts: np.ndarray
    scores: np.ndarray | None = None
    score_sums: np.ndarray | None = None
    classes: tuple[Any, ...] = ()

    @property
    def rows(self) -> int:
        if self.task == REGRESSION:
            return int(self.counts[:, 0].sum())
        return int(self.counts.sum())

    def margin(self, columns: Sequence[str], groupers: Mapping[str, Grouper]) -> tuple[list[str], np.ndarray]:
        """The groups of ``columns`` (labels joined by " × ") and a groups × cells 0/1 matrix.

        Groups are listed in each column's display order; only groups with rows appear.
        """
        positions = [self.columns.index(column) for column in columns]
        keys = [tuple(cell[p] for p in positions) for cell in self.cells]
        orders = [groupers[column].order([key[i] for key in keys]) for i, column in enumerate(columns)]
        rank = [{label: r for r, label in enumerate(order)} for order in orders]
        present = sorted(set(keys), key=lambda key: tuple(rank[i][label] for i, label in enumerate(key)))
        index = {key: g for g, key in enumerate(present)}
        indicator = np.zeros((len(present), len(self.cells)))
        indicator[[index[key] for key in keys], np.arange(len(self.cells))] = 1.0
        return [" × ".join(key) for key in present], indicator

    def merge(self, other: "CountTable") -> "CountTable":
        """The table of both tables' rows together (the same task, columns and classes)."""
        if (self.task, self.columns, self.classes) != (other.task, other.columns, other.classes):
            raise EvaluationError(
                "Cannot add count tables of different tasks, sensitive columns or classes "
                f"({self.task} {list(self.columns)} vs {other.task} {list(other.columns)}).",
                "Build every chunk's table with the same columns and settings.",
            )
        cells = list(self.cells) + [cell for cell in other.cells if cell not in set(self.cells)]
        index = {cell: i for i, cell in enumerate(cells)}
        return CountTable(
            self.task, self.columns, tuple(cells),
            _scatter(index, self.cells, self.counts, other.cells, other.counts),
            None if self.scores is None
            else _scatter(index, self.cells, self.scores, other.cells, other.scores),
            None if self.score_sums is None
            else _scatter(index, self.cells, self.score_sums, other.cells, other.score_sums),
            self.classes,
        )


def count_table(sensitive: pd.DataFrame, groupers: Mapping[str, Grouper], task: str,
                y_true, y_pred, y_score=None, classes: Sequence[Any] = ()) -> CountTable:
    """Reduce rows to a count table (see the module docstring for the arrays' layout)."""
    columns = tuple(str(column) for column in sensitive.columns)
    cell, cells = _joint_cells(sensitive, groupers)
    K = len(cells)
    n = len(cell)
    if task == REGRESSION:
        truth = np.asarray(y_true, dtype=float)
        prediction = np.asarray(y_pred, dtype=float)
        error = truth - prediction
        moments = [np.ones(n), truth, prediction, prediction**2, np.abs(error), error**2]
        counts = np.stack([np.bincount(cell, weights=m, minlength=K) for m in moments], axis=1)
        return _merged_duplicates(CountTable(task, columns, cells, counts))
    truth = np.asarray(y_true).astype(np.int64)
    decision = np.asarray(y_pred).astype(np.int64)
    C = 2 if task == BINARY else len(classes)
    for name, values in (("true labels", truth), ("decisions", decision)):
        if n and (values.min() < 0 or values.max() >= C):
            raise EvaluationError(
                f"The {name} must be class indices 0 to {C - 1} for this {task} report.",
                "Pass 0/1 for binary classification, or indices into the classes.",
            )
    counts = np.bincount((cell * C + truth) * C + decision, minlength=K * C * C).reshape(K, C, C)
    scores = score_sums = None
    if task == BINARY and y_score is not None:
        score = np.clip(np.asarray(y_score, dtype=float), 0.0, 1.0)
        if np.isnan(score).any():
            raise EvaluationError("Some scores are missing (NaN).", "Pass a score for every row.")
        bins = np.searchsorted(SCORE_GRID, score, side="right") - 1
        code = (cell * 2 + truth) * SCORE_BINS + bins
        size = K * 2 * SCORE_BINS
        scores = np.bincount(code, minlength=size).reshape(K, 2, SCORE_BINS)
        score_sums = np.bincount(code, weights=score, minlength=size).reshape(K, 2, SCORE_BINS)
    return _merged_duplicates(CountTable(task, columns, cells, counts, scores, score_sums, tuple(classes)))


def _joint_cells(sensitive: pd.DataFrame, groupers: Mapping[str, Grouper]):
    """A compact joint-group code per row, and each code's labels."""
    codes, names = [], []
    for column in sensitive.columns:
        code, labels = groupers[str(column)].codes(sensitive[column])
        codes.append(code)
        names.append(labels)
    sizes = [len(labels) for labels in names]
    joint = np.zeros(len(sensitive), dtype=np.int64)
    for code, size in zip(codes, sizes):
        joint = joint * size + code
    total = int(np.prod(sizes, dtype=float))
    if total <= _COMPACT_LIMIT:
        present = np.flatnonzero(np.bincount(joint, minlength=total))
        compact = np.full(total, -1, dtype=np.int64)
        compact[present] = np.arange(len(present))
        cell = compact[joint]
    else:
        present, cell = np.unique(joint, return_inverse=True)
    decoded = np.unravel_index(present, sizes) if len(sizes) else ()
    cells = tuple(
        tuple(names[c][int(decoded[c][k])] for c in range(len(sizes))) for k in range(len(present))
    )
    return cell, cells


def _merged_duplicates(table: CountTable) -> CountTable:
    """Two codes can carry the same label (1 and 1.0 both named 'male'): add their cells."""
    if len(set(table.cells)) == len(table.cells):
        return table
    empty = CountTable(table.task, table.columns, (), table.counts[:0],
                       None if table.scores is None else table.scores[:0],
                       None if table.score_sums is None else table.score_sums[:0], table.classes)
    merged = empty
    for k, cell in enumerate(table.cells):
        merged = merged.merge(CountTable(
            table.task, table.columns, (cell,), table.counts[k:k + 1],
            None if table.scores is None else table.scores[k:k + 1],
            None if table.score_sums is None else table.score_sums[k:k + 1], table.classes,
        ))
    return merged


def _scatter(index, cells_a, values_a, cells_b, values_b) -> np.ndarray:
    out = np.zeros((len(index), *values_a.shape[1:]), dtype=np.result_type(values_a, values_b))
    out[[index[c] for c in cells_a]] += values_a
    np.add.at(out, [index[c] for c in cells_b], values_b)
    return out
