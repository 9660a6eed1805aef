"""``hub compare A B``: paired deltas with intervals, and decisions that flip, per group."""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from hub.cli import cli
from hub.jobs.comparing import compare_tables, group_labels
from hub.plugins.manager import load_plugins

import plugin_samples.hiring as hiring


def test_point_estimates_are_the_direct_counts_and_intervals_cover_them():
    rng = np.random.default_rng(1)
    labels = pd.Series(rng.choice(["f", "m"], 2000, p=[0.3, 0.7]))
    y, a = rng.integers(0, 2, 2000), rng.integers(0, 2, 2000)
    b = np.where(rng.random(2000) < 0.1, 1 - a, a)

    found = compare_tables(labels, ["f", "m"], y, a, b, seed=0, resamples=500)

    women = (labels == "f").to_numpy()
    female = found["groups"][0]
    assert female["selection_rate"]["delta"] == pytest.approx(b[women].mean() - a[women].mean())
    assert female["tpr"]["a"] == pytest.approx(a[women & (y == 1)].mean())
    assert female["churn"]["value"] == pytest.approx((a[women] != b[women]).mean())
    low, high = female["churn"]["interval"]
    assert low < female["churn"]["value"] < high
    rates = [a[(labels == g).to_numpy()].mean() for g in ("f", "m")]
    assert found["disparities"]["demographic_parity_ratio"]["a"] == pytest.approx(min(rates) / max(rates))


def test_a_group_missing_from_resamples_gives_an_interval_not_a_crash():
    labels = pd.Series(["rare"] + ["common"] * 999)
    y = np.r_[1, np.tile([0, 1], 500)[:999]]
    a = b = y.copy()

    found = compare_tables(labels, ["common", "rare"], y, a, b, seed=0, resamples=300)

    assert found["overall"]["churn"]["value"] == 0.0
    assert found["groups"][1]["count"] == 1


def test_declared_bins_and_labels_name_the_groups_in_order():
    ages, order = group_labels(pd.Series([20, 30, 70, None]), [25, 60], None)
    sexes, _ = group_labels(pd.Series([1.0, 0.0]), None, {1.0: "male", 0.0: "female"})

    assert list(ages) == ["under 25", "25 to under 60", "60 and over", "missing"] == order
    assert list(sexes) == ["male", "female"]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare")
    plugins = load_plugins()
    plugins.register(hiring, "hiring")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("hub.plugins.manager.installed_plugins", functools.cache(lambda: plugins))
        runner = CliRunner()
        where = ["--registry", f"sqlite:///{root / 'registry.db'}", "--store", str(root / "store")]

        def run(*args) -> str:
            result = runner.invoke(cli, [*where, *args])
            assert result.exit_code == 0, result.output
            return result.stdout

        run("train", "--dataset", "hiring", "--model", "logistic-regression", "--register", "hiring")
        run("train", "--dataset", "hiring", "--model", "logistic-regression", "--register", "hiring",
            "--param", "C=0.001")
        yield run


def test_compare_shows_churn_and_disparity_deltas_by_group(hub):
    found = json.loads(hub("compare", "hiring:1", "hiring:2", "--json", "--resamples", "200"))
    same = json.loads(hub("compare", "hiring:1", "hiring:1", "--json", "--resamples", "200"))
    printed = hub("compare", "hiring:1", "hiring:2", "--resamples", "200")

    assert found["rows"]["count"] == 1500 and found["rows"]["b_trained_on"] == 0
    assert [g["group"] for g in found["columns"]["age"]["groups"]] == ["under 25", "25 to under 60", "60 and over"]
    assert found["columns"]["age"]["overall"]["churn"]["value"] > 0
    assert same["columns"]["male"]["overall"]["churn"] == {"value": 0.0, "interval": [0.0, 0.0]}
    assert same["columns"]["age"]["disparities"]["demographic_parity_ratio"]["delta"] == 0.0
    assert "decisions flipped" in printed and "age: disparities" in printed
