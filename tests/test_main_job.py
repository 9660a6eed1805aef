"""The main job through the command line: train, register, evaluate, inspect."""

import json

import pytest
from click.testing import CliRunner

from hub.cli import cli


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """Run ``hub`` against a registry of this module's own; returns (exit code, stdout, stderr)."""
    root = tmp_path_factory.mktemp("registry")
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(cli, ["--registry", f"sqlite:///{root / 'registry.db'}", *args])
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture(scope="module")
def trained(hub):
    code, out, err = hub("train", "--dataset", "german-credit", "--model", "gradient-boosting",
                         "--register", "credit-risk", "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def reports(hub, trained):
    code, out, err = hub("evaluate", "credit-risk", "--dataset", "german-credit", "--sensitive", "sex,age", "--json")
    assert code == 0, err
    return json.loads(out)


def test_train_registers_version_one_with_everything_needed_to_reproduce_it(trained):
    assert trained["model"] == "credit-risk" and trained["version"] == 1
    assert trained["license"] == "cc-by-4.0"
    assert "german-credit is licensed cc-by-4.0" in trained["license_reasons"][0]
    assert trained["config"]["seed"] == 0
    assert trained["config"]["split"] == {"method": "stratified", "test_size": 0.25,
                                          "train_rows": 750, "test_rows": 250}
    assert trained["config"]["params"]["n_estimators"] > 0
    assert [(d["dataset"], d["role"], d["rows"]) for d in trained["datasets"]] == [("german-credit", "train", 1000)]
    assert [f["path"] for f in trained["files"]] == ["model.skops"]
    # 250 held-out rows: the check is "clearly better than chance", not a benchmark.
    assert trained["metrics"]["test"]["roc_auc"] > 0.65
    assert trained["metrics"]["train"]["accuracy"] > trained["metrics"]["test"]["accuracy"] > 0.6


def test_evaluate_stores_a_shap_and_a_fairness_report(hub, reports):
    shap, fairness = reports["shap"], reports["fairlearn"]
    assert shap["explainer"] == "TreeExplainer" and shap["additivity"]["passed"]
    features = [item["feature"] for item in shap["global_importance"]]
    assert "checking_status" in features and not any("_A1" in f or "__" in f for f in features)
    by_feature = {item["feature"]: item for item in fairness["features"]}
    assert {g["group"] for g in by_feature["sex"]["groups"]} == {"female", "male"}
    assert by_feature["age"]["binning"]["method"]
    assert by_feature["sex"]["reading"]
    for report in (shap, fairness):
        assert report["provenance"]["rows"] == 250
        assert report["provenance"]["scope"] == "held-out split of the training dataset"

    code, out, _ = hub("models", "show", "credit-risk", "--json")
    stored = json.loads(out)["versions"][0]["reports"]
    assert sorted(r["evaluator"] for r in stored) == ["fairlearn", "shap"]


def test_evaluate_prints_readable_summaries(hub, trained):
    code, out, err = hub("evaluate", "credit-risk", "--sensitive", "sex")
    assert code == 0, err
    assert "TreeExplainer" in out
    assert "female" in out and "male" in out


def test_training_again_registers_the_next_version(hub, trained):
    code, out, err = hub("train", "--dataset", "german-credit", "--model", "logistic-regression",
                         "--register", "credit-risk", "--seed", "3", "--json")
    assert code == 0, err
    assert json.loads(out)["version"] == 2
    code, out, _ = hub("models", "list")
    assert "credit-risk" in out and "cc-by-4.0" in out


def test_unknown_dataset_is_a_clear_error_listing_what_exists(hub):
    code, _, err = hub("train", "--dataset", "german", "--model", "gradient-boosting", "--register", "x")
    assert code == 1
    assert "No dataset named 'german'" in err
    assert "german-credit" in err


def test_unknown_sensitive_column_is_a_clear_error(hub, trained):
    code, _, err = hub("evaluate", "credit-risk", "--sensitive", "gender")
    assert code == 1
    assert "no column 'gender'" in err and "sex" in err


def test_bad_model_name_is_refused_before_training(hub):
    code, _, err = hub("train", "--dataset", "german-credit", "--model", "gradient-boosting", "--register", "../up")
    assert code == 1
    assert "not a valid model name" in err


@pytest.mark.parametrize("dataset, sensitive", [("adult", "sex,race"), ("compas", "race,sex")])
def test_the_larger_datasets_train_and_evaluate(hub, dataset, sensitive):
    code, out, err = hub("train", "--dataset", dataset, "--model", "logistic-regression", "--register",
                         f"{dataset}-lr", "--json")
    assert code == 0, err
    expected_license = {"adult": "cc-by-4.0", "compas": "unknown"}[dataset]
    assert json.loads(out)["license"] == expected_license
    code, out, err = hub("evaluate", f"{dataset}-lr", "--sensitive", sensitive, "--evaluator", "fairlearn", "--json")
    assert code == 0, err
    groups = json.loads(out)["fairlearn"]["features"][0]["groups"]
    assert len(groups) >= 2


def test_the_version_records_its_task_classes_and_reproducibility(trained):
    config = trained["config"]
    assert (config["task"], config["classes"], config["positive_label"]) == (
        "tabular-classification", ["bad", "good"], "good")
    record = config["reproducibility"]
    assert {"scikit-learn", "skops", "numpy", "pandas"} <= set(record["libraries"])
    assert record["data_sha256"] == trained["datasets"][0]["sha256"] and record["device"] == "cpu"


def test_max_rows_trains_a_quick_sample_and_keeps_the_held_out_rows(hub):
    code, out, err = hub("train", "--dataset", "adult", "--model", "logistic-regression", "--max-rows", "2000",
                         "--register", "adult-quick", "--json")
    assert code == 0, err
    config = json.loads(out)["config"]
    assert config["max_rows"] == 2000
    assert config["split"] == {"method": "stratified", "test_size": 0.25, "train_rows": 2000, "test_rows": 12211}


def test_models_show_prints_the_metrics_of_the_task(hub, trained):
    code, out, err = hub("models", "show", "credit-risk")
    assert code == 0, err
    assert "roc_auc" in out and "log_loss" in out


def test_a_model_type_that_needs_a_base_is_refused_without_one_and_others_refuse_one(hub, trained):
    code, _, err = hub("train", "--dataset", "german-credit", "--model", "logistic-regression", "--base",
                       "credit-risk:1", "--register", "x")
    assert code == 1
    assert "trained from scratch and takes no base model" in err
