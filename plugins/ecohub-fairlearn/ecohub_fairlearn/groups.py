"""Turning one sensitive column into a group label per row, the same way for every chunk of rows.

Groups come from what the dataset declares, never from the rows being evaluated: a numeric column
is cut at its declared edges (``DatasetSpec.bins``, e.g. age 25 and 60: under 25, 25 to under 60,
60 and over), and coded values get their declared names (``DatasetSpec.group_labels``, e.g. 1.0 as
``male``). Quartiles of the evaluated rows would move with every sample and can hide the very
groups a reviewer asks about (under-25s, over-60s). Because nothing depends on the rows, chunks of
a larger-than-memory file get the same labels and their count tables can be added.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from hub.errors import EvaluationError

MAX_DISTINCT_VALUES = 20
"""An undeclared numeric column with more distinct values than this needs declared bins."""
MISSING = "missing"


@dataclass(frozen=True)
class Grouper:
    """How one sensitive column becomes group labels: by declared bins, named codes, or value."""

    column: str
    edges: tuple[float, ...] = ()
    names: Mapping[Any, str] | None = None

    @property
    def binning(self) -> dict | None:
        """The bins as stored in the report; None when the column is grouped by value."""
        if not self.edges:
            return None
        return {
            "method": "declared",
            "edges": [_plain(edge) for edge in self.edges],
            "labels": self.bin_labels(),
            "closed": "left: a value equal to an edge belongs to the bin above it",
        }

    def bin_labels(self) -> list[str]:
        edges = [_format(edge) for edge in self.edges]
        inner = [f"{low} to under {high}" for low, high in zip(edges, edges[1:])]
        return [f"under {edges[0]}", *inner, f"{edges[-1]} and over"]

    def codes(self, values: pd.Series) -> tuple[np.ndarray, list[str]]:
        """An integer code per row and the label each code stands for (labels may repeat)."""
        values = values.reset_index(drop=True)
        if self.edges:
            missing = values.isna().to_numpy()
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            unreadable = np.isnan(numbers) & ~missing
            if unreadable.any():
                example = values[unreadable].iloc[0]
                raise EvaluationError(
                    f"Sensitive column '{self.column}' has bins declared but holds a value that "
                    f"is not a number ({example!r}).",
                    "Declare bins only for numeric columns, or fix the column's values.",
                )
            index = np.searchsorted(np.asarray(self.edges, dtype=float), numbers, side="right")
            return np.where(missing, len(self.edges) + 1, index), self.bin_labels() + [MISSING]
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        names = [self._name(value) for value in uniques] + [MISSING]
        return np.where(codes < 0, len(uniques), codes), names

    def order(self, labels: Sequence[str]) -> list[str]:
        """The present labels in display order: by bin, else by value (numbers numerically)."""
        present = set(labels)
        if self.edges:
            return [name for name in self.bin_labels() + [MISSING] if name in present]
        return sorted(present, key=_display_key)

    def _name(self, value) -> str:
        if self.names is not None:
            for key in (value, _plain(value), str(value)):
                try:
                    if key in self.names:
                        return str(self.names[key])
                except TypeError:
                    continue
        return _format(value)


def grouper(column: pd.Series | None, name: str, bins: Mapping[str, Sequence[float]],
            group_labels: Mapping[str, Mapping[Any, str]]) -> Grouper:
    """The grouper a column gets from the dataset's declarations (``column`` is checked, if given).

    An undeclared numeric column with many distinct values would give one tiny group per value,
    and inventing cut points from the rows is exactly what can be gamed, so it is refused.
    """
    if name in bins:
        edges = tuple(float(edge) for edge in bins[name])
        if not edges or any(b <= a for a, b in zip(edges, edges[1:])) or not np.isfinite(edges).all():
            raise EvaluationError(
                f"The bins of '{name}' must be finite, increasing edges; got {list(bins[name])}.",
                "Declare them like age=25,60 (under 25, 25 to under 60, 60 and over).",
            )
        return Grouper(name, edges=edges)
    if column is not None:
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        distinct = column.nunique() if numeric else 0
        if distinct > MAX_DISTINCT_VALUES and name not in group_labels:
            raise EvaluationError(
                f"Sensitive column '{name}' is numeric with {distinct} distinct values and no "
                "declared bins, so its groups would be single values too small to judge.",
                f"Declare its bins in the dataset, or pass them for this run (e.g. --bins "
                f"{name}=25,60).",
            )
    return Grouper(name, names=group_labels.get(name))


def _format(value) -> str:
    value = _plain(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plain(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _display_key(label: str):
    if label == MISSING:
        return (2, 0.0, label)
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)
