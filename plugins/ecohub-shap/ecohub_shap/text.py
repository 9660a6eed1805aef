"""Explaining a text classifier: per-token attributions with shap's Partition explainer.

The Partition explainer with a ``Text`` masker (what ``shap.Explainer`` picks for a Hugging Face
pipeline) masks tokens along a hierarchy and gives Owen values: each explained text gets a value
per token that adds up, with the base value (everything masked), to the model's output. It calls
the model on hundreds of masked strings per text, so the model wrapper here runs each batch of
strings as one padded forward pass, longest first, instead of a pipeline's one call per string.
Outputs are each class's log-odds, as shap's ``TransformersPipeline(rescale_to_logits=True)``
gives them, so the two wrappers yield the same values.

A text classifier without a torch network (a quantized ONNX version) is explained the same way
through its own ``predict_proba``, which batches the strings itself, with the masker splitting
texts by the model's own tokenizer (``tokenizer.json``), so its tokens are its parent's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Callable

import numpy as np
import shap

from hub.errors import EvaluationError

from ecohub_shap.explain import plain
from ecohub_shap.options import MAX_EVALS, SAMPLE_TEXTS
from ecohub_shap.rows import cases, strata, stratified_sample

BATCH_STRINGS = 64
MAX_TOKENS = 256
TOP_TOKENS = 50
ADDITIVITY_TOLERANCE = 1e-4
NETWORK_LIBRARIES = ("shap", "numpy", "torch", "transformers")
PREDICT_LIBRARIES = ("shap", "numpy", "tokenizers", "transformers")
PROBABILITY_FLOOR = 1e-12


class BatchedLogOdds:
    """``f(list of strings) -> log-odds per class``: one padded forward pass per batch."""

    def __init__(self, tokenizer, network, max_length: int = MAX_TOKENS, batch_size: int = BATCH_STRINGS):
        self.tokenizer, self.network = tokenizer, network.eval()
        self.max_length, self.batch_size = max_length, batch_size

    def __call__(self, texts) -> np.ndarray:
        import torch

        texts = [str(text) for text in texts]
        order = np.argsort([-len(text) for text in texts], kind="stable")
        logits = np.zeros((len(texts), self.network.config.num_labels))
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                chunk = order[start:start + self.batch_size]
                batch = self.tokenizer([texts[i] for i in chunk], padding=True, truncation=True,
                                       max_length=self.max_length, return_tensors="pt")
                logits[chunk] = self.network(**batch).logits.double().numpy()
        return log_odds(logits)


def log_odds(logits: np.ndarray) -> np.ndarray:
    """Each class's log-odds, log p - log(1 - p), computed stably from the logits."""
    log_p = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
    return log_p - np.log(-np.expm1(np.minimum(log_p, -1e-300)))


class ProbabilityLogOdds:
    """``f(list of strings) -> log-odds per class`` through the model's own ``predict_proba``."""

    def __init__(self, model, column: str):
        self.model, self.column = model, column

    def __call__(self, texts) -> np.ndarray:
        import pandas as pd

        frame = pd.DataFrame({self.column: [str(text) for text in texts]})
        probability = np.clip(np.asarray(self.model.predict_proba(frame), dtype="float64"),
                              PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)
        return np.log(probability) - np.log1p(-probability)


@dataclass
class TextModel:
    """How a text classifier is called (``f``), how its texts split into tokens, and why."""

    f: Callable[[list], np.ndarray]
    tokenizer: Any
    reason: str
    libraries: tuple[str, ...]


def text_model(model, column: str) -> TextModel:
    """An ecohub-transformers classifier runs through its network, truncating as its own predictions
    do (``max_length``); any other classifier with a tokenizer through its ``predict_proba``."""
    tokenizer, network = getattr(model, "tokenizer_", None), getattr(model, "model_", None)
    if tokenizer is not None and network is not None and hasattr(model, "max_length"):
        return TextModel(BatchedLogOdds(tokenizer, network, int(model.max_length)), tokenizer,
                         "a transformer text classifier: Partition over a Text masker gives per-token attributions "
                         "with hundreds, not thousands, of masked strings per text", NETWORK_LIBRARIES)
    if tokenizer is None or not hasattr(model, "predict_proba"):
        raise EvaluationError(
            f"The shap evaluator explains a text classifier through its tokenizer (tokenizer_) and either its "
            f"network (model_, max_length) or its predict_proba(); a {type(model).__name__} lacks them.",
            "Train the model with ecohub-transformers, or derive it from one (hub derive --with int8).",
        )
    return TextModel(ProbabilityLogOdds(model, column), _fast_tokenizer(tokenizer),
                     f"a {type(model).__name__} text classifier without a torch network: Partition over a Text "
                     "masker with its own tokenizer, calling its predict_proba on batches of masked strings",
                     PREDICT_LIBRARIES)


def _fast_tokenizer(tokenizer):
    """A Hugging Face tokenizer for shap's Text masker: a bare ``tokenizers.Tokenizer`` (what a
    quantized version loads from ``tokenizer.json``) is wrapped, with its special mask token."""
    if not hasattr(tokenizer, "encode_batch"):
        return tokenizer
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    copy = Tokenizer.from_str(tokenizer.to_str())  # the wrapper changes padding; the model's own stays
    special = [token.content for token in copy.get_added_tokens_decoder().values() if token.special]
    mask = next((token for token in special if "mask" in token.lower()), None)
    return PreTrainedTokenizerFast(tokenizer_object=copy, mask_token=mask)


def explain_texts(inputs) -> dict:
    started = time.perf_counter()
    column = inputs.X.columns[0]
    model = text_model(inputs.model, column)
    f = model.f
    classes = [str(c) for c in inputs.classes]
    binary = len(classes) == 2
    names = classes[1:] if binary else classes
    texts = inputs.X[column].astype(str).to_numpy()
    size = int(inputs.options.get("sample_rows", SAMPLE_TEXTS))
    sample = stratified_sample(strata(inputs), size, inputs.seed)
    score = np.asarray(inputs.y_score, dtype="float64")
    margin = np.log(np.clip(score, 1e-12, 1)) - np.log(np.clip(1 - score, 1e-12, 1))
    output = margin if binary else np.sort(score, axis=1)[:, -1] - np.sort(score, axis=1)[:, -2]
    picked = cases(inputs, output, 0.0, inputs.seed)
    positions = np.union1d(sample, list(picked))

    explainer = shap.explainers.Partition(lambda batch: _select(f(batch), binary), shap.maskers.Text(model.tokenizer),
                                          output_names=names)
    max_evals = int(inputs.options.get("max_evals", MAX_EVALS))
    explained = []
    for i, row in enumerate(positions):  # one text per call, so progress moves text by text
        explained.append(explainer([texts[row]], max_evals=max_evals, batch_size=BATCH_STRINGS, silent=True)[0])
        inputs.progress(f"PartitionExplainer, {i + 1} of {len(positions)} texts", 0.9 * (i + 1) / len(positions))
    inputs.progress("checking additivity", 0.9)
    # Each text alone, as Partition itself evaluates the unmasked text: a dynamically quantized
    # model's output shifts with the other strings in its batch, and like must be compared with like.
    direct = np.vstack([_select(f([texts[row]]), binary) for row in positions])
    entries, errors, importance = [], [], {}
    for i, row in enumerate(positions):
        values = np.asarray(explained[i].values, dtype="float64").reshape(len(explained[i].data), -1)
        base = np.asarray(explained[i].base_values, dtype="float64").reshape(-1)
        errors.append(np.max(np.abs(base + values.sum(axis=0) - direct[i])))
        k = 0 if binary else int(np.asarray(inputs.y_pred)[row])
        tokens = [str(token) for token in explained[i].data]
        for token, value in zip(tokens, values[:, k]):
            key = token.strip().lower()
            if key:
                importance.setdefault(key, []).append(abs(float(value)))
        entries.append(_text_entry(inputs, row, picked.get(int(row), "sample"), tokens, values[:, k],
                                   names[k], float(base[k]), float(direct[i, k])))
    error = float(max(errors, default=0.0))
    ranked = sorted(importance.items(), key=lambda item: -float(np.mean(item[1])))[:TOP_TOKENS]
    return {
        "task": inputs.task,
        "explainer": "PartitionExplainer",
        "explainer_reason": model.reason,
        "estimand": "Owen values over the tokenizer's token hierarchy (masked tokens become the mask token)",
        "output_space": "log-odds" if binary else "log-odds of each class (one against the rest)",
        "outputs": names,
        "background_rows": 0,
        "max_evals": max_evals,
        "sample": {"rows": int(len(sample)), "requested": size, "of": len(texts), "seed": inputs.seed,
                   "strategy": "stratified by label x groups, at least 20 per stratum"},
        "rows_explained": int(len(positions)),
        "base_value": entries[0]["base_value"] if entries else None,
        "global_importance": [{"feature": token, "mean_abs_shap": float(np.mean(v)), "count": len(v)}
                              for token, v in ranked],
        "global_token_importance": [{"token": token, "mean_abs_shap": float(np.mean(v)), "count": len(v)}
                                    for token, v in ranked],
        "local": [entry for entry in entries if entry["case"] != "sample"],
        "texts": entries,
        "additivity": {"max_abs_error": error, "tolerance": ADDITIVITY_TOLERANCE,
                       "passed": error <= ADDITIVITY_TOLERANCE,
                       "compares": "base value + token values against the model's log-odds for the whole text, "
                                   "scored alone as Partition scores it"},
        "stability": {"note": "the text masker has no background to redraw; Partition values are deterministic"},
        "library_versions": {lib: metadata.version(lib) for lib in model.libraries},
        "seed": inputs.seed,
        "runtime_seconds": round(time.perf_counter() - started, 3),
    }


def _select(odds: np.ndarray, binary: bool) -> np.ndarray:
    return odds[:, 1:] if binary else odds


def _text_entry(inputs, row, case, tokens, values, output_name, base_value, output) -> dict:
    group = {column: plain(inputs.sensitive[column].iloc[row]) for column in inputs.sensitive.columns}
    return {
        "row": int(row),
        "case": case,
        "true_label": plain(inputs.classes[int(np.asarray(inputs.y_true)[row])]),
        "predicted": plain(inputs.classes[int(np.asarray(inputs.y_pred)[row])]),
        "score": float(np.asarray(inputs.y_score)[row] if np.ndim(inputs.y_score) == 1
                       else np.asarray(inputs.y_score)[row, int(np.asarray(inputs.y_pred)[row])]),
        "group": group,
        "explained_output": output_name,
        "output": output,
        "base_value": base_value,
        "tokens": tokens,
        "values": [float(v) for v in values],
        "contributions": [{"feature": token, "value": position, "shap": float(v)}
                          for position, (token, v) in enumerate(zip(tokens, values))],
    }

