"""A fairness report over a file larger than memory, read in chunks.

Each chunk is reduced to a count table and added to the running one, so memory holds one chunk
and a table of a few thousand numbers however many rows the file has; the report is then built
from the table exactly as for rows in memory. Parquet files are read a row group batch at a time
(pyarrow), CSV files (also gzip-compressed) with pandas' ``chunksize``. Only the named columns are
read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from hub.errors import EvaluationError

from ecohub_fairlearn.bootstrap import RESAMPLES
from ecohub_fairlearn.groups import Grouper, grouper
from ecohub_fairlearn.report import fairness_report
from ecohub_fairlearn.table import BINARY, CountTable, count_table

CHUNK_ROWS = 500_000


def read_chunks(path: Path, columns: Sequence[str], chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """The named columns of a Parquet or CSV file, ``chunk_rows`` rows at a time."""
    path = Path(path)
    if not path.is_file():
        raise EvaluationError(f"No file at {path}.", "Pass the path of a Parquet or CSV file.")
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] == [".parquet"]:
        import pyarrow.parquet as pq

        source = pq.ParquetFile(path)
        missing = sorted(set(columns) - set(source.schema_arrow.names))
        _refuse_missing(path, missing, source.schema_arrow.names)
        for batch in source.iter_batches(batch_size=chunk_rows, columns=list(columns)):
            yield batch.to_pandas()
    elif ".csv" in suffixes:
        header = pd.read_csv(path, nrows=0).columns
        _refuse_missing(path, sorted(set(columns) - set(header)), header)
        yield from pd.read_csv(path, usecols=list(columns), chunksize=chunk_rows)
    else:
        raise EvaluationError(f"{path.name} is neither Parquet nor CSV.",
                              "Pass a .parquet, .csv or .csv.gz file.")


def table_from_chunks(chunks: Iterable[pd.DataFrame], *, truth: str, decision: str, sensitive: Sequence[str],
                      score: str | None = None, positive_label: Any = None,
                      bins: Mapping[str, Sequence[float]] | None = None,
                      group_labels: Mapping[str, Mapping[Any, str]] | None = None,
                      ) -> tuple[CountTable, dict[str, Grouper]]:
    """The count table of every chunk's rows (binary decisions), and the groupers it used.

    ``truth`` and ``decision`` hold 0/1, or labels of which ``positive_label`` is the positive one.
    """
    table, groupers = None, None
    for chunk in chunks:
        if groupers is None:
            groupers = {c: grouper(chunk[c], c, bins or {}, group_labels or {}) for c in sensitive}
        y_true, y_pred = (_binary(chunk[column], positive_label, column) for column in (truth, decision))
        part = count_table(chunk[list(sensitive)], groupers, BINARY, y_true, y_pred,
                           None if score is None else chunk[score].to_numpy(dtype=float))
        table = part if table is None else table.merge(part)
    if table is None:
        raise EvaluationError("The file has no rows.", "Pass a file with at least one row.")
    return table, groupers


def file_report(path: Path, *, truth: str, decision: str, sensitive: Sequence[str], score: str | None = None,
                positive_label: Any = None, bins: Mapping[str, Sequence[float]] | None = None,
                chunk_rows: int = CHUNK_ROWS, resamples: int = RESAMPLES, seed: int = 0) -> dict:
    """The fairness report of a file's rows, read ``chunk_rows`` at a time."""
    if not sensitive:
        raise EvaluationError("Name at least one sensitive column to compare groups by.")
    columns = list(dict.fromkeys([truth, decision, *sensitive, *([score] if score else [])]))
    table, groupers = table_from_chunks(
        read_chunks(path, columns, chunk_rows), truth=truth, decision=decision, sensitive=sensitive,
        score=score, positive_label=positive_label, bins=bins,
    )
    return fairness_report(table, groupers, seed=seed, resamples=resamples, positive_label=positive_label)


def _binary(values: pd.Series, positive_label: Any, column: str) -> np.ndarray:
    if positive_label is not None:
        return (values.astype(str) == str(positive_label)).to_numpy(dtype=np.int64)
    array = values.to_numpy()
    if not np.isin(array, (0, 1)).all():
        raise EvaluationError(
            f"Column '{column}' holds values other than 0 and 1.",
            "Pass --positive-label to say which value is the positive outcome.",
        )
    return array.astype(np.int64)


def _refuse_missing(path: Path, missing: Sequence[str], present: Iterable[str]) -> None:
    if missing:
        raise EvaluationError(
            f"{path.name} has no column {', '.join(map(repr, missing))}.",
            f"Its columns are: {', '.join(map(str, present))}.",
        )
