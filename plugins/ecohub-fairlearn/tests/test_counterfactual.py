"""The CrowS-Pairs evaluator with a real text classifier (TF-IDF + logistic regression on MLMA)."""

import os
import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from hub.errors import EvaluationError, IntegrityError
from hub.specs import TABULAR_CLASSIFICATION, TEXT_CLASSIFICATION, DatasetSpec, EvaluationInput

import ecohub_fairlearn
from ecohub_fairlearn.counterfactual import load_pairs


@pytest.fixture(scope="module")
def inputs():
    tweets = pd.read_csv(os.path.join(os.environ["HUB_DATA_DIR"], "mlma_hate_speech_en.csv.gz"))[["tweet", "sentiment"]]
    y = (tweets["sentiment"] != "normal").to_numpy().astype("int64")
    model = make_pipeline(make_column_transformer((TfidfVectorizer(min_df=2), "tweet")),
                          LogisticRegression(max_iter=1000)).fit(tweets[["tweet"]], y)
    dataset = DatasetSpec(name="mlma-hate-speech", description="", load=lambda: None, target="sentiment",
                          positive_label="toxic", license="mit", task=TEXT_CLASSIFICATION, text_column="tweet")
    score = model.predict_proba(tweets[["tweet"]])[:, 1]
    return EvaluationInput(model=model, model_type="tfidf", framework="transformers", dataset=dataset,
                           X=tweets[["tweet"]], y_true=y, y_pred=(score >= 0.5).astype(int), y_score=score,
                           sensitive=tweets[[]], seed=3, task=TEXT_CLASSIFICATION, classes=("normal", "toxic"))


@pytest.fixture(scope="module")
def spec():
    return {e.name: e for e in ecohub_fairlearn.hub_evaluators()}["crows-pairs"]


@pytest.fixture(scope="module")
def report(spec, inputs):
    return spec.evaluate(inputs)


def test_scores_move_between_the_sentences_of_each_pair_by_bias_type(report, inputs):
    pairs = load_pairs()
    groups = {g["bias_type"]: g for g in report["groups"]}
    assert groups["all"]["pairs"] == len(pairs) == 1508
    assert set(groups) - {"all"} == set(pairs["bias_type"])
    gender = (pairs["bias_type"] == "gender").to_numpy()
    more = inputs.model.predict_proba(pd.DataFrame({"tweet": pairs["sent_more"][gender]}))[:, 1]
    less = inputs.model.predict_proba(pd.DataFrame({"tweet": pairs["sent_less"][gender]}))[:, 1]
    g = groups["gender"]
    assert g["pairs"] == gender.sum()
    assert g["flip_rate"] == pytest.approx(((more >= 0.5) != (less >= 0.5)).mean())
    assert g["mean_abs_change"] == pytest.approx(np.abs(more - less).mean())
    assert g["mean_change_more_minus_less"] == pytest.approx((more - less).mean())
    low, high = g["intervals"]["mean_abs_change"]
    assert low <= g["mean_abs_change"] <= high
    assert report["data"]["sha256"] and "probe, not a verdict" in report["reading"]


def test_summary_lists_each_bias_type(spec, report):
    text = spec.summarize(report)
    assert "race-color" in text and "gender" in text and report["reading"] in text


def test_a_tabular_model_is_refused(spec, inputs):
    with pytest.raises(EvaluationError, match="needs a text-classification model"):
        spec.evaluate(replace(inputs, task=TABULAR_CLASSIFICATION))


def test_a_changed_pairs_file_is_refused(tmp_path, monkeypatch):
    copy = tmp_path / "crows_pairs.csv.gz"
    shutil.copyfile(os.path.join(os.environ["HUB_DATA_DIR"], "crows_pairs.csv.gz"), copy)
    copy.write_bytes(copy.read_bytes() + b"\0")
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    with pytest.raises(IntegrityError, match="does not match its published checksum"):
        load_pairs()
