"""The core's numpy metrics agree with scikit-learn's."""

import numpy as np
import pytest
from sklearn import metrics as sk

from hub.jobs.metrics import binary_metrics


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
