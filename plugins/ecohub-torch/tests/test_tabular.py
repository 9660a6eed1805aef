"""The MLP on real tables: binary, multi-class and regression, saved as safetensors and JSON."""

import json

import numpy as np
import pytest

from hub.errors import UnsafeArtifactError
from hub.testing import sample_frame
from ecohub_torch.tabular import TabularMLP

FAST = {"epochs": 4, "batch_size": 32}


@pytest.fixture
def loans():
    frame = sample_frame(240)
    y = (frame.pop("approved") == "yes").to_numpy().astype("int64")
    return frame, y


def test_binary_classifier_learns_and_reloads_identically(loans, tmp_path):
    X, y = loans
    model = TabularMLP(epochs=30, patience=5).fit(X, y, classes=("no", "yes"))
    scores = model.predict_proba(X)
    assert scores.shape == (240, 2) and np.allclose(scores.sum(axis=1), 1)
    assert (model.predict(X) == y).mean() > 0.75

    model.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.safetensors"]
    assert (TabularMLP.load(tmp_path).predict_proba(X) == scores).all()


@pytest.mark.parametrize("categorical", ["embed", "onehot"])
def test_multiclass_predicts_one_column_per_class(loans, categorical):
    X, _ = loans
    y = X.pop("housing").map({"own": 0, "rent": 1, "free": 2}).to_numpy()
    model = TabularMLP(categorical=categorical, **FAST).fit(X, y, classes=("own", "rent", "free"))
    assert model.predict_proba(X).shape == (240, 3)
    assert set(model.predict(X)) <= {0, 1, 2}


def test_regression_predicts_in_the_targets_units(loans):
    X, _ = loans
    income = X.pop("income").to_numpy()
    model = TabularMLP(epochs=20).fit(X, income, task="tabular-regression")
    predicted = model.predict(X)
    assert abs(predicted.mean() - income.mean()) < 5
    with pytest.raises(Exception, match="no class probabilities"):
        model.predict_proba(X)


def test_unseen_categories_and_missing_values_are_handled(loans):
    X, y = loans
    model = TabularMLP(**FAST).fit(X, y)
    odd = X.head(3).copy()
    odd.loc[0, "housing"] = "boat"
    odd.loc[1, "income"] = np.nan
    assert np.isfinite(model.predict_proba(odd)).all()


def test_a_folder_that_is_not_ours_is_refused(loans, tmp_path):
    X, y = loans
    TabularMLP(**FAST).fit(X, y).save(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "format": "something-else"}))
    with pytest.raises(UnsafeArtifactError, match="does not hold an ecohub-torch MLP"):
        TabularMLP.load(tmp_path)
