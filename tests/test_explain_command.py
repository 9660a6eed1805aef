"""``hub explain MODEL --row N``: any evaluation row explained on request, and stored."""

import json

import pytest
from click.testing import CliRunner

from hub.cli import cli


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("registry")
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(cli, ["--registry", f"sqlite:///{root / 'registry.db'}", *args])
        return result.exit_code, result.stdout, result.stderr

    code, _, err = run("train", "--dataset", "german-credit", "--model", "logistic-regression", "--register", "credit")
    assert code == 0, err
    return run


def test_explain_prints_the_asked_for_row_with_its_label_and_stores_the_report(hub):
    code, out, err = hub("explain", "credit", "--row", "42", "--sample-rows", "50", "--json")
    assert code == 0, err
    (row,) = json.loads(out)
    assert row["row"] == 42 and row["case"] == "requested"
    assert row["true_label"] in ("good", "bad")
    assert row["base_value"] + sum(c["shap"] for c in row["contributions"]) == pytest.approx(row["output"], abs=1e-6)
    code, out, err = hub("models", "show", "credit", "--json")
    assert code == 0, err
    assert "shap" in out


def test_explain_prints_contributions_for_a_terminal(hub):
    code, out, err = hub("explain", "credit", "--row", "0", "--sample-rows", "20")
    assert code == 0, err
    assert "row 0" in out and "true label" in out and "Stored as report" in out


def test_a_row_outside_the_evaluation_rows_is_a_clear_error(hub):
    code, _, err = hub("explain", "credit", "--row", "100000")
    assert code != 0
    assert "not an evaluation row" in err
