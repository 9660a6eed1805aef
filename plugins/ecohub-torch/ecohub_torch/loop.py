"""The one training loop of ecohub's torch and transformers plugins (and of ``benchmarks/train.py``).

Whatever the model, fitting is the same chores: pick the device, seed everything, carve a
validation split from the training rows, batch them (similar lengths together for text), step
AdamW with gradient accumulation and a linear schedule, validate each epoch, stop early, restore
the best weights, checkpoint, report progress, and, under ``torchrun``, do all of it once per
process with DDP. Doing them here once means every model type gets them right the same way.

Usage::

    from ecohub_torch.loop import LoopConfig, fit

    result = fit(module, examples, loss=lambda m, batch: ..., collate=..., config=LoopConfig(epochs=3),
                 lengths=[len(text) for text in texts], labels=y, on_event=request.on_event)

``examples`` is any sequence; ``collate(list_of_examples)`` makes a batch of tensors (a tensor, or
a tuple, list or dict of them), which the loop moves to the device; ``loss(module, batch)``
returns the mean loss of the batch as a scalar tensor. ``module`` is trained in place: after
``fit`` it holds the weights of the best validation epoch.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np
import torch

from hub.errors import HubError
from hub.specs import TrainingEvent, TrainingEventCallback, no_events

FUSED_ADAMW_DEVICES = ("cpu", "cuda")
BUCKET_BATCHES = 50
"""Length bucketing sorts windows of this many batches by length: batches of similar lengths pad
little, while the shuffled windows keep the order of batches random."""


@dataclass(frozen=True)
class LoopConfig:
    """How to train. Every field can be set through a model type's parameters (``--param``).

    ``max_steps`` (optimiser steps, 0 for no limit) overrides ``epochs`` when set, as in Hugging
    Face's ``Trainer``. ``batch_size`` is per process and per micro-batch: an optimiser step sees
    ``batch_size * gradient_accumulation * processes`` rows. ``patience`` is how many epochs may
    pass without a better validation loss before training stops (0: never early). A
    ``validation_fraction`` of 0 trains on every row and keeps the last weights.
    """

    epochs: int = 3
    max_steps: int = 0
    batch_size: int = 32
    learning_rate: float = 1e-3
    weight_decay: float = 0.01
    gradient_accumulation: int = 1
    warmup_ratio: float = 0.0
    max_grad_norm: float = 1.0
    validation_fraction: float = 0.1
    patience: int = 2
    length_bucketing: bool = True
    seed: int = 0
    checkpoint_dir: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any], **fixed: Any) -> "LoopConfig":
        """The loop's fields from a model's parameters (others are ignored), checked, with ``fixed`` over them."""
        names = {f.name: f for f in fields(cls)}
        values = {key: value for key, value in {**params, **fixed}.items() if key in names}
        for key, value in values.items():
            default = getattr(cls, key)
            kind = type(default)
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise HubError(f"Parameter {key}={value!r} should be {kind.__name__}, like the default {default!r}.")
            values[key] = value
        config = cls(**values)
        config.check()
        return config

    def check(self) -> None:
        problems = [f"{name} must be at least {least}" for name, least in
                    (("epochs", 1), ("max_steps", 0), ("batch_size", 1), ("gradient_accumulation", 1),
                     ("patience", 0)) if getattr(self, name) < least]
        if not 0 <= self.validation_fraction < 1:
            problems.append("validation_fraction must be at least 0 and below 1")
        if not 0 <= self.warmup_ratio < 1:
            problems.append("warmup_ratio must be at least 0 and below 1")
        if self.learning_rate <= 0:
            problems.append("learning_rate must be positive")
        if problems:
            raise HubError(f"Cannot train with these settings: {'; '.join(problems)}.",
                           "Change the --param values named.")


@dataclass(frozen=True)
class LoopResult:
    """What happened: for the version's reproducibility record and for tests."""

    steps: int
    epochs: int
    best_epoch: int
    best_validation_loss: float | None
    stopped_early: bool
    device: str
    precision: str
    world_size: int
    train_rows: int
    validation_rows: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Placement:
    """Where this process trains: its device, its rank among ``world_size`` processes, and its precision."""

    device: torch.device
    rank: int = 0
    world_size: int = 1
    autocast: torch.dtype | None = None

    @property
    def main(self) -> bool:
        """Only the main process reports progress and writes files."""
        return self.rank == 0


def distributed() -> bool:
    """Whether this process was started by ``torchrun`` with other processes."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def placement() -> Placement:
    """CUDA with bf16 autocast where a GPU is present, else the CPU with all its cores (shared
    between the processes ``torchrun`` started on this machine). Joins the process group once."""
    import torch.distributed as dist

    cuda = torch.cuda.is_available()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if distributed() and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if cuda else "gloo")
    rank, world = (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)
    if cuda:
        torch.cuda.set_device(local_rank)
        bf16 = torch.cuda.is_bf16_supported()
        return Placement(torch.device("cuda", local_rank), rank, world, torch.bfloat16 if bf16 else None)
    local = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // local))
    return Placement(torch.device("cpu"), rank, world)


def seed_everything(seed: int) -> None:
    """Python's, numpy's and torch's generators, so the same seed and data give the same model."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


@contextlib.contextmanager
def deterministic() -> Iterator[None]:
    """Deterministic kernels while training, restored afterwards (other code in the process may differ).

    Deterministic mode also fills every newly allocated tensor with NaN by default, a debugging aid
    that changes no result of correct code but cost about 2% of each training step on the CPU (what
    kept ecohub's loop just behind Trainer's in ``benchmarks/train.py``); it is turned off.
    """
    import torch.utils.deterministic

    before = torch.are_deterministic_algorithms_enabled()
    filled = torch.utils.deterministic.fill_uninitialized_memory
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.utils.deterministic.fill_uninitialized_memory = False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before)
        torch.utils.deterministic.fill_uninitialized_memory = filled


def validation_split(count: int, fraction: float, seed: int,
                     labels: Sequence[Any] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation row indices: a seeded share of each class (of all rows without labels).

    A class too small to spare a row keeps all its rows for training.
    """
    rng = np.random.default_rng(seed)
    groups = [np.arange(count)] if labels is None else [
        np.flatnonzero(np.asarray(labels) == label) for label in np.unique(np.asarray(labels))]
    held = []
    for members in groups:
        members = rng.permutation(members)
        take = int(round(len(members) * fraction))
        if take < len(members):
            held.append(members[:take])
    validation = np.sort(np.concatenate(held)) if held else np.array([], dtype=np.int64)
    return np.setdiff1d(np.arange(count), validation), validation


def batches(indices: np.ndarray, batch_size: int, generator: np.random.Generator,
            lengths: Sequence[int] | None = None) -> list[np.ndarray]:
    """One epoch's batches: shuffled, and with ``lengths``, rows of similar length together."""
    order = generator.permutation(indices)
    if lengths is None:
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    size = np.asarray(lengths)
    window = batch_size * BUCKET_BATCHES
    grouped = []
    for start in range(0, len(order), window):
        chunk = order[start:start + window]
        chunk = chunk[np.argsort(-size[chunk], kind="stable")]
        grouped.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    return [grouped[i] for i in generator.permutation(len(grouped))]


def to_device(batch: Any, device: torch.device) -> Any:
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return {key: to_device(value, device) for key, value in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(value, device) for value in batch)
    return batch


def fit(module: torch.nn.Module, examples: Sequence[Any], *, loss: Callable[[torch.nn.Module, Any], torch.Tensor],
        collate: Callable[[list[Any]], Any], config: LoopConfig, lengths: Sequence[int] | None = None,
        labels: Sequence[Any] | None = None, on_event: TrainingEventCallback = no_events,
        where: Placement | None = None) -> LoopResult:
    """Train ``module`` in place on ``examples`` (see the module docstring); returns what happened.

    ``labels`` make the validation split stratified; ``lengths`` turn on length bucketing (unless
    the config turns it off). Under ``torchrun`` each process trains on its share of each epoch's
    batches and DDP averages the gradients; only the main process reports events and writes
    checkpoints. ``where`` overrides the automatic device choice.
    """
    config.check()
    where = where or placement()
    started = time.perf_counter()
    seed_everything(config.seed)
    train_idx, val_idx = validation_split(len(examples), config.validation_fraction, config.seed, labels)
    if len(train_idx) == 0:
        raise HubError(f"There are too few rows to train on ({len(examples)}).", "Use more rows.")
    module.to(where.device)
    model = module
    if where.world_size > 1:
        from torch.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(module, device_ids=[where.device.index] if where.device.type == "cuda" else None)
    trainable = [p for p in module.parameters() if p.requires_grad]
    decay = [p for p in trainable if p.ndim >= 2]
    no_decay = [p for p in trainable if p.ndim < 2]
    # The fused kernel updates each tensor in one pass instead of a dozen (as Trainer's default
    # does): on a transformer whose embeddings are half its weights, that is a tenth of each CPU step.
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=config.learning_rate,
                                  fused=where.device.type in FUSED_ADAMW_DEVICES)
    bucket_lengths = lengths if config.length_bucketing else None
    per_process = math.ceil(len(train_idx) / config.batch_size) // where.world_size
    if per_process == 0:
        raise HubError(f"{len(train_idx)} training rows make fewer batches than the {where.world_size} processes.",
                       "Use more rows, a smaller batch_size or fewer processes.")
    per_epoch = math.ceil(per_process / config.gradient_accumulation)
    total = config.max_steps or per_epoch * config.epochs
    warmup = int(total * config.warmup_ratio)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: (step + 1) / (warmup + 1) if step < warmup else max(0.0, (total - step) / max(1, total - warmup)))
    report = on_event if where.main else no_events
    rng = np.random.default_rng(config.seed)

    def run(batch_rows: np.ndarray) -> torch.Tensor:
        batch = to_device(collate([examples[i] for i in batch_rows]), where.device)
        with torch.autocast(where.device.type, dtype=where.autocast, enabled=where.autocast is not None):
            return loss(model, batch)

    step, epoch, best_epoch, best_loss, best_state, stale, stopped_early = 0, 0, 0, None, None, 0, False
    with deterministic():
        while step < total:
            epoch += 1
            module.train()
            epoch_batches = batches(train_idx, config.batch_size, rng, bucket_lengths)
            # Every process takes as many batches as the others, or DDP would wait for a missing one.
            mine = epoch_batches[where.rank:per_process * where.world_size:where.world_size]
            for first in range(0, len(mine), config.gradient_accumulation):
                group = mine[first:first + config.gradient_accumulation]
                rows = sum(len(b) for b in group)
                running = 0.0
                for position, batch_rows in enumerate(group):
                    last = position == len(group) - 1
                    sync = contextlib.nullcontext() if last or model is module else model.no_sync()
                    with sync:
                        value = run(batch_rows)
                        (value * (len(batch_rows) / rows)).backward()
                    running += float(value.detach()) * len(batch_rows) / rows
                if config.max_grad_norm > 0:
                    torch.nn.utils.clip_grad_norm_(trainable, config.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                step += 1
                elapsed = time.perf_counter() - started
                report(TrainingEvent("step", epoch, step, total, loss=running,
                                     learning_rate=scheduler.get_last_lr()[0],
                                     eta_seconds=elapsed / step * (total - step)))
                if step >= total:
                    break
            report(TrainingEvent("epoch", epoch, step, total, eta_seconds=(time.perf_counter() - started) / step * (total - step)))
            if len(val_idx):
                current = evaluate_loss(module, examples, val_idx, loss=loss, collate=collate,
                                        batch_size=config.batch_size, where=where, lengths=lengths)
                report(TrainingEvent("validation", epoch, step, total, loss=current,
                                     metric={"validation_loss": current}))
                if best_loss is None or current < best_loss:
                    best_epoch, best_loss, stale = epoch, current, 0
                    best_state = {key: value.detach().clone() for key, value in module.state_dict().items()}
                else:
                    stale += 1
                if config.checkpoint_dir and where.main:
                    save_checkpoint(module, Path(config.checkpoint_dir), epoch, step)
                    report(TrainingEvent("checkpoint", epoch, step, total))
                if config.patience and stale >= config.patience and step < total:
                    stopped_early = True
                    break
            elif config.checkpoint_dir and where.main:
                save_checkpoint(module, Path(config.checkpoint_dir), epoch, step)
                report(TrainingEvent("checkpoint", epoch, step, total))
    if best_state is not None:
        module.load_state_dict(best_state)
    module.eval()
    return LoopResult(steps=step, epochs=epoch, best_epoch=best_epoch or epoch, best_validation_loss=best_loss,
                      stopped_early=stopped_early, device=str(where.device),
                      precision="bf16" if where.autocast is not None else "fp32", world_size=where.world_size,
                      train_rows=len(train_idx), validation_rows=len(val_idx),
                      seconds=round(time.perf_counter() - started, 3))


@torch.no_grad()
def evaluate_loss(module: torch.nn.Module, examples: Sequence[Any], indices: np.ndarray, *,
                  loss: Callable[[torch.nn.Module, Any], torch.Tensor], collate: Callable[[list[Any]], Any],
                  batch_size: int, where: Placement, lengths: Sequence[int] | None = None) -> float:
    """The mean loss over ``indices``, in eval mode. Every process computes it over all of them, so
    every process takes the same early-stopping decision without communicating."""
    module.eval()
    order = indices if lengths is None else indices[np.argsort(np.asarray(lengths)[indices], kind="stable")]
    total, count = 0.0, 0
    for start in range(0, len(order), batch_size):
        rows = order[start:start + batch_size]
        batch = to_device(collate([examples[i] for i in rows]), where.device)
        with torch.autocast(where.device.type, dtype=where.autocast, enabled=where.autocast is not None):
            total += float(loss(module, batch)) * len(rows)
        count += len(rows)
    module.train()
    return total / count


def save_checkpoint(module: torch.nn.Module, directory: Path, epoch: int, step: int) -> Path:
    """Write ``directory/last`` (weights as safetensors, and where training stood) in one move."""
    import json

    from safetensors.torch import save_model

    directory.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".checkpoint-", dir=directory))
    save_model(module, str(staging / "model.safetensors"))
    (staging / "trainer_state.json").write_text(json.dumps({"epoch": epoch, "step": step}))
    final = directory / "last"
    shutil.rmtree(final, ignore_errors=True)
    os.replace(staging, final)
    return final
