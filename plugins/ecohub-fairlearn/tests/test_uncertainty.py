"""Bootstrap intervals from the count table, enough-data rules and verdicts, on real COMPAS rows."""

import numpy as np
import pandas as pd
import pytest

from ecohub_datasets.datasets import COMPAS
from ecohub_fairlearn import bootstrap
from ecohub_fairlearn.groups import grouper
from ecohub_fairlearn.report import fairness_report
from ecohub_fairlearn.table import BINARY, count_table
from ecohub_fairlearn.verdicts import FAIL, INCONCLUSIVE, PASS, judge


def report_of(sensitive: pd.DataFrame, y_true, y_pred, y_score=None, seed=0, resamples=1000):
    groupers = {c: grouper(sensitive[c], c, {}, {}) for c in sensitive.columns}
    table = count_table(sensitive, groupers, BINARY, y_true, y_pred, y_score)
    return fairness_report(table, groupers, seed=seed, resamples=resamples)


@pytest.fixture(scope="module")
def compas():
    table = COMPAS.load()
    return (table[["race", "sex"]], table["two_year_recid"].to_numpy(),
            (table["decile_score"] >= 5).to_numpy().astype(int))


def test_interval_width_matches_the_binomial_standard_error(compas):
    sensitive, y_true, y_pred = compas
    (race, _) = report_of(sensitive, y_true, y_pred)["features"]
    for group in race["groups"]:
        if group["count"] < 1000:
            continue
        p, n = group["selection_rate"], group["count"]
        low, high = group["intervals"]["selection_rate"]
        expected = 2 * 1.96 * np.sqrt(p * (1 - p) / n)
        assert (high - low) == pytest.approx(expected, rel=0.15)
        tpr, positives = group["tpr"], group["positives"]
        low, high = group["intervals"]["tpr"]
        assert (high - low) == pytest.approx(2 * 1.96 * np.sqrt(tpr * (1 - tpr) / positives), rel=0.15)


def test_resamples_keep_every_group_at_its_size_and_absent_outcomes_absent():
    counts = np.array([[[5, 3], [1, 0]], [[400, 100], [50, 450]], [[0, 0], [0, 2]]])
    draws = bootstrap.resample(counts, 500, np.random.default_rng(0))
    assert draws.shape == (500, 3, 2, 2)
    assert (draws.sum(axis=(2, 3)) == counts.sum(axis=(1, 2))).all()
    assert (draws[:, 2, 0] == 0).all()  # a group without negatives never gets one
    # Half a row of smoothing: a rate seen as 100% (2 of 2) is not redrawn as 100% every time.
    assert 0 < (draws[:, 2, 1, 0] > 0).mean() < 0.5


def test_a_tiny_group_never_vanishes_so_it_cannot_shrink_the_gap(compas):
    # Two defendants of a made-up group, both flagged high risk: a row bootstrap would drop the
    # group from about one resample in seven, leaving no gap, and pull the interval down to 0.
    sensitive, y_true, y_pred = compas
    group = np.where(np.arange(len(y_true)) < 2, "tiny", "rest")
    y_pred = np.where(group == "tiny", 1, y_pred)
    (entry,) = report_of(pd.DataFrame({"g": group}), y_true, y_pred)["features"]
    low, high = entry["intervals"]["demographic_parity_difference"]
    assert 0.02 < low < entry["demographic_parity_difference"] <= high
    assert entry["verdicts"][0]["verdict"] == INCONCLUSIVE  # and two rows are not enough to judge


def test_enough_data_is_judged_on_positives_and_negatives_not_rows(compas):
    sensitive, y_true, y_pred = compas
    # 1,000 rows but only 13 positives: plenty of rows, too few positives for a TPR.
    chosen = np.zeros(len(y_true), dtype=bool)
    chosen[np.flatnonzero(y_true == 0)[:987]] = True
    chosen[np.flatnonzero(y_true == 1)[:13]] = True
    group = np.where(chosen, "few positives", "others")
    report = report_of(pd.DataFrame({"g": group}), y_true, y_pred)
    (entry,) = report["features"]
    few = [g for g in entry["groups"] if g["group"] == "few positives"][0]
    assert few["count"] == 1000 and few["positives"] == 13 and few["sufficient"] is False
    verdicts = {v["metric"]: v for v in entry["verdicts"]}
    assert verdicts["equalized_odds_difference"]["verdict"] == INCONCLUSIVE
    assert verdicts["equalized_odds_difference"]["insufficient_groups"] == ["few positives"]
    assert "fewer than 30" in verdicts["equalized_odds_difference"]["reading"]
    assert verdicts["demographic_parity_ratio"]["insufficient_groups"] == []  # 1,000 rows are enough for it


def test_a_rate_with_no_rows_is_none_and_its_interval_too(compas):
    sensitive, y_true, y_pred = compas
    group = np.where(y_true == 1, "a", "b")  # group b has no positives at all
    group[:50] = "a"
    (entry,) = report_of(pd.DataFrame({"g": group}), y_true, y_pred)["features"]
    b = [g for g in entry["groups"] if g["group"] == "b"][0]
    assert b["tpr"] is None and b["intervals"]["tpr"] == [None, None]
    assert b["fpr"] is not None


@pytest.mark.parametrize("value, low, high, op, expected", [
    (0.85, 0.81, 0.90, ">=", PASS),
    (0.70, 0.60, 0.79, ">=", FAIL),
    (0.82, 0.75, 0.90, ">=", INCONCLUSIVE),
    (0.05, 0.02, 0.09, "<=", PASS),
    (0.20, 0.12, 0.30, "<=", FAIL),
    (0.08, 0.03, 0.14, "<=", INCONCLUSIVE),
    (None, None, None, ">=", INCONCLUSIVE),
])
def test_judge_passes_or_fails_only_when_the_whole_interval_agrees(value, low, high, op, expected):
    threshold = 0.8 if op == ">=" else 0.1
    assert judge(value, low, high, op, threshold) == expected


def test_compas_race_fails_the_four_fifths_rule_beyond_doubt(compas):
    sensitive, y_true, y_pred = compas
    (race, sex) = report_of(sensitive, y_true, y_pred)["features"]
    # African-American vs Caucasian decile ≥ 5 rates differ far beyond noise (ProPublica's finding);
    # the rule is still inconclusive because Asian and Native American groups are tiny.
    rule = [v for v in race["verdicts"] if v["metric"] == "demographic_parity_ratio"][0]
    assert rule["verdict"] == INCONCLUSIVE and set(rule["insufficient_groups"]) >= {"Native American"}
    two = sensitive["race"].isin(["African-American", "Caucasian"]).to_numpy()
    (pair, _) = report_of(sensitive[two], y_true[two], y_pred[two])["features"]
    rule = [v for v in pair["verdicts"] if v["metric"] == "demographic_parity_ratio"][0]
    assert rule["verdict"] == FAIL and rule["high"] < 0.8
    assert rule["reading"].startswith("Fails: the lowest group selection rate as a share of the highest is")
