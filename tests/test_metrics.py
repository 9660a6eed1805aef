"""The core's numpy metrics agree with scikit-learn's."""

import numpy as np
import pytest
from sklearn import metrics as sk

from hub.jobs.metrics import binary_metrics, multiclass_metrics, regression_metrics, task_metrics


@pytest.fixture
def scored():
    rng = np.random.default_rng(7)
    y_true = rng.integers(0, 2, 500)
    y_score = np.clip(y_true * 0.3 + rng.random(500) * 0.7, 0, 1).round(2)  # rounding makes ties
    return y_true, y_score


def test_metrics_match_scikit_learn(scored):
    y_true, y_score = scored
    y_pred = (y_score >= 0.5).astype(int)
    ours = binary_metrics(y_true, y_score)
    assert ours["accuracy"] == pytest.approx(sk.accuracy_score(y_true, y_pred))
    assert ours["precision"] == pytest.approx(sk.precision_score(y_true, y_pred))
    assert ours["recall"] == pytest.approx(sk.recall_score(y_true, y_pred))
    assert ours["f1"] == pytest.approx(sk.f1_score(y_true, y_pred))
    assert ours["roc_auc"] == pytest.approx(sk.roc_auc_score(y_true, y_score))
    assert ours["log_loss"] == pytest.approx(sk.log_loss(y_true, y_score))


def test_auc_is_left_out_when_only_one_class_is_present():
    assert "roc_auc" not in binary_metrics(np.ones(4, dtype=int), np.array([0.2, 0.4, 0.6, 0.8]))


@pytest.fixture
def three_classes():
    rng = np.random.default_rng(11)
    y_true = rng.integers(0, 3, 400)
    logits = rng.normal(size=(400, 3)) + np.eye(3)[y_true] * 1.5
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y_true, proba


def test_multiclass_metrics_match_scikit_learn(three_classes):
    y_true, proba = three_classes
    y_pred = proba.argmax(axis=1)
    ours = multiclass_metrics(y_true, proba, ("cat", "dog", "eel"))
    assert ours["accuracy"] == pytest.approx(sk.accuracy_score(y_true, y_pred))
    assert ours["f1_macro"] == pytest.approx(sk.f1_score(y_true, y_pred, average="macro"))
    assert ours["f1_weighted"] == pytest.approx(sk.f1_score(y_true, y_pred, average="weighted"))
    assert ours["log_loss"] == pytest.approx(sk.log_loss(y_true, proba))
    precision = sk.precision_score(y_true, y_pred, average=None)
    recall = sk.recall_score(y_true, y_pred, average=None)
    for index, label in enumerate(("cat", "dog", "eel")):
        assert ours[f"precision[{label}]"] == pytest.approx(precision[index])
        assert ours[f"recall[{label}]"] == pytest.approx(recall[index])


def test_a_class_never_predicted_has_zero_precision_as_scikit_learn_says(three_classes):
    y_true, proba = three_classes
    proba = proba.copy()
    proba[:, 2] = 0.0
    ours = multiclass_metrics(y_true, proba, ("cat", "dog", "eel"))
    y_pred = proba.argmax(axis=1)
    assert ours["precision[eel]"] == 0.0 == sk.precision_score(y_true, y_pred, average=None, zero_division=0)[2]
    assert ours["f1_macro"] == pytest.approx(sk.f1_score(y_true, y_pred, average="macro", zero_division=0))


def test_regression_metrics_match_scikit_learn():
    rng = np.random.default_rng(3)
    y_true = rng.normal(50, 10, 300)
    y_pred = y_true + rng.normal(0, 4, 300)
    ours = regression_metrics(y_true, y_pred)
    assert ours["mae"] == pytest.approx(sk.mean_absolute_error(y_true, y_pred))
    assert ours["rmse"] == pytest.approx(np.sqrt(sk.mean_squared_error(y_true, y_pred)))
    assert ours["r2"] == pytest.approx(sk.r2_score(y_true, y_pred))


def test_task_metrics_picks_the_metrics_of_the_task(scored, three_classes):
    assert task_metrics("tabular-classification", ("no", "yes"), *scored) == binary_metrics(*scored)
    assert "f1_macro" in task_metrics("text-classification", ("cat", "dog", "eel"), *three_classes)
    assert set(task_metrics("tabular-regression", (), np.array([1.0, 2.0, 4.0]), np.array([1.5, 2.0, 3.0]))) == {
        "mae", "rmse", "r2"}
