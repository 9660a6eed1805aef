"""Tasks the core understands: targets checked against the task when data loads, splits and
metrics per task, base models from the registry, and training that stops cleanly."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time

import ecohub_sklearn
import numpy as np
import pytest
from click.testing import CliRunner

from hub import hookimpl
from hub.cli import cli
from hub.errors import EvaluationError, HubError, UnknownNameError
from hub.jobs.data import held_out_split, load_labelled, subsample
from hub.jobs.evaluation import evaluate
from hub.jobs.loading import loaded_version
from hub.jobs.training import train
from hub.plugins.events import open_registry
from hub.plugins.manager import register_objects
from hub.specs import (
    TABULAR_REGRESSION,
    TEXT_CLASSIFICATION,
    DatasetSpec,
    EvaluatorSpec,
    ModelSpec,
    TrainerSpec,
    TrainingEvent,
)
from hub.testing import sample_frame


def spec(frame, target, positive_label=None, **declared) -> DatasetSpec:
    return DatasetSpec(name="probe", description="", load=lambda: frame.copy(), target=target,
                       positive_label=positive_label, license="cc0-1.0", **declared)


# -- checking the target against the task ----------------------------------------------


def test_a_continuous_target_declared_as_classification_is_refused():
    with pytest.raises(EvaluationError, match="'income' a classification target, but it holds continuous") as error:
        load_labelled(spec(sample_frame(), "income", 60.0))
    assert "task='tabular-regression'" in error.value.hint


def test_a_class_with_a_single_row_is_refused_by_name():
    frame = sample_frame()
    frame.loc[0, "housing"] = "houseboat"
    with pytest.raises(EvaluationError, match="class 'houseboat' of 'housing' has a single row"):
        load_labelled(spec(frame, "housing"))


def test_a_positive_label_that_never_occurs_is_refused():
    with pytest.raises(EvaluationError, match="positive label 'Yes' never occurs in 'approved'") as error:
        load_labelled(spec(sample_frame(), "approved", "Yes"))
    assert "'no'" in error.value.hint and "'yes'" in error.value.hint


def test_more_than_two_values_with_a_positive_label_needs_one_vs_rest():
    with pytest.raises(EvaluationError, match="'housing' has 3 values") as error:
        load_labelled(spec(sample_frame(), "housing", "own"))
    assert "one_vs_rest=True" in error.value.hint and "positive_label=None" in error.value.hint

    table = load_labelled(spec(sample_frame(), "housing", "own", one_vs_rest=True))
    assert table.classes == ("not own", "own")
    assert table.y.sum() == (sample_frame()["housing"] == "own").sum()


def test_multi_class_targets_are_indices_into_the_sorted_classes():
    frame = sample_frame()
    table = load_labelled(spec(frame, "housing"))
    assert table.classes == ("free", "own", "rent")
    assert [table.classes[i] for i in table.y[:5]] == list(frame["housing"][:5])


def test_a_regression_target_must_hold_numbers():
    table = load_labelled(spec(sample_frame(), "income", task=TABULAR_REGRESSION))
    assert table.y.dtype == np.float64 and table.classes == ()
    with pytest.raises(EvaluationError, match="'housing' holds values that are not numbers, such as"):
        load_labelled(spec(sample_frame(), "housing", task=TABULAR_REGRESSION))


def test_a_text_dataset_needs_its_text_column():
    with pytest.raises(EvaluationError, match="declares no text_column"):
        load_labelled(spec(sample_frame(), "approved", "yes", task=TEXT_CLASSIFICATION))


# -- splits ----------------------------------------------------------------------------


def test_classification_splits_keep_each_class_share_and_regression_splits_are_seeded():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    train_rows, test_rows = held_out_split(y, "tabular-classification", 0.2, seed=1)
    assert np.bincount(y[test_rows]).tolist() == [12, 6, 2]
    assert sorted([*train_rows, *test_rows]) == list(range(100))

    values = np.linspace(0, 1, 100)
    first, second = held_out_split(values, TABULAR_REGRESSION, 0.25, 4), held_out_split(values, TABULAR_REGRESSION, 0.25, 4)
    assert len(first[1]) == 25 and (first[1] == second[1]).all()


def test_subsample_draws_exactly_the_rows_asked_for_keeping_every_class():
    y = np.repeat([0, 1, 2], [600, 300, 3])
    drawn = subsample(y, "tabular-classification", 90, seed=5)
    assert len(drawn) == 90 and set(np.bincount(y[drawn])) >= {1}
    assert (drawn == subsample(y, "tabular-classification", 90, seed=5)).all()
    assert np.bincount(y[drawn])[0] == pytest.approx(60, abs=1)


# -- training and evaluating each task -------------------------------------------------


class TaskData:
    @hookimpl
    def hub_datasets(self):
        frame = sample_frame(rows=300)
        return [
            dataclasses.replace(spec(frame, "housing"), name="loans-housing", sensitive_features=("sex",)),
            DatasetSpec(name="loans-income", description="", load=lambda: sample_frame(rows=300), target="income",
                        positive_label=None, license="cc0-1.0", task=TABULAR_REGRESSION, drop_columns=("approved",),
                        sensitive_features=("sex",)),
        ]


class Shapes:
    """An evaluator that reports the shape of what it was handed."""

    @hookimpl
    def hub_evaluators(self):
        return [EvaluatorSpec(name="shapes", kind="summary", description="What evaluators see",
                              evaluate=lambda i: {"task": i.task, "classes": list(i.classes),
                                                  "y_score": list(i.y_score.shape), "y_pred": list(i.y_pred.shape),
                                                  "argmax": bool((np.ndim(i.y_score) == 1) or
                                                                 (i.y_score.argmax(axis=1) == i.y_pred).all())},
                              summarize=lambda report: str(report))]


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


class TinyModel:
    """``P(approved) = sigmoid(weight * standardised income + bias)``."""

    def __init__(self, weight: float, bias: float, adapter: bool):
        self.weight, self.bias, self.adapter = weight, bias, adapter

    def predict_proba(self, X):
        score = _sigmoid(self.weight * (X["income"].to_numpy(dtype=float) - 50) / 15 + self.bias)
        return np.column_stack([1 - score, score])


def tiny_fit(request):
    weight = json.loads((request.base.directory / "weights.json").read_text())["weight"] if request.base else 1.0
    bias, steps = 0.0, int(request.params.get("epochs", 3))
    z = (request.X["income"].to_numpy(dtype=float) - 50) / 15
    for step in range(1, steps + 1):
        p = _sigmoid(weight * z + bias)
        bias -= 0.5 * float((p - request.y).mean())
        loss = float(-np.mean(request.y * np.log(p) + (1 - request.y) * np.log(1 - p)))
        request.on_event(TrainingEvent("step", epoch=step, step=step, total_steps=steps, loss=loss,
                                       learning_rate=0.5, eta_seconds=0.0))
    return TinyModel(weight, bias, adapter=bool(request.base))


def tiny_save(model, directory):
    body = {"bias": model.bias} if model.adapter else {"weight": model.weight, "bias": model.bias}
    (directory / ("adapter.json" if model.adapter else "weights.json")).write_text(json.dumps(body))


def tiny_load(directory, base=None):
    if (directory / "adapter.json").exists():
        if base is None:
            raise ValueError("an adapter loads only on its base")
        weight = json.loads((base / "weights.json").read_text())["weight"]
        return TinyModel(weight, json.loads((directory / "adapter.json").read_text())["bias"], adapter=True)
    stored = json.loads((directory / "weights.json").read_text())
    return TinyModel(stored["weight"], stored["bias"], adapter=False)


class Tiny:
    @hookimpl
    def hub_models(self):
        return [ModelSpec("tiny-adapter", "A bias learned on a registered weight", "tiny", build=lambda p: None,
                          base_relation="adapter"),
                ModelSpec("tiny-scratch", "A weight and a bias", "tiny", build=lambda p: None)]

    @hookimpl
    def hub_trainers(self):
        return [TrainerSpec("tiny", "tiny", "Fits tiny models", fit=tiny_fit, save=tiny_save, load=tiny_load)]


class Loans:
    @hookimpl
    def hub_datasets(self):
        from hub.testing import sample_dataset

        return [sample_dataset()]


@pytest.fixture(scope="module")
def hub_setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("tasks")
    plugins = register_objects(("tasks", TaskData()), ("loans", Loans()), ("sklearn", ecohub_sklearn),
                               ("shapes", Shapes()), ("tiny", Tiny()))
    registry = open_registry(f"sqlite:///{root / 'registry.db'}", str(root / "store"), plugins)
    weights = root / "weights.json"
    weights.write_text(json.dumps({"weight": 2.0}))
    registry.register_version("tiny-base", files={"weights.json": weights}, license="apache-2.0", framework="tiny",
                              model_type="tiny-scratch", trainer="tiny", task="tabular-classification", config={})
    yield plugins, registry
    registry.close()


def test_multi_class_training_records_classes_and_multi_class_metrics(hub_setup):
    plugins, registry = hub_setup
    version = train(plugins, registry, dataset="loans-housing", model_type="logistic-regression", name="housing")
    assert version.config["classes"] == ["free", "own", "rent"] and version.task == "tabular-classification"
    assert {"accuracy", "f1_macro", "f1_weighted", "log_loss", "precision[own]", "recall[rent]"} <= set(
        version.metrics["test"])
    assert version.config["split"]["method"] == "stratified"

    (result,) = evaluate(plugins, registry, "housing", evaluators=["shapes"])
    assert result.body["task"] == "tabular-classification" and result.body["classes"] == ["free", "own", "rent"]
    assert result.body["y_score"] == [75, 3] and result.body["y_pred"] == [75] and result.body["argmax"]


def test_regression_training_records_regression_metrics(hub_setup):
    plugins, registry = hub_setup
    version = train(plugins, registry, dataset="loans-income", model_type="ridge-regression", name="income")
    assert set(version.metrics["test"]) == {"mae", "rmse", "r2"}
    assert version.metrics["test"]["r2"] < 0.5  # income is noise against these columns; the point is the metric
    assert version.config["split"]["method"] == "random" and version.config["classes"] == []

    (result,) = evaluate(plugins, registry, "income", evaluators=["shapes"])
    assert result.body["y_score"] == [75] and result.body["task"] == TABULAR_REGRESSION


def test_a_model_type_refuses_a_task_it_does_not_handle(hub_setup):
    plugins, registry = hub_setup
    with pytest.raises(HubError, match="'ridge-regression' does not handle the 'tabular-classification' task"):
        train(plugins, registry, dataset="loans-housing", model_type="ridge-regression", name="wrong")


def test_max_rows_trains_on_a_recorded_sample_and_keeps_the_held_out_rows(hub_setup):
    plugins, registry = hub_setup
    full = train(plugins, registry, dataset="contract-sample", model_type="logistic-regression", name="capped")
    capped = train(plugins, registry, dataset="contract-sample", model_type="logistic-regression", name="capped",
                   max_rows=40)
    assert capped.config["max_rows"] == 40 and capped.config["split"]["train_rows"] == 40
    assert capped.config["split"]["test_rows"] == full.config["split"]["test_rows"] == 60
    assert capped.config["reproducibility"]["train_rows_sha256"] != full.config["reproducibility"]["train_rows_sha256"]


def test_every_version_records_how_to_reproduce_it(hub_setup):
    plugins, registry = hub_setup
    version = train(plugins, registry, dataset="contract-sample", model_type="gradient-boosting", name="repro",
                    params={"n_estimators": 5}, seed=4)
    record = version.config["reproducibility"]
    assert record["seed"] == 4 and record["params"]["n_estimators"] == 5
    assert {"numpy", "pandas"} <= set(record["libraries"])
    assert record["device"] == "cpu" and record["base"] is None
    assert record["data_sha256"] == version.datasets[0].sha256


def test_an_adapter_is_trained_on_a_registered_base_with_lineage_and_license(hub_setup):
    plugins, registry = hub_setup
    registry.set_alias("tiny-base", "stable", 1)
    events = []
    version = train(plugins, registry, dataset="contract-sample", model_type="tiny-adapter", name="tiny-loans",
                    base="tiny-base@stable", params={"epochs": 4}, on_event=events.append)
    base = registry.get_version("tiny-base", 1)
    assert [(e.relation, e.parent) for e in version.lineage] == [("adapter", "tiny-base:1"),
                                                                 ("trained_on", "contract-sample")]
    assert version.config["base"] == {"ref": "tiny-base:1", "commit": base.commit, "relation": "adapter"}
    assert version.config["reproducibility"]["base"]["commit"] == base.commit
    assert version.license == "apache-2.0"
    assert any("tiny-base:1" in reason for reason in version.license_reasons)
    assert any("contract-sample" in reason for reason in version.license_reasons)
    assert [f.path for f in version.files] == ["adapter.json"]
    assert [e.step for e in events] == [1, 2, 3, 4] and all(e.loss > 0 for e in events)

    with loaded_version(plugins, registry, version) as loaded:
        assert loaded.model.weight == 2.0 and loaded.base.version.ref == "tiny-base:1"
        exported = loaded.base.directory
    assert not exported.exists()
    (result,) = evaluate(plugins, registry, "tiny-loans", evaluators=["shapes"])
    assert result.body["y_score"] == [60]


def test_base_models_are_required_refused_and_never_downloaded(hub_setup):
    plugins, registry = hub_setup
    with pytest.raises(HubError, match="adapted from a base model, and none was given"):
        train(plugins, registry, dataset="contract-sample", model_type="tiny-adapter", name="x")
    with pytest.raises(HubError, match="trained from scratch and takes no base model"):
        train(plugins, registry, dataset="contract-sample", model_type="tiny-scratch", name="x", base="tiny-base")
    with pytest.raises(UnknownNameError, match="No registered model named 'sentence-transformers/all-MiniLM'"):
        train(plugins, registry, dataset="contract-sample", model_type="tiny-adapter", name="x",
              base="sentence-transformers/all-MiniLM")


# -- the command line --------------------------------------------------------------------


def test_train_command_passes_base_epochs_and_max_rows_and_shows_the_loss(register_plugin, tmp_path):
    register_plugin(Tiny(), "tiny")
    register_plugin(Loans(), "loans")
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    registry = open_registry(url, str(tmp_path / "store"), register_objects())
    weights = tmp_path / "weights.json"
    weights.write_text(json.dumps({"weight": 1.5}))
    registry.register_version("base", files={"weights.json": weights}, license="mit", framework="tiny",
                              model_type="tiny-scratch", trainer="tiny", task="tabular-classification", config={})
    registry.close()

    result = CliRunner().invoke(cli, ["--registry", url, "--store", str(tmp_path / "store"), "train", "--dataset",
                                      "contract-sample", "--model", "tiny-adapter", "--base", "base:1", "--epochs", "2",
                                      "--max-rows", "100", "--register", "credit-tiny", "--json"])
    assert result.exit_code == 0, result.output
    version = json.loads(result.stdout)
    assert version["config"]["params"]["epochs"] == 2 and version["config"]["split"]["train_rows"] == 100
    assert "loss" in result.stderr and "2/2" in result.stderr


def test_sigterm_stops_training_with_nothing_registered_and_no_files_left(tmp_path):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    env = {**os.environ, "TMPDIR": str(temporary)}
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "--registry", url, "--store", str(tmp_path / "store"), "train", "--dataset",
         "german-credit", "--model", "gradient-boosting", "--param", "n_estimators=100000", "--register", "slow"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(temporary.glob("hub-train-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # into the fit
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)

    assert process.returncode == 1, err
    assert "stopped (SIGTERM): no version was registered, and its temporary files were removed" in err
    assert list(temporary.iterdir()) == []
    listed = subprocess.run([sys.executable, "-m", "hub", "--registry", url, "--store", str(tmp_path / "store"),
                             "models", "list", "--json"], capture_output=True, text=True, env=env)
    assert json.loads(listed.stdout) == []
