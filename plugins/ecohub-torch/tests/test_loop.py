"""The training loop: reproducible, reporting, stopping and checkpointing as documented."""

import numpy as np
import pytest
import torch

from hub.errors import HubError
from ecohub_torch.loop import LoopConfig, batches, fit, validation_split


def regression_rows(count=96, seed=0):
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(count, 4, generator=generator)
    return X, X @ torch.tensor([1.0, -2.0, 0.5, 0.0]) + 0.1 * torch.randn(count, generator=generator)


def train(config, events=None, rows=None):
    X, y = rows or regression_rows()
    torch.manual_seed(123)  # the loop must not depend on the caller's generator state
    module = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Dropout(0.1), torch.nn.Linear(8, 1))
    result = fit(module, list(range(len(X))),
                 loss=lambda model, batch: torch.nn.functional.mse_loss(model(batch[0]).squeeze(1), batch[1]),
                 collate=lambda rows: (X[rows], y[rows]), config=config,
                 on_event=(events.append if events is not None else lambda event: None))
    return module, result


def test_same_seed_and_config_give_identical_weights_and_losses():
    config = LoopConfig(epochs=3, batch_size=16, learning_rate=1e-2, seed=7)
    first_events, second_events = [], []
    first, _ = train(config, first_events)
    second, _ = train(config, second_events)

    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))
    assert [e.loss for e in first_events] == [e.loss for e in second_events]


def test_another_seed_trains_another_model():
    first, _ = train(LoopConfig(epochs=1, batch_size=16, seed=1))
    second, _ = train(LoopConfig(epochs=1, batch_size=16, seed=2))
    assert not torch.equal(first[0].weight, second[0].weight)


def test_events_report_steps_epochs_validation_and_eta_in_order():
    events = []
    _, result = train(LoopConfig(epochs=2, batch_size=16, validation_fraction=0.25, patience=0), events)

    steps = [e for e in events if e.kind == "step"]
    assert [e.step for e in steps] == list(range(1, result.steps + 1))
    assert all(e.total_steps == result.steps == 10 for e in steps)  # 72 training rows: 5 batches, 2 epochs
    assert steps[-1].eta_seconds == 0 and all(e.loss > 0 for e in steps)
    assert all(a.learning_rate > b.learning_rate for a, b in zip(steps, steps[1:]))  # linear decay
    assert [e.kind for e in events if e.kind != "step"] == ["epoch", "validation", "epoch", "validation"]
    assert set(events[-1].metric) == {"validation_loss"}
    assert (result.train_rows, result.validation_rows) == (72, 24)


def test_max_steps_overrides_epochs_and_accumulation_counts_optimiser_steps():
    events = []
    _, result = train(LoopConfig(epochs=1, max_steps=6, batch_size=8, gradient_accumulation=3,
                                 validation_fraction=0), events)
    # 96 rows make 12 batches of 8, so 4 optimiser steps an epoch: 6 steps need a second epoch.
    assert (result.steps, result.epochs) == (6, 2)
    assert len([e for e in events if e.kind == "step"]) == 6


def test_early_stopping_restores_the_best_epoch():
    # A learning rate this high makes validation loss blow up after the first epochs.
    _, result = train(LoopConfig(epochs=30, batch_size=8, learning_rate=5.0, patience=2, max_grad_norm=0))
    assert result.stopped_early and result.epochs < 30
    assert result.epochs - result.best_epoch == 2


def test_checkpoints_are_safetensors_written_each_epoch(tmp_path):
    from safetensors.torch import load_file

    events = []
    module, _ = train(LoopConfig(epochs=2, batch_size=32, checkpoint_dir=str(tmp_path), patience=0), events)
    assert sorted(p.name for p in (tmp_path / "last").iterdir()) == ["model.safetensors", "trainer_state.json"]
    assert set(load_file(tmp_path / "last" / "model.safetensors")) == set(module.state_dict())
    assert [e.kind for e in events].count("checkpoint") == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_validation_split_is_stratified_and_keeps_tiny_classes_for_training():
    labels = np.array([0] * 40 + [1] * 10 + [2])
    train_rows, validation = validation_split(len(labels), 0.2, 0, labels)
    assert sorted(np.bincount(labels[validation], minlength=3)) == [0, 2, 8]
    assert len(train_rows) + len(validation) == len(labels)


def test_length_bucketing_groups_similar_lengths():
    lengths = list(range(256))
    grouped = batches(np.arange(256), 16, np.random.default_rng(0), lengths)
    plain = batches(np.arange(256), 16, np.random.default_rng(0))
    spread = lambda found: np.mean([np.ptp(np.asarray(lengths)[b]) for b in found])
    assert spread(grouped) < spread(plain) / 5
    assert sorted(np.concatenate(grouped)) == list(range(256))


@pytest.mark.parametrize("params, named", [({"epochs": 0}, "epochs"), ({"batch_size": "big"}, "batch_size"),
                                           ({"validation_fraction": 1.0}, "validation_fraction")])
def test_bad_settings_are_refused_naming_the_parameter(params, named):
    with pytest.raises(HubError, match=named):
        LoopConfig.from_params(params)
