"""Loading a quantized model back and scoring rows with it: ONNX Runtime, no torch.

The folder holds ``model.onnx`` (a protobuf: data, never code), ``ecohub.json`` (how rows become
the graph's inputs, and what its outputs mean) and, for text, the parent's ``tokenizer.json``.
The graph is handed to ONNX Runtime as bytes, so it cannot reach a file beside or outside the
folder through ONNX's external-data references, and ONNX Runtime runs no custom operator library
unless the caller registers one, which this loader never does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.errors import HubError, UnsafeArtifactError
from hub.specs import TABULAR_REGRESSION, FitRequest, TrainerSpec

if TYPE_CHECKING:
    import numpy as np

GRAPH, SETTINGS, TOKENIZER = "model.onnx", "ecohub.json", "tokenizer.json"
FORMAT = "ecohub-onnx/1"
TEXT, TABULAR = "text", "tabular"
BATCH = 32
"""Rows per run: texts are sorted by length and each batch padded to its longest, and on MiniLM
32 scored more rows per second than 16 or 64 (less padding than 64, fewer calls than 16)."""
MAX_GRAPH_BYTES = 4 << 30


class OnnxModel:
    """A quantized model with scikit-learn's ``predict``/``predict_proba``, run by ONNX Runtime."""

    def __init__(self, graph: bytes, settings: dict[str, Any], tokenizer: Any = None, threads: int = 0):
        self.graph_ = graph
        self.session_ = session(graph, threads)
        self.settings_ = settings
        self.inputs_ = settings["inputs"]
        self.task_ = settings["task"]
        self.classes_ = list(settings["classes"])
        self.tokenizer_ = tokenizer

    def _outputs(self, X: Any) -> np.ndarray:
        import numpy as np

        feeds = self._text_feeds(X) if self.inputs_ == TEXT else [(None, self._tabular_feed(X))]
        # the exporter drops an input the network never reads (no categorical columns, say)
        names = {graph_input.name for graph_input in self.session_.get_inputs()}
        outputs, order = [], []
        for rows, feed in feeds:
            outputs.append(self.session_.run(None, {name: value for name, value in feed.items() if name in names})[0])
            if rows is not None:
                order.extend(rows)
        logits = np.concatenate(outputs) if outputs else np.empty((0, max(len(self.classes_), 1)), "float32")
        if order:
            logits[np.asarray(order)] = logits.copy()
        return logits.astype("float64")

    def _text_feeds(self, X: Any):
        """Token ids and masks for batches of texts of similar length, each padded to its longest."""
        import numpy as np

        texts = _texts(X)
        encoded = self.tokenizer_.encode_batch(texts) if texts else []
        ids = [e.ids for e in encoded]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        pad = int(self.settings_["text"]["pad_id"])
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            width = max(len(ids[i]) for i in rows)
            batch = np.full((len(rows), width), pad, dtype="int64")
            mask = np.zeros((len(rows), width), dtype="int64")
            for line, i in enumerate(rows):
                batch[line, :len(ids[i])] = ids[i]
                mask[line, :len(ids[i])] = 1
            yield rows, {"input_ids": batch, "attention_mask": mask}

    def _tabular_feed(self, X: Any) -> dict[str, np.ndarray]:
        """Standardised numbers and category codes (0: missing or never seen), as the parent encoded them."""
        import numpy as np
        import pandas as pd

        table = self.settings_["tabular"]
        missing = [c for c in table["columns"] if c not in X.columns]
        if missing:
            raise HubError(f"The rows lack the column(s) {', '.join(missing)} the model was trained on.")
        mean, scale = np.asarray(table["mean"], "float64"), np.asarray(table["scale"], "float64")
        numeric = X[table["numeric"]].astype("float64").to_numpy()
        numeric = (np.where(np.isnan(numeric), mean, numeric) - mean) / scale
        codes = np.zeros((len(X), len(table["categorical"])), dtype="int64")
        for i, column in enumerate(table["categorical"]):
            index = {value: position + 1 for position, value in enumerate(table["vocabulary"][column])}
            codes[:, i] = [0 if pd.isna(v) else index.get(str(v), 0) for v in X[column]]
        return {"numeric": numeric.astype("float32"), "codes": codes}

    def predict_proba(self, X: Any) -> np.ndarray:
        """One column per class, in the order of ``classes_``."""
        if self.task_ == TABULAR_REGRESSION:
            raise HubError("A regression model has no class probabilities.", "Use predict().")
        import numpy as np

        logits = self._outputs(X)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        """Class indices for classification; the target, in its units, for regression."""
        if self.task_ == TABULAR_REGRESSION:
            table = self.settings_["tabular"]
            return self._outputs(X)[:, 0] * float(table["target_scale"]) + float(table["target_mean"])
        return self.predict_proba(X).argmax(axis=1)


def session(graph: bytes, threads: int = 0) -> Any:
    """An ONNX Runtime session on the CPU, with ``threads`` threads (0: one per core). Worker threads
    sleep rather than spin between operators, which costs little alone and avoids starving other
    work on a shared machine."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])


def load(directory: Path) -> OnnxModel:
    """Read a quantized model; anything that is not one of ours, or not a self-contained graph, is refused."""
    directory = Path(directory)
    try:
        settings = json.loads((directory / SETTINGS).read_text(encoding="utf-8"))
        if settings.get("format") != FORMAT or settings.get("inputs") not in (TEXT, TABULAR):
            raise ValueError(f"format {settings.get('format')!r}, inputs {settings.get('inputs')!r}")
        graph_path = directory / GRAPH
        if graph_path.stat().st_size > MAX_GRAPH_BYTES:
            raise ValueError(f"{GRAPH} is over {MAX_GRAPH_BYTES >> 30} GiB")
        tokenizer = _tokenizer(directory, settings) if settings["inputs"] == TEXT else None
        model = OnnxModel(graph_path.read_bytes(), settings, tokenizer)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UnsafeArtifactError(f"{directory} does not hold an ecohub ONNX model ({error}).",
                                  "Make it with 'hub derive MODEL --with int8'.") from None
    except Exception as error:  # onnxruntime reports a malformed or non-self-contained graph with its own types
        raise UnsafeArtifactError(f"ONNX Runtime refused {directory / GRAPH}: {error}",
                                  "Make it again with 'hub derive MODEL --with int8'.") from None
    return model


def _tokenizer(directory: Path, settings: dict[str, Any]) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(directory / TOKENIZER))
    tokenizer.no_padding()
    tokenizer.enable_truncation(int(settings["text"]["max_length"]))
    return tokenizer


def _texts(X: Any) -> list[str]:
    """The text column of ``X`` (a one-column DataFrame, a Series or a list) as strings."""
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:
        if X.shape[1] != 1:
            raise HubError(f"A text classifier reads one text column; it was given {X.shape[1]}.",
                           "Declare the dataset's text_column and no other features.")
        X = X.iloc[:, 0]
    return ["" if value is None else str(value) for value in list(X)]


def fit(request: FitRequest) -> Any:
    raise HubError("ONNX models are not trained: they are derived from a trained version.",
                   "Train a torch or transformers model, then run 'hub derive MODEL --with int8'.")


def save(model: OnnxModel, directory: Path) -> None:
    """Write the folder :func:`load` reads."""
    directory = Path(directory)
    (directory / GRAPH).write_bytes(model.graph_)
    (directory / SETTINGS).write_text(json.dumps(model.settings_, indent=2, sort_keys=True))
    if model.tokenizer_ is not None:
        (directory / TOKENIZER).write_text(model.tokenizer_.to_str())


ONNX_TRAINER = TrainerSpec(
    name="onnx",
    framework="onnx",
    description="Loads quantized ONNX models and predicts with ONNX Runtime; made by 'hub derive --with int8'.",
    fit=fit,
    save=save,
    load=load,
)
