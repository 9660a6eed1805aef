"""The CrowS-Pairs counterfactual evaluator: does a text classifier's score move when only the
social group a sentence mentions changes?

CrowS-Pairs (Nangia et al., 2020) holds 1,508 sentence pairs that differ only in the group named;
``sent_more`` is the more stereotyping one. A classifier that treats groups alike gives both the
same score, so the report is, per ``bias_type`` (race-color, gender, religion …): how often the
decision flips between the two sentences, how far the score moves on average (absolute, and
signed more − less with a bootstrap interval), and how often the more stereotyping sentence
scores higher. The data set's authors and later work (Blodgett et al., 2021) warn that many
pairs are noisy, so it is a probe to read with care, not a verdict.

The pairs are read from ``HUB_DATA_DIR`` only after their checksum matches the published one.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hub.errors import DatasetUnavailableError, EvaluationError, IntegrityError
from hub.specs import TEXT_CLASSIFICATION, EvaluationInput

from ecohub_fairlearn.bootstrap import CONFIDENCE, RESAMPLES, interval

FILENAME = "crows_pairs.csv.gz"
SHA256 = "e6face3cc3e47aed501cab0b9e67d425fc3706596e10369692ac19609942a1ab"
DATA_DIR_VARIABLE = "HUB_DATA_DIR"
BATCH = 256


def load_pairs() -> pd.DataFrame:
    """The verified CrowS-Pairs table (``sent_more``, ``sent_less``, ``stereo_antistereo``, ``bias_type``)."""
    folder = os.environ.get(DATA_DIR_VARIABLE)
    hint = f"Set {DATA_DIR_VARIABLE} to the folder that holds {FILENAME}."
    if not folder:
        raise DatasetUnavailableError(f"Cannot find {FILENAME}: {DATA_DIR_VARIABLE} is not set.", hint)
    path = Path(folder) / FILENAME
    if not path.is_file():
        raise DatasetUnavailableError(f"Cannot find {FILENAME} in {folder} ({DATA_DIR_VARIABLE}).", hint)
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != SHA256:
        raise IntegrityError(
            f"{path} does not match its published checksum (expected sha256 {SHA256}, found {actual}).",
            f"Replace it with an unmodified copy of {FILENAME}.",
        )
    table = pd.read_csv(io.BytesIO(data), compression="gzip", index_col=0)
    return table[["sent_more", "sent_less", "stereo_antistereo", "bias_type"]]


def counterfactual(inputs: EvaluationInput) -> dict:
    """Score both sentences of every pair with the model and compare, by bias type."""
    started = time.perf_counter()
    if inputs.task != TEXT_CLASSIFICATION:
        raise EvaluationError(
            f"The CrowS-Pairs evaluator needs a text-classification model; this one is {inputs.task}.",
            "Run it on a model trained on a text dataset, or leave it out with --evaluator.",
        )
    text_column = inputs.dataset.text_column or str(inputs.X.columns[0])
    pairs = load_pairs()
    more = _scores(inputs.model, pairs["sent_more"], text_column)
    less = _scores(inputs.model, pairs["sent_less"], text_column)
    classes = [str(c) for c in inputs.classes] or ["0", "1"]
    rng = np.random.default_rng(inputs.seed)
    groups = [_summary("all", more, less, rng)]
    for bias_type in sorted(pairs["bias_type"].unique()):
        chosen = (pairs["bias_type"] == bias_type).to_numpy()
        groups.append(_summary(bias_type, more[chosen], less[chosen], rng))
    return {
        "data": {"file": FILENAME, "sha256": SHA256, "pairs": len(pairs)},
        "score": (f"probability of '{classes[1]}'" if more.shape[1] == 2 else
                  "probability vector; moves are total variation distances, flips are argmax changes"),
        "bootstrap": {"resamples": RESAMPLES, "seed": inputs.seed, "confidence": CONFIDENCE},
        "groups": groups,
        "reading": _reading(groups),
        "runtime_seconds": round(time.perf_counter() - started, 3),
    }


def _scores(model, sentences: pd.Series, text_column: str) -> np.ndarray:
    parts = []
    for start in range(0, len(sentences), BATCH):
        frame = pd.DataFrame({text_column: sentences.iloc[start:start + BATCH].to_numpy()})
        parts.append(np.asarray(model.predict_proba(frame), dtype=float))
    return np.concatenate(parts)


def _summary(name: str, more: np.ndarray, less: np.ndarray, rng: np.random.Generator) -> dict:
    if more.shape[1] == 2:
        signed = more[:, 1] - less[:, 1]
        flips = (more[:, 1] >= 0.5) != (less[:, 1] >= 0.5)
    else:
        signed = np.full(len(more), np.nan)
        flips = more.argmax(axis=1) != less.argmax(axis=1)
    moved = 0.5 * np.abs(more - less).sum(axis=1)  # = |Δp| for two classes
    index = rng.integers(0, len(moved), size=(RESAMPLES, len(moved)))
    low_abs, high_abs = interval(moved[index].mean(axis=1))
    low_flip, high_flip = interval(flips[index].mean(axis=1))
    entry = {
        "bias_type": name,
        "pairs": int(len(moved)),
        "flip_rate": float(flips.mean()),
        "mean_abs_change": float(moved.mean()),
        "max_abs_change": float(moved.max()),
        "intervals": {"flip_rate": [float(low_flip), float(high_flip)],
                      "mean_abs_change": [float(low_abs), float(high_abs)]},
    }
    if more.shape[1] == 2:
        low, high = interval(signed[index].mean(axis=1))
        entry["mean_change_more_minus_less"] = float(signed.mean())
        entry["intervals"]["mean_change_more_minus_less"] = [float(low), float(high)]
        entry["more_stereotyping_scores_higher"] = float((signed > 0).mean())
    return entry


def _reading(groups: list[dict]) -> str:
    overall, by_type = groups[0], groups[1:]
    worst = max(by_type, key=lambda g: g["mean_abs_change"])
    text = (
        f"Changing only the group a sentence mentions flips the decision in {overall['flip_rate']:.1%} of "
        f"{overall['pairs']} pairs and moves the score by {overall['mean_abs_change']:.3f} on average; "
        f"most for {worst['bias_type']} ({worst['mean_abs_change']:.3f}, flips {worst['flip_rate']:.1%})."
    )
    if "mean_change_more_minus_less" in overall:
        low, high = overall["intervals"]["mean_change_more_minus_less"]
        side = ("higher" if low > 0 else "lower" if high < 0 else None)
        text += (
            f" The more stereotyping sentence scores {side} on average (95% interval {low:+.3f} to {high:+.3f})."
            if side else
            f" Neither sentence of a pair scores consistently higher (95% interval {low:+.3f} to {high:+.3f})."
        )
    return text + " CrowS-Pairs has many noisy pairs; read this as a probe, not a verdict."


def summarize_counterfactual(report: dict) -> str:
    """A table of flip rate and mean score change per bias type, then the reading."""
    width = max(len(g["bias_type"]) for g in report["groups"])
    lines = [f"CrowS-Pairs, {report['data']['pairs']} pairs; score: {report['score']}",
             f"  {'bias type':<{width}}  {'pairs':>5}  {'flips':>6}  {'mean |Δ|':>9}  {'more−less':>9}"]
    for g in report["groups"]:
        signed = g.get("mean_change_more_minus_less")
        lines.append(f"  {g['bias_type']:<{width}}  {g['pairs']:>5}  {g['flip_rate']:>6.1%}  "
                     f"{g['mean_abs_change']:>9.4f}  {'n/a' if signed is None else f'{signed:+.4f}':>9}")
    lines.append(f"  {report['reading']}")
    return "\n".join(lines)
