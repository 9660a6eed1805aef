"""A multilayer perceptron for tables, with scikit-learn's ``fit``/``predict``/``predict_proba``.

Numeric columns are standardised with the training rows' mean and standard deviation (missing
values become the mean); every other column is a categorical whose values get an index, 0 being
"missing or never seen", and enter the network through an embedding (``categorical="embed"``) or
as one-hot vectors (``categorical="onehot"``, a fixed identity embedding). Classification
(binary and multi-class) minimises cross-entropy; regression minimises squared error on the
standardised target. The model is saved as ``model.safetensors`` and ``config.json``: tensors and
plain JSON, nothing that runs code when read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from hub.errors import HubError, UnsafeArtifactError
from hub.specs import TABULAR_CLASSIFICATION, TABULAR_REGRESSION, TrainingEventCallback, no_events

from ecohub_torch.loop import LoopConfig, fit as run_loop

WEIGHTS, CONFIG = "model.safetensors", "config.json"
FORMAT = "ecohub-torch-mlp/1"
PREDICT_BATCH = 1024


class Network(nn.Module):
    """Embeddings for the categoricals, concatenated with the numerics, through ReLU layers."""

    def __init__(self, numeric: int, cardinalities: Sequence[int], hidden: Sequence[int], outputs: int,
                 dropout: float, categorical: str, embedding_dim: int):
        super().__init__()
        self.embeddings = nn.ModuleList()
        width = numeric
        for size in cardinalities:
            if categorical == "onehot":
                table = nn.Embedding(size, size)
                table.weight.data = torch.eye(size)
                table.weight.requires_grad_(False)
            else:
                table = nn.Embedding(size, min(embedding_dim, (size + 1) // 2 + 1))
            self.embeddings.append(table)
            width += table.embedding_dim
        layers: list[nn.Module] = []
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
            width = size
        layers.append(nn.Linear(width, outputs))
        self.layers = nn.Sequential(*layers)

    def forward(self, numeric: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        parts = [numeric, *(table(codes[:, i]) for i, table in enumerate(self.embeddings))]
        return self.layers(torch.cat(parts, dim=1))


class TabularMLP:
    """An MLP estimator. Parameters are the network's and the loop's (:class:`LoopConfig`)."""

    def __init__(self, hidden_sizes: Sequence[int] = (64, 32), dropout: float = 0.1, categorical: str = "embed",
                 embedding_dim: int = 8, random_state: int = 0, **loop: Any):
        if categorical not in ("embed", "onehot"):
            raise HubError(f"categorical={categorical!r} is not a choice.", "Use 'embed' or 'onehot'.")
        self.hidden_sizes = tuple(int(size) for size in hidden_sizes)
        self.dropout = float(dropout)
        self.categorical = categorical
        self.embedding_dim = int(embedding_dim)
        self.random_state = random_state
        self.loop = dict(loop)
        LoopConfig.from_params(self.loop)  # fail on a bad parameter now, not after loading the data

    # -- fitting -----------------------------------------------------------------------------

    def fit(self, X: pd.DataFrame, y: np.ndarray, *, task: str = TABULAR_CLASSIFICATION,
            classes: Sequence[Any] = (), on_event: TrainingEventCallback = no_events) -> "TabularMLP":
        """Learn the preprocessing from ``X``, then train. ``y`` holds class indices into ``classes``
        for classification (inferred as ``0..max(y)`` when not given), numbers for regression."""
        self.task_ = task
        self.columns_ = [str(column) for column in X.columns]
        self.numeric_ = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])]
        self.categorical_ = [c for c in X.columns if c not in self.numeric_]
        numeric = X[self.numeric_].astype("float64")
        self.mean_ = numeric.mean().fillna(0.0).to_numpy()
        self.scale_ = numeric.std(ddof=0).fillna(1.0).replace(0.0, 1.0).to_numpy()
        self.vocabulary_ = {column: sorted({str(v) for v in X[column].dropna()}) for column in self.categorical_}
        if task == TABULAR_REGRESSION:
            target = np.asarray(y, dtype="float64")
            self.classes_, outputs = [], 1
            self.target_mean_, self.target_scale_ = float(target.mean()), float(target.std() or 1.0)
            labels = None
            y_tensor = torch.tensor((target - self.target_mean_) / self.target_scale_, dtype=torch.float32)
        else:
            codes = np.asarray(y, dtype="int64")
            self.classes_ = list(classes) or list(range(int(codes.max()) + 1))
            outputs, labels = len(self.classes_), codes
            self.target_mean_, self.target_scale_ = 0.0, 1.0
            y_tensor = torch.tensor(codes)
        config = LoopConfig.from_params(self.loop, seed=int(self.random_state))
        torch.manual_seed(config.seed)
        self.network_ = self._network(outputs)
        numerics, codes = self._encode(X)
        examples = TensorRows(numerics, codes, y_tensor)
        self.training_ = run_loop(self.network_, examples, loss=self._loss, collate=examples.collate, config=config,
                                  labels=labels, on_event=on_event)
        self.network_.cpu()
        return self

    def _network(self, outputs: int) -> Network:
        return Network(len(self.numeric_), [len(self.vocabulary_[c]) + 1 for c in self.categorical_],
                       self.hidden_sizes, outputs, self.dropout, self.categorical, self.embedding_dim)

    def _loss(self, model: nn.Module, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        numerics, codes, target = batch
        output = model(numerics, codes)
        if self.task_ == TABULAR_REGRESSION:
            return nn.functional.mse_loss(output.squeeze(1).float(), target)
        return nn.functional.cross_entropy(output.float(), target)

    def _encode(self, X: pd.DataFrame) -> tuple[torch.Tensor, torch.Tensor]:
        missing = [c for c in self.columns_ if c not in X.columns]
        if missing:
            raise HubError(f"The rows lack the column(s) {', '.join(missing)} the model was trained on.")
        numeric = X[self.numeric_].astype("float64").to_numpy()
        numeric = np.where(np.isnan(numeric), self.mean_, numeric)
        numeric = (numeric - self.mean_) / self.scale_
        codes = np.zeros((len(X), len(self.categorical_)), dtype="int64")
        for i, column in enumerate(self.categorical_):
            index = {value: position + 1 for position, value in enumerate(self.vocabulary_[column])}
            values = X[column]
            codes[:, i] = [0 if pd.isna(v) else index.get(str(v), 0) for v in values]
        return torch.tensor(numeric, dtype=torch.float32), torch.tensor(codes)

    # -- predicting --------------------------------------------------------------------------

    @torch.no_grad()
    def _outputs(self, X: pd.DataFrame) -> torch.Tensor:
        numerics, codes = self._encode(X)
        self.network_.eval()
        return torch.cat([self.network_(numerics[i:i + PREDICT_BATCH], codes[i:i + PREDICT_BATCH])
                          for i in range(0, len(X), PREDICT_BATCH)] or [torch.empty(0, 1)])

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """One column per class, in the order of ``classes_``."""
        if self.task_ == TABULAR_REGRESSION:
            raise HubError("A regression model has no class probabilities.", "Use predict().")
        return torch.softmax(self._outputs(X), dim=1).numpy().astype("float64")

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Class indices for classification; the target, in its units, for regression."""
        if self.task_ == TABULAR_REGRESSION:
            return self._outputs(X).squeeze(1).numpy().astype("float64") * self.target_scale_ + self.target_mean_
        return self.predict_proba(X).argmax(axis=1)

    @property
    def training_record_(self) -> dict[str, Any]:
        """How training ran, for the version's reproducibility record."""
        return {} if self.training_ is None else {"device": self.training_.device, "loop": self.training_.as_dict()}

    # -- saving ------------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        from safetensors.torch import save_file

        save_file({key: value.contiguous() for key, value in self.network_.state_dict().items()},
                  str(Path(directory) / WEIGHTS), metadata={"format": "pt"})
        config = {
            "format": FORMAT, "task": self.task_, "classes": [_plain(c) for c in self.classes_],
            "columns": self.columns_, "numeric": self.numeric_, "categorical": self.categorical_,
            "mean": self.mean_.tolist(), "scale": self.scale_.tolist(), "vocabulary": self.vocabulary_,
            "target_mean": self.target_mean_, "target_scale": self.target_scale_,
            "params": {"hidden_sizes": list(self.hidden_sizes), "dropout": self.dropout,
                       "categorical": self.categorical, "embedding_dim": self.embedding_dim,
                       "random_state": self.random_state, **self.loop},
            "training": self.training_.as_dict() if self.training_ else None,
        }
        (Path(directory) / CONFIG).write_text(json.dumps(config, indent=2, sort_keys=True))

    @classmethod
    def load(cls, directory: Path) -> "TabularMLP":
        """Read a saved model; a config that is not ours, or weights that do not fit it, is refused."""
        from safetensors.torch import load_file

        directory = Path(directory)
        try:
            config = json.loads((directory / CONFIG).read_text(encoding="utf-8"))
            if config.get("format") != FORMAT:
                raise ValueError(f"format {config.get('format')!r}")
            model = cls(**config["params"])
            model.task_, model.classes_ = config["task"], config["classes"]
            model.columns_, model.numeric_, model.categorical_ = config["columns"], config["numeric"], config["categorical"]
            model.mean_, model.scale_ = np.asarray(config["mean"], dtype="float64"), np.asarray(config["scale"], dtype="float64")
            model.vocabulary_ = config["vocabulary"]
            model.target_mean_, model.target_scale_ = float(config["target_mean"]), float(config["target_scale"])
            model.training_ = None
            outputs = 1 if model.task_ == TABULAR_REGRESSION else len(model.classes_)
            model.network_ = model._network(outputs)
            model.network_.load_state_dict(load_file(str(directory / WEIGHTS)))
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
            raise UnsafeArtifactError(f"{directory} does not hold an ecohub-torch MLP ({error}).",
                                      "Load it with the trainer that saved it.") from None
        model.network_.eval()
        return model


class TensorRows:
    """Rows of aligned tensors, indexable one row at a time, batched by stacking."""

    def __init__(self, *tensors: torch.Tensor):
        self.tensors = tensors

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, index: int) -> int:
        return index

    def collate(self, rows: list[int]) -> tuple[torch.Tensor, ...]:
        picked = torch.as_tensor(rows)
        return tuple(tensor[picked] for tensor in self.tensors)


def _plain(value: Any) -> Any:
    """A class label as JSON can hold it (numpy scalars become Python ones)."""
    return value.item() if hasattr(value, "item") else value

