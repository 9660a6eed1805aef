"""Mitigation through ``hub derive``: stored without pickle, loaded back by this plugin's trainer."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from hub.specs import DeriveRequest, TrainingRows

from ecohub_fairlearn import mitigation


def test_stored_thresholds_select_exactly_as_fairlearns_threshold_optimizer(tmp_path):
    from ecohub_sklearn import artifacts
    from fairlearn.postprocessing import ThresholdOptimizer
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"group": rng.integers(0, 2, 2000).astype(float), "x": rng.normal(0, 1, 2000)})
    y = (X["x"] + 0.8 * X["group"] + rng.normal(0, 1, 2000) > 0.5).astype(int).to_numpy()
    base = LogisticRegression().fit(X, y)
    (tmp_path / "parent").mkdir(), (tmp_path / "out").mkdir()
    artifacts.save(base, tmp_path / "parent")
    rows = TrainingRows(X=X, y=y, sensitive=X[["group"]])
    parent = SimpleNamespace(ref="toy:1", model_type="logistic-regression", config={"features": ["group", "x"]})

    derived = mitigation.threshold_optimizer(DeriveRequest(
        parent=parent, model=base, directory=tmp_path / "parent", output=tmp_path / "out", params={}, seed=0,
        training_rows=lambda: rows))
    loaded = mitigation.load(tmp_path / "out")

    reference = ThresholdOptimizer(estimator=base, constraints="demographic_parity", prefit=True,
                                   predict_method="predict_proba").fit(X, y, sensitive_features=X["group"].astype(str))
    expected = reference._pmf_predict(X, sensitive_features=X["group"].astype(str))
    assert derived.trainer == "fairlearn-mitigated" and derived.details["sensitive"] == "group"
    assert np.allclose(loaded.predict_proba(X), expected)
    assert sorted(p.name for p in (tmp_path / "out").rglob("*") if p.is_file()) == ["mitigation.json", "model.skops"]


def test_a_sensitive_column_the_model_does_not_read_is_refused():
    rows = TrainingRows(X=pd.DataFrame({"x": [1.0]}), y=np.array([1]), sensitive=pd.DataFrame({"sex": ["f"]}))
    request = SimpleNamespace(parent=SimpleNamespace(ref="toy:1", config={"features": ["x"]}), params={})

    with pytest.raises(Exception, match="'sex' is not an input of toy:1"):
        mitigation._sensitive(request, rows)


@pytest.mark.slow
def test_hook_hub_derivers_exponentiated_gradient_makes_a_mitigated_version(tmp_path):
    from hub.cli import cli

    where = ["--registry", f"sqlite:///{tmp_path / 'registry.db'}", "--store", str(tmp_path / "store")]
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(cli, [*where, *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    run("train", "--dataset", "german-credit", "--model", "logistic-regression", "--register", "credit")
    derived = json.loads(run("derive", "credit:1", "--with", "exponentiated-gradient", "--param", "sensitive=sex",
                             "--param", "max_iter=5", "--json"))
    after = json.loads(run("evaluate", "credit:2", "--evaluator", "fairlearn", "--json"))

    version = derived["version"]
    assert ("mitigated", "credit:1") in [(edge["relation"], edge["parent"]) for edge in version["lineage"]]
    assert version["trainer"] == "fairlearn-mitigated" and not any(f["pickle"] for f in version["files"])
    assert after["fairlearn"]["provenance"]["role"] == "canonical"
    assert {f["feature"] for f in after["fairlearn"]["features"]} == {"sex", "age"}
