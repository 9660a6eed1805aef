"""Turning a dataset spec into model inputs, the same way at training and at evaluation time."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hub.errors import EvaluationError
from hub.specs import DatasetSpec

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass(frozen=True)
class LabelledTable:
    """A loaded dataset: its rows (identifying columns removed) and the 0/1 target."""

    frame: "pd.DataFrame"
    y: "np.ndarray"

    def rows(self, index: "np.ndarray") -> "LabelledTable":
        return LabelledTable(self.frame.iloc[index].reset_index(drop=True), self.y[index])

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


def load_labelled(spec: DatasetSpec) -> LabelledTable:
    """Load a dataset, drop its identifying columns and encode the target as 1 for positive."""
    frame = spec.load()
    if spec.target not in frame.columns:
        raise EvaluationError(f"Dataset '{spec.name}' has no target column '{spec.target}'.")
    y = (frame[spec.target] == spec.positive_label).to_numpy().astype("int64")
    if not 0 < y.sum() < len(y):
        raise EvaluationError(
            f"Dataset '{spec.name}' needs both outcomes in '{spec.target}', "
            f"with {spec.positive_label!r} as the positive one."
        )
    frame = frame.drop(columns=[spec.target, *[c for c in spec.drop_columns if c in frame.columns]])
    return LabelledTable(frame.reset_index(drop=True), y)


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
