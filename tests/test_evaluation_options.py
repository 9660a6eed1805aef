"""Evaluator options (``hub evaluate --option EVALUATOR.KEY=VALUE``) and evaluator progress.

Options are declared by each evaluator and checked by the core before anything loads, so a typo is
an error naming the evaluator and the key, never a setting silently ignored. Long evaluators
report their own steps, which move the bar through their share of the run (the dashboard once sat
at "Running shap 60%" for 20 s).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from hub import hookimpl
from hub.cli import cli
from hub.errors import EvaluationError
from hub.jobs.evaluation import evaluate, evaluator_options
from hub.plugins.manager import installed_plugins, load_plugins
from hub.registry import Registry
from hub.specs import EvaluationInput, EvaluatorSpec


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("options")
    where = ["--registry", f"sqlite:///{root / 'registry.db'}", "--store", str(root / "store")]
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(cli, [*where, *args])
        return result.exit_code, result.stdout, result.stderr

    code, _, err = run("train", "--dataset", "german-credit", "--model", "gradient-boosting", "--register", "credit",
                       "--param", "n_estimators=20")
    assert code == 0, err
    run.registry = lambda: Registry(where[1], where[3])
    return run


def test_an_option_reaches_its_evaluator_which_records_what_it_used(hub):
    code, out, err = hub("evaluate", "credit", "--evaluator", "shap", "--option", "shap.sample_rows=60",
                         "--option", "shap.background_rows=40", "--json")
    assert code == 0, err
    report = json.loads(out)["shap"]
    assert report["sample"]["requested"] == 60 and report["sample"]["rows"] < report["sample"]["of"]
    assert report["background_rows"] == 40
    assert report["provenance"]["options"] == {"sample_rows": 60, "background_rows": 40}


def test_a_run_with_options_is_stored_beside_the_declared_evaluation(hub):
    code, out, err = hub("evaluate", "credit", "--evaluator", "shap", "--option", "shap.sample_rows=30")
    assert code == 0, err
    assert "Additional" in out
    roles = {(r.evaluator, r.role) for r in hub.registry().get_version("credit", 1).reports}
    assert ("shap", "additional") in roles


@pytest.mark.parametrize(("option", "expected"), [
    ("shap.sample_row=60", "Evaluator 'shap' has no option 'sample_row'"),
    ("shap.sample_rows=many", ("Option shap.sample_rows must be a whole number and at least 1 and at most 100000; "
                               "got 'many'")),
    ("shap.sample_rows=0", "Option shap.sample_rows must be a whole number and at least 1"),
    ("shap.max_evals=2.5", "Option shap.max_evals must be a whole number"),
    ("lime.samples=10", "names evaluator 'lime', which this run does not use"),
])
def test_an_unknown_key_or_a_bad_value_is_an_error_naming_evaluator_and_key(hub, option, expected):
    code, _, err = hub("evaluate", "credit", "--option", option)
    assert code != 0
    assert expected in err
    assert "Traceback" not in err


def test_the_error_for_an_unknown_key_lists_the_evaluators_options(hub):
    _, _, err = hub("evaluate", "credit", "--option", "shap.rows_sample=60")
    assert "sample_rows (rows behind global importance" in err and "background_rows" in err


def test_an_option_without_evaluator_or_value_is_a_usage_error(hub):
    code, _, err = hub("evaluate", "credit", "--option", "sample_rows=60")
    assert code == 2
    assert "is not EVALUATOR.KEY=VALUE" in err


def test_values_are_converted_to_the_declared_type():
    chosen = [installed_plugins().get("evaluators", "shap")]
    assert evaluator_options(chosen, {"shap": {"sample_rows": " 2000 ", "max_evals": 400}}) == {
        "shap": {"sample_rows": 2000, "max_evals": 400}}
    with pytest.raises(EvaluationError, match="whole number"):
        evaluator_options(chosen, {"shap": {"sample_rows": True}})


def test_shap_progress_moves_through_its_share_of_the_run(hub):
    steps = []
    evaluate(installed_plugins(), hub.registry(), "credit", 1, evaluators=["shap", "fairlearn"],
             progress=lambda message, fraction: steps.append((message, fraction)))
    fractions = [fraction for _, fraction in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    shap_steps = [(m, f) for m, f in steps if m.startswith("Running shap: ")]
    assert len(shap_steps) >= 20  # each batch of rows, for each background half
    assert any("background 2 of 2" in m for m, _ in shap_steps)
    assert any("additivity" in m for m, _ in shap_steps)
    shap_share = (0.2, 0.6)  # the first of two evaluators after loading
    assert all(shap_share[0] <= f <= shap_share[1] for _, f in shap_steps)
    assert shap_steps[-1][1] > shap_steps[0][1] + 0.3


def only_rate(inputs: EvaluationInput) -> dict:
    return {"positive_rate": float(inputs.y_pred.mean())}


class OldEvaluator:
    """An evaluator written for plugin API 1.1: no options, never reports progress."""

    HUB_PLUGIN_API = ">=1,<2"

    @hookimpl
    def hub_evaluators(self):
        return [EvaluatorSpec(name="rate", kind="summary", description="Share predicted positive",
                              evaluate=only_rate, summarize=lambda report: "")]


def test_an_evaluator_that_reports_no_progress_still_runs(hub):
    plugins = load_plugins()
    plugins.register(OldEvaluator(), "old")
    steps = []
    (result,) = evaluate(plugins, hub.registry(), "credit", 1, evaluators=["rate"],
                         progress=lambda message, fraction: steps.append(fraction))
    assert 0 <= result.body["positive_rate"] <= 1
    assert steps[-1] == 1.0
    with pytest.raises(EvaluationError, match="Evaluator 'rate' has no option 'x'") as error:
        evaluate(plugins, hub.registry(), "credit", 1, evaluators=["rate"], options={"rate": {"x": "1"}})
    assert error.value.hint == "It takes no options."


def test_hub_explain_checks_its_sample_size_as_the_evaluators_option(hub):
    code, _, err = hub("explain", "credit", "--row", "0", "--sample-rows", "0")
    assert code != 0
    assert "Option shap.sample_rows must be a whole number and at least 1" in err


def test_an_option_declared_with_a_type_the_core_cannot_read_is_the_plugins_error():
    from hub.errors import PluginError
    from hub.plugins.manager import Provided
    from hub.specs import EvaluatorOption

    spec = EvaluatorSpec(name="odd", kind="summary", description="", evaluate=only_rate, summarize=str,
                         options=(EvaluatorOption("groups", "which groups", list),))
    with pytest.raises(PluginError, match="declares its option 'groups'"):
        evaluator_options([Provided(spec=spec, plugin="odd")], {"odd": {"groups": "a,b"}})
