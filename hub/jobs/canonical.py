"""A version's declared evaluation, and what any other evaluation is next to it.

Every version has one *declared* evaluation: the held-out split of its training data, every
sensitive column its dataset declares, the dataset's declared bins. Its reports are ``canonical``
and are the only ones a verdict reads (:mod:`hub.registry.reports`). Any other run of
``hub evaluate`` (other columns, other bins, other data) is stored beside it as ``additional``,
and as ``overlap`` when its rows include rows the version was trained on, found by hashing each
row's model inputs and comparing them with the training rows re-drawn from the recorded split.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from hub.errors import EvaluationError
from hub.jobs.data import LabelledTable, held_out_split, load_labelled, subsample
from hub.registry import VersionRecord
from hub.registry.reports import ADDITIONAL, CANONICAL, OVERLAP
from hub.specs import DatasetSpec

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from hub.jobs.evaluation import EvaluationRows
    from hub.plugins.manager import Plugins

MAX_EDGES = 50
DECISION_THRESHOLD = 0.5


@dataclass(frozen=True)
class Declared:
    """What the declared evaluation of a version judges: dataset, sensitive columns and their bins."""

    dataset: str
    sensitive: tuple[str, ...]
    bins: dict[str, list[float]] = field(default_factory=dict)


def declared(record: VersionRecord, spec: DatasetSpec) -> Declared:
    """The declared evaluation of ``record``, whose training dataset ``spec`` describes.

    What the version recorded at training (``config["evaluation"]``) wins over what the dataset
    declares today, so a later change to the dataset plugin cannot move the goalposts.
    """
    recorded = record.config.get("evaluation") or {}
    sensitive = tuple(recorded.get("sensitive_features", spec.sensitive_features))
    bins = recorded.get("bins", spec.bins)
    return Declared(record.config["dataset"], sensitive,
                    {column: [float(edge) for edge in bins[column]] for column in sensitive if column in bins})


def parse_bins(values: Sequence[str]) -> dict[str, list[float]]:
    """``["age=25,60"]`` as ``{"age": [25.0, 60.0]}``, with an error naming what is wrong."""
    parsed: dict[str, list[float]] = {}
    for value in values:
        column, found, edges = value.partition("=")
        column = column.strip()
        if not found or not column or not edges.strip():
            raise EvaluationError(f"'{value}' is not COLUMN=EDGE[,EDGE...].", "For example: --bins age=25,60.")
        try:
            numbers = [float(edge) for edge in edges.split(",")]
        except ValueError:
            raise EvaluationError(f"The bin edges in '{value}' are not all numbers.",
                                  "For example: --bins age=25,60.") from None
        if not all(math.isfinite(number) for number in numbers) or len(numbers) > MAX_EDGES:
            raise EvaluationError(f"'{value}' needs 1 to {MAX_EDGES} finite edges.")
        if any(low >= high for low, high in zip(numbers, numbers[1:])):
            raise EvaluationError(f"The bin edges in '{value}' must increase.", "For example: --bins age=25,60.")
        if column in parsed:
            raise EvaluationError(f"--bins names '{column}' twice.")
        parsed[column] = numbers
    return parsed


def effective_bins(declaration: Declared, spec: DatasetSpec, sensitive: Sequence[str],
                   overrides: Mapping[str, list[float]]) -> dict[str, list[float]]:
    """The bins this run groups each sensitive column by: the override, else the declared ones."""
    if stray := sorted(set(overrides) - set(sensitive)):
        raise EvaluationError(f"--bins names {', '.join(map(repr, stray))}, which this evaluation does not "
                              "compare groups by.", f"Its sensitive columns are: {', '.join(sensitive)}.")
    base = declaration.bins if spec.name == declaration.dataset else {}
    declared_here = {column: [float(edge) for edge in edges] for column, edges in spec.bins.items()}
    chosen = {**declared_here, **base, **overrides}
    return {column: chosen[column] for column in sensitive if column in chosen}


def row_hashes(frame: "pd.DataFrame") -> "np.ndarray":
    """One 64-bit hash per row of model inputs, the same whichever dataset the row comes from:
    numbers are compared as floats and everything else as text, so ``25`` and ``25.0`` match."""
    import pandas as pd

    normalised = pd.DataFrame({
        str(index): (column.astype("float64")
                     if pd.api.types.is_numeric_dtype(column) else column.astype("string").fillna("\0"))
        for index, (_, column) in enumerate(frame.items())
    })
    return pd.util.hash_pandas_object(normalised, index=False).to_numpy()


def training_rows(record: VersionRecord, table: LabelledTable) -> LabelledTable:
    """The rows ``record`` was trained on, re-drawn from its recorded split and seed."""
    config = record.config
    train, _ = held_out_split(table.y, table.task, config["split"]["test_size"], config["seed"])
    if config.get("max_rows"):
        train = train[subsample(table.y[train], table.task, config["max_rows"], config["seed"])]
    return table.rows(train)


def recorded_data_sha256(record: VersionRecord) -> str | None:
    """The fingerprint of the whole training dataset when the version was trained."""
    uses = [use.sha256 for use in record.datasets if use.role == "train"]
    return uses[0] if uses else (record.config.get("reproducibility") or {}).get("data_sha256")


@dataclass(frozen=True)
class Judged:
    """Which role an evaluation's reports take, and the facts behind it, for the provenance."""

    role: str
    overlap: dict[str, Any]


def judge(record: VersionRecord, declaration: Declared, train_spec: DatasetSpec, *, dataset: str,
          dataset_sha256: str, held_out: bool, eval_X: "pd.DataFrame", sensitive: Sequence[str],
          bins: Mapping[str, list[float]]) -> Judged:
    """Canonical when this is the declared evaluation on unchanged data; overlap when the rows
    include training rows; additional otherwise."""
    unchanged = dataset_sha256 == recorded_data_sha256(record)
    if dataset == declaration.dataset and held_out:
        if not unchanged:
            return Judged(ADDITIONAL, {"checked": False, "reason": (
                f"'{dataset}' has changed since {record.ref} was trained, so its held-out split cannot be "
                "re-drawn exactly")})
        overlap = {"checked": True, "rows": 0, "reason": "the held-out split of the training data"}
        is_declared = sorted(sensitive) == sorted(declaration.sensitive) and dict(bins) == declaration.bins
        return Judged(CANONICAL if is_declared else ADDITIONAL, overlap)
    table = load_labelled(train_spec)
    if table.fingerprint() != recorded_data_sha256(record):
        return Judged(ADDITIONAL, {"checked": False, "reason": (
            f"the training dataset '{declaration.dataset}' has changed since {record.ref} was trained, so its "
            "training rows cannot be re-drawn to compare")})
    import numpy as np

    features = record.config["features"]
    trained = row_hashes(training_rows(record, table).columns(features, "a model feature"))
    shared = int(np.isin(row_hashes(eval_X), trained).sum())
    overlap = {"checked": True, "rows": shared, "share": round(shared / max(len(eval_X), 1), 6),
               "reason": f"{shared} of {len(eval_X)} rows have the model inputs of a training row"}
    return Judged(OVERLAP if shared else ADDITIONAL, overlap)


def judged_rows(plugins: "Plugins", record: VersionRecord, rows: "EvaluationRows",
                bins: Mapping[str, list[float]] | None = None) -> "EvaluationRows":
    """``rows`` with the bins this run uses (handed to evaluators through the dataset spec), the
    role its reports take and what the overlap check found."""
    train_spec = plugins.get("datasets", record.config["dataset"]).spec
    declaration = declared(record, train_spec)
    chosen = effective_bins(declaration, rows.spec, rows.sensitive, bins or {})
    judged = judge(record, declaration, train_spec, dataset=rows.dataset, dataset_sha256=rows.dataset_sha256,
                   held_out=rows.held_out, eval_X=rows.X, sensitive=rows.sensitive, bins=chosen)
    spec = dataclasses.replace(rows.spec, bins={**rows.spec.bins, **{k: tuple(v) for k, v in chosen.items()}})
    return dataclasses.replace(rows, spec=spec, bins=chosen, role=judged.role, overlap=judged.overlap)
