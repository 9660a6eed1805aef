"""A text classifier adapted from a registered transformer encoder, in one of three ways.

- ``full``: every weight is trained (lineage ``finetune``).
- ``lora``: low-rank adapters on the attention's query and value projections, plus the new
  classification head, through ``peft`` (lineage ``adapter``). Only the adapter is stored; loading
  needs the base's files.
- ``head``: the encoder is frozen and only the new classification head is trained (lineage
  ``finetune``). The encoder's outputs are computed once and the head is trained on them, so each
  epoch costs almost nothing; every encoder tensor is saved byte-identical to the base's, so the
  store, which keeps safetensors tensor by tensor, holds them once.

Training goes through ``ecohub_torch.loop`` (devices, seeding, validation, early stopping, length
bucketing, torchrun). The saved folder is what Hugging Face's clients load: ``config.json`` with
``id2label``, ``model.safetensors`` (``adapter_config.json`` and ``adapter_model.safetensors`` for
LoRA), the base's tokenizer files copied byte for byte, and ``ecohub.json`` with the classes and
settings. Loading reads safetensors only and never runs code from the folder.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import torch

from hub.errors import HubError, UnsafeArtifactError
from hub.specs import TrainingEventCallback, no_events

from ecohub_torch.loop import LoopConfig, Placement, fit as run_loop, placement, seed_everything

ADAPTATIONS = ("full", "lora", "head")
FORMAT = "ecohub-text-classifier/1"
SETTINGS = "ecohub.json"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
                   "vocab.json", "merges.txt", "added_tokens.json")
PREDICT_BATCH = 32
"""Rows per forward pass when predicting, sorted by length: on MiniLM on 2 CPU cores 32 beat 16 and 64."""
LORA_TARGETS = ["query", "value"]
HEAD_MODULES = ("pooler",)
"""Parts of a classification head besides the classifier that LoRA trains whole, where the base has them."""


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence the "newly initialized weights" notices (a new classification head is the point) and
    the per-file progress bars, which would break through ecohub's own progress display."""
    from transformers.utils import logging

    before, bars = logging.get_verbosity(), logging.is_progress_bar_enabled()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        logging.set_verbosity(before)
        if bars:
            logging.enable_progress_bar()


def texts_of(X: Any) -> list[str]:
    """The text column of ``X`` (a one-column DataFrame, a Series or a list) as strings."""
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:
        if X.shape[1] != 1:
            raise HubError(f"A text classifier reads one text column; it was given {X.shape[1]}.",
                           "Declare the dataset's text_column and no other features.")
        X = X.iloc[:, 0]
    return ["" if value is None else str(value) for value in list(X)]


class TextClassifier:
    """A transformer text classifier with scikit-learn's ``fit``/``predict``/``predict_proba``.

    Parameters: ``adaptation`` (``full``, ``lora``, ``head``), ``max_length`` (tokens kept per
    text), the LoRA rank, alpha and dropout, and any :class:`ecohub_torch.loop.LoopConfig` field.
    """

    def __init__(self, adaptation: str = "full", max_length: int = 64, lora_r: int = 8, lora_alpha: int = 16,
                 lora_dropout: float = 0.1, random_state: int = 0, **loop: Any):
        if adaptation not in ADAPTATIONS:
            raise HubError(f"adaptation={adaptation!r} is not a choice.", f"Use one of: {', '.join(ADAPTATIONS)}.")
        if not 8 <= int(max_length) <= 4096:
            raise HubError(f"max_length={max_length} is out of range.", "Use 8 to 4096 tokens.")
        self.adaptation = adaptation
        self.max_length = int(max_length)
        self.lora_r, self.lora_alpha, self.lora_dropout = int(lora_r), int(lora_alpha), float(lora_dropout)
        self.random_state = random_state
        self.loop = dict(loop)
        LoopConfig.from_params(self.loop)

    # -- fitting -----------------------------------------------------------------------------

    def fit(self, X: Any, y: np.ndarray, *, base: Path, base_name: str = "", classes: Sequence[Any] = (),
            on_event: TrainingEventCallback = no_events, **_: Any) -> "TextClassifier":
        """Adapt the transformer in the folder ``base`` to predict ``y`` (class indices into ``classes``)."""
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        base = Path(base)
        if not (base / "config.json").is_file():
            raise HubError("The base model has no config.json: it is not a Hugging Face transformers model.",
                           "Pass --base naming a registered transformer, such as sentence-transformers/all-MiniLM-L6-v2.")
        codes = np.asarray(y, dtype="int64")
        self.classes_ = list(classes) or list(range(int(codes.max()) + 1))
        self.base_name_ = base_name
        labels = [str(_plain(c)) for c in self.classes_]
        config = LoopConfig.from_params(self.loop, seed=int(self.random_state))
        seed_everything(config.seed)
        with quiet_transformers():
            self.tokenizer_ = AutoTokenizer.from_pretrained(base)
            model = AutoModelForSequenceClassification.from_pretrained(
                base, num_labels=len(labels), id2label=dict(enumerate(labels)),
                label2id={label: i for i, label in enumerate(labels)}, use_safetensors=True)
        self._base_files = base
        tokens = self._tokenize(texts_of(X))
        where = placement()
        if self.adaptation == "lora":
            model = self._with_adapters(model)
        elif self.adaptation == "head":
            for parameter in model.parameters():
                parameter.requires_grad_(False)
            head = _head(model)
            for parameter in head.parameters():
                parameter.requires_grad_(True)
            self.training_ = self._fit_head(model, head, tokens, codes, config, on_event, where)
            self.model_ = model.cpu().eval()
            return self
        examples = list(zip(tokens, codes.tolist()))
        self.training_ = run_loop(model, examples, loss=_loss, collate=self._collate, config=config,
                                  lengths=[len(t) for t in tokens], labels=codes, on_event=on_event, where=where)
        self.model_ = model.cpu().eval()
        return self

    def _with_adapters(self, model: Any) -> Any:
        """LoRA on the attention, and the whole classification head trained and stored with the adapter.

        A BERT-style head reads the [CLS] token through a pooler. A sentence encoder such as MiniLM
        was trained on mean-pooled tokens, so its pooler is not tuned for classifying; left frozen,
        it keeps a LoRA run on a small slice predicting the majority class only. The pooler is one
        square layer (384 by 384 on MiniLM), so the adapter stays under a megabyte.
        """
        from peft import LoraConfig, TaskType, get_peft_model

        head = ["classifier", *(name for name in HEAD_MODULES
                                if any(module.rsplit(".", 1)[-1] == name for module, _ in model.named_modules()))]
        return get_peft_model(model, LoraConfig(task_type=TaskType.SEQ_CLS, r=self.lora_r, lora_alpha=self.lora_alpha,
                                                lora_dropout=self.lora_dropout, target_modules=LORA_TARGETS,
                                                modules_to_save=head))

    def _fit_head(self, model: Any, head: torch.nn.Module, tokens: list[list[int]], codes: np.ndarray,
                  config: LoopConfig, on_event: TrainingEventCallback, where: Placement):
        """Run the frozen encoder once, keeping what enters the head, then train the head alone."""
        captured: list[torch.Tensor] = []
        hook = head.register_forward_pre_hook(lambda module, inputs: captured.append(inputs[0].detach().float().cpu()))
        try:
            self._logits(model, tokens, where)
        finally:
            hook.remove()
        order = _by_length(tokens)
        features = torch.empty((len(tokens), *captured[0].shape[1:]))
        features[torch.as_tensor(order)] = torch.cat(captured)
        examples = list(zip(features, codes.tolist()))
        return run_loop(head, examples, loss=lambda module, batch: torch.nn.functional.cross_entropy(
                            module(batch[0]).float(), batch[1]),
                        collate=lambda rows: (torch.stack([r[0] for r in rows]), torch.tensor([r[1] for r in rows])),
                        config=config, labels=codes, on_event=on_event, where=where)

    def _tokenize(self, texts: list[str]) -> list[list[int]]:
        return self.tokenizer_(texts, truncation=True, max_length=self.max_length)["input_ids"]

    def _collate(self, rows: list[tuple[list[int], int]]) -> dict[str, torch.Tensor]:
        batch = self._pad([tokens for tokens, _ in rows])
        batch["labels"] = torch.tensor([label for _, label in rows])
        return batch

    def _pad(self, sequences: list[list[int]]) -> dict[str, torch.Tensor]:
        width = max(len(s) for s in sequences)
        pad = self.tokenizer_.pad_token_id or 0
        ids = torch.full((len(sequences), width), pad, dtype=torch.long)
        mask = torch.zeros((len(sequences), width), dtype=torch.long)
        for row, sequence in enumerate(sequences):
            ids[row, :len(sequence)] = torch.tensor(sequence)
            mask[row, :len(sequence)] = 1
        return {"input_ids": ids, "attention_mask": mask}

    # -- predicting --------------------------------------------------------------------------

    @torch.inference_mode()
    def _logits(self, model: Any, tokens: list[list[int]], where: Placement) -> torch.Tensor:
        """Logits in input order, computed in batches of similar length."""
        model.to(where.device).eval()
        order = _by_length(tokens)
        outputs = []
        for start in range(0, len(order), PREDICT_BATCH):
            batch = self._pad([tokens[i] for i in order[start:start + PREDICT_BATCH]])
            batch = {key: value.to(where.device) for key, value in batch.items()}
            with torch.autocast(where.device.type, dtype=where.autocast, enabled=where.autocast is not None):
                outputs.append(model(**batch).logits.float().cpu())
        logits = torch.empty((len(tokens), outputs[0].shape[1])) if outputs else torch.empty((0, len(self.classes_)))
        if outputs:
            logits[torch.as_tensor(order)] = torch.cat(outputs)
        return logits

    def predict_proba(self, X: Any) -> np.ndarray:
        """One column per class, in the order of ``classes_``."""
        logits = self._logits(self.model_, self._tokenize(texts_of(X)), placement())
        self.model_.cpu()
        return torch.softmax(logits, dim=1).numpy().astype("float64")

    def predict(self, X: Any) -> np.ndarray:
        return self.predict_proba(X).argmax(axis=1)

    # -- saving ------------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the Hugging Face folder (see the module docstring)."""
        directory = Path(directory)
        with quiet_transformers():
            self.model_.save_pretrained(directory, safe_serialization=True)
        if self.adaptation == "lora":
            adapter = json.loads((directory / "adapter_config.json").read_text())
            # Clients resolve the base by this name: the base's name in the registry, never a local path.
            adapter["base_model_name_or_path"] = self.base_name_
            (directory / "adapter_config.json").write_text(json.dumps(adapter, indent=2, sort_keys=True))
            (directory / "README.md").unlink(missing_ok=True)  # peft's template card; the registry writes the card
        for name in TOKENIZER_FILES:
            if (self._base_files / name).is_file():
                shutil.copyfile(self._base_files / name, directory / name)
        settings = {
            "format": FORMAT, "adaptation": self.adaptation, "classes": [_plain(c) for c in self.classes_],
            "base": self.base_name_,
            "params": {"adaptation": self.adaptation, "max_length": self.max_length, "lora_r": self.lora_r,
                       "lora_alpha": self.lora_alpha, "lora_dropout": self.lora_dropout,
                       "random_state": self.random_state, **self.loop},
        }
        (directory / SETTINGS).write_text(json.dumps(settings, indent=2, sort_keys=True))

    @classmethod
    def load(cls, directory: Path, base: Path | None = None) -> "TextClassifier":
        """Read a saved classifier; a LoRA adapter needs its base's files in ``base``."""
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        directory = Path(directory)
        try:
            settings = json.loads((directory / SETTINGS).read_text(encoding="utf-8"))
            if settings.get("format") != FORMAT:
                raise ValueError(f"format {settings.get('format')!r}")
            model = cls(**settings["params"])
            model.classes_, model.base_name_ = list(settings["classes"]), str(settings.get("base", ""))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise UnsafeArtifactError(f"{directory} does not hold an ecohub text classifier ({error}).",
                                      "Load it with the trainer that saved it.") from None
        labels = [str(c) for c in model.classes_]
        with quiet_transformers():
            model.tokenizer_ = AutoTokenizer.from_pretrained(directory)
            if model.adaptation == "lora":
                if base is None:
                    raise HubError(f"{directory} holds a LoRA adapter, which needs its base model's files.",
                                   f"Load it with base= the folder of {model.base_name_}.")
                from peft import PeftModel

                backbone = AutoModelForSequenceClassification.from_pretrained(
                    Path(base), num_labels=len(labels), id2label=dict(enumerate(labels)),
                    label2id={label: i for i, label in enumerate(labels)}, use_safetensors=True)
                model.model_ = PeftModel.from_pretrained(backbone, directory)
            else:
                model.model_ = AutoModelForSequenceClassification.from_pretrained(directory, use_safetensors=True)
        model._base_files = Path(base) if base else directory
        model.training_ = None
        model.model_.eval()
        return model

    @property
    def training_record_(self) -> dict[str, Any]:
        """How training ran, for the version's reproducibility record."""
        return {} if self.training_ is None else {"device": self.training_.device, "loop": self.training_.as_dict()}


def _loss(model: Any, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    labels = batch["labels"]
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    return torch.nn.functional.cross_entropy(logits.float(), labels)


def _head(model: Any) -> torch.nn.Module:
    """The classification head a ``...ForSequenceClassification`` model adds on top of its encoder."""
    for name in ("classifier", "score"):
        head = getattr(model, name, None)
        if isinstance(head, torch.nn.Linear):
            return head
    raise HubError(f"{type(model).__name__} has no linear classification head to train alone.",
                   "Use adaptation full or lora for this base model.")


def _by_length(tokens: list[list[int]]) -> list[int]:
    return sorted(range(len(tokens)), key=lambda i: len(tokens[i]))


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
