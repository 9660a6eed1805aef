"""Mapping the output columns of a fitted ``ColumnTransformer`` back to the features they came from.

SHAP values add up, so an original feature's attribution is the sum over the columns it produced:
all one-hot columns of a categorical feature, the one scaled column of a numeric feature. The
mapping is read from the fitted transformers (their output slices and the encoders' categories)
rather than parsed from output column names, whose spelling differs between encoders.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils import _safe_indexing

from hub.errors import EvaluationError


def source_features(preprocess: ColumnTransformer) -> list[str]:
    """The original feature behind each output column of a fitted ``ColumnTransformer``."""
    if not hasattr(preprocess, "feature_names_in_"):
        raise EvaluationError(
            "The preprocessing step was fitted without column names, so SHAP values cannot be "
            "named after the original features.",
            "Fit the pipeline on a pandas DataFrame.",
        )
    header = pd.DataFrame(columns=preprocess.feature_names_in_)
    width = max((s.stop for s in preprocess.output_indices_.values()), default=0)
    owners: list[str | None] = [None] * width
    for name, transformer, columns in preprocess.transformers_:
        out = preprocess.output_indices_[name]
        if out.stop == out.start:
            continue
        inputs = _input_names(header, columns)
        widths = _output_widths(transformer, len(inputs))
        if sum(widths) != out.stop - out.start:
            raise EvaluationError(
                f"The output columns of transformer '{name}' cannot be traced back to its input "
                f"columns ({', '.join(inputs)}).",
                "Only one-hot encoders change the number of columns in a pipeline this evaluator "
                "explains; other steps must keep one output column per input column.",
            )
        owners[out] = [feature for feature, n in zip(inputs, widths) for _ in range(n)]
    return owners


def sum_by_feature(values: np.ndarray, owners: list[str]) -> tuple[list[str], np.ndarray]:
    """Add up per-column values (rows x columns [x outputs]) into per-feature values (rows x
    features [x outputs])."""
    features = list(dict.fromkeys(owners))
    membership = np.zeros((len(owners), len(features)))
    membership[np.arange(len(owners)), [features.index(owner) for owner in owners]] = 1.0
    return features, np.einsum("nc...,cf->nf...", values, membership)


def _input_names(header: pd.DataFrame, columns) -> list[str]:
    # Fitted transformers keep their column selection as given (names, positions, masks or
    # slices); selecting from an empty frame with the fitted names resolves all of them alike.
    selected = _safe_indexing(header, columns, axis=1)
    return [selected.name] if isinstance(selected, pd.Series) else list(selected.columns)


def _output_widths(transformer, n_inputs: int) -> list[int]:
    encoder = _one_hot_encoder(transformer)
    if encoder is None:
        return [1] * n_inputs
    return [_encoded_width(encoder, i) for i in range(len(encoder.categories_))]


def _one_hot_encoder(transformer) -> OneHotEncoder | None:
    if isinstance(transformer, OneHotEncoder):
        return transformer
    if isinstance(transformer, Pipeline):
        encoders = [step for _, step in transformer.steps if isinstance(step, OneHotEncoder)]
        return encoders[-1] if encoders else None
    return None


def _encoded_width(encoder: OneHotEncoder, column: int) -> int:
    width = len(encoder.categories_[column])
    infrequent = getattr(encoder, "infrequent_categories_", None)
    if infrequent is not None and infrequent[column] is not None:
        width -= len(infrequent[column]) - 1  # all infrequent categories share one column
    if encoder.drop_idx_ is not None and encoder.drop_idx_[column] is not None:
        width -= 1
    return width
