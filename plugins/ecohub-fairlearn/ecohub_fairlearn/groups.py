"""Turning one sensitive column into a group label per row.

A numeric column with many distinct values (age, income) would give one group per value, each
too small to judge, so it is cut into quartiles: about equal-sized groups, with the edges and
labels reported so a reader knows exactly who is in each. Everything else is grouped by value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_DISTINCT_VALUES = 10
"""A numeric column with more distinct values than this is binned."""
QUANTILE_BINS = 4
MISSING = "missing"


@dataclass(frozen=True)
class Grouping:
    labels: pd.Series
    """One group label (a string) per row."""
    order: list[str]
    """The groups in display order: by value, or by bin."""
    binning: dict | None
    """How a continuous column was binned, as stored in the report; None when it was not."""


def group(column: pd.Series) -> Grouping:
    """Group the rows by the column's value, or by its quartile when it is continuous."""
    column = column.reset_index(drop=True)
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    if numeric and column.nunique() > MAX_DISTINCT_VALUES:
        return _quantile_bins(column)
    values = column.dropna().unique().tolist()
    values.sort(key=None if numeric else str)
    order = [_label(value) for value in values] + ([MISSING] if column.isna().any() else [])
    labels = column.map(_label, na_action="ignore").fillna(MISSING).astype(str)
    return Grouping(labels.rename(column.name), order, None)


def _quantile_bins(column: pd.Series) -> Grouping:
    values = column.astype(float)
    present = values.dropna()
    integral = bool((present % 1 == 0).all())
    edges = np.quantile(present, np.linspace(0, 1, QUANTILE_BINS + 1))
    if integral:
        # Bins are right-closed, so flooring an edge keeps every integer value in the same bin.
        edges = np.floor(edges)
    edges = np.unique(edges)  # heavily tied values can make neighbouring quartiles coincide
    labels = [_bin_label(edges, i, integral) for i in range(len(edges) - 1)]
    binned = pd.cut(values, edges, labels=labels, include_lowest=True, right=True)
    order = labels + ([MISSING] if values.isna().any() else [])
    binning = {
        "method": "quantile",
        "bins": len(labels),
        "edges": [int(e) if integral else float(e) for e in edges],
        "labels": labels,
        "closed": "right; the first bin also holds its lower edge",
    }
    labels_per_row = binned.astype(str).where(values.notna(), MISSING).rename(column.name)
    return Grouping(labels_per_row, order, binning)


def _bin_label(edges: np.ndarray, i: int, integral: bool) -> str:
    low, high = edges[i], edges[i + 1]
    if integral:
        first = int(low) if i == 0 else int(low) + 1
        return f"{first}–{int(high)}" if first < high else f"{int(high)}"
    return f"{'[' if i == 0 else '('}{low:.4g}, {high:.4g}]"


def _label(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)
