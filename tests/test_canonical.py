"""One canonical evaluation per version: other evaluations sit beside it and change no verdict.

The scenario of issue #12: a version fails the four-fifths rule by age; re-running
``hub evaluate --sensitive male`` (which passes) used to flip the gate, ``hub review`` and the
card, because they followed whichever report was newest. Now they read the canonical report only.
"""

from __future__ import annotations

import functools
import json
import re

import pytest
from click.testing import CliRunner

from hub.cli import cli
from hub.errors import EvaluationError
from hub.jobs.canonical import parse_bins, row_hashes
from hub.plugins.manager import load_plugins
from hub.registry import Registry

import plugin_samples.hiring as hiring


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """``hub`` with the installed plugins and the hiring datasets, on a registry of this module's own."""
    root = tmp_path_factory.mktemp("canonical")
    plugins = load_plugins()
    plugins.register(hiring, "hiring")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("hub.plugins.manager.installed_plugins", functools.cache(lambda: plugins))
        patch.setenv("HUB_USER", "reviewer")
        patch.setenv("HUB_ADMINS", "reviewer")
        runner = CliRunner()
        where = ["--registry", f"sqlite:///{root / 'registry.db'}", "--store", str(root / "store")]

        def run(*args, expect: int = 0) -> str:
            """stdout when the command succeeds; everything it printed when it is expected to fail."""
            result = runner.invoke(cli, [*where, *args])
            assert result.exit_code == expect, result.output
            return result.stdout if expect == 0 else result.output

        run.registry = lambda: Registry(where[1], where[3])
        run("train", "--dataset", "hiring", "--model", "logistic-regression", "--register", "hiring")
        yield run


def verdicts(hub) -> dict:
    """Everything that decides: the gate, the review, and the card's fairness section."""
    gate = json.loads(hub("gates", "check", "hiring:1", "--alias", "production", "--json", expect=1))
    review = json.loads(hub("review", "hiring:1", "--json"))
    strip = functools.partial(re.sub, r"#\d+", "#N")
    card = hub("card", "show", "hiring:1")
    return {
        "gate": [(r["requirement"], r["status"], strip(r["detail"])) for r in gate["results"]],
        "review": (review["ready_for_production"], [(i["name"], i["status"]) for i in review["items"]
                                                    if i["blocking"]]),
        # A re-run of the declared evaluation is the same evaluation under a new report number.
        "card": re.sub(r"report \(#\d+\)", "report",
                       card[card.index("## Fairness"):card.index("<!-- /ecohub:registry")]),
    }


@pytest.fixture(scope="module")
def canonical(hub):
    reports = json.loads(hub("evaluate", "hiring", "--json"))
    return reports, verdicts(hub)


def test_the_declared_evaluation_is_canonical_and_fails_by_age(canonical):
    reports, before = canonical
    provenance = reports["fairlearn"]["provenance"]
    assert provenance["role"] == "canonical"
    assert provenance["sensitive_features"] == ["male", "age"] and provenance["bins"] == {"age": [25.0, 60.0]}
    by_feature = {f["feature"]: f for f in reports["fairlearn"]["features"]}
    assert {g["group"] for g in by_feature["male"]["groups"]} == {"female", "male"}
    assert [g["group"] for g in by_feature["age"]["groups"]] == ["under 25", "25 to under 60", "60 and over"]
    assert ("demographic_parity_ratio ≥ 0.8 (every declared column)", "fail") in [g[:2] for g in before["gate"]]
    assert before["review"][0] is False
    assert "| age | four-fifths rule (>= 0.8) |" in before["card"] and "**fail**" in before["card"]


def test_evaluating_only_male_adds_a_passing_report_and_changes_no_verdict(hub, canonical):
    _, before = canonical

    trick = json.loads(hub("evaluate", "hiring", "--sensitive", "male", "--json"))

    male = trick["fairlearn"]["features"][0]
    assert trick["fairlearn"]["provenance"]["role"] == "additional"
    assert [f["feature"] for f in trick["fairlearn"]["features"]] == ["male"]
    assert male["verdicts"][0]["verdict"] == "pass"  # the report the trick relied on does pass...
    assert verdicts(hub) == before  # ...and the gate, the review and the card did not move
    refused = hub("alias", "set", "hiring:1", "production", expect=1)
    assert "demographic_parity_ratio" in refused and "age" in refused
    registry = hub.registry()
    version = registry.get_version("hiring", 1)
    roles = sorted((r.evaluator, r.role) for r in version.reports)
    assert roles == [("fairlearn", "additional"), ("fairlearn", "canonical"), ("shap", "additional"),
                     ("shap", "canonical")]
    assert {r.role for r in registry.canonical_reports(version).values()} == {"canonical"}
    registry.close()


def test_evaluating_the_declared_evaluation_again_supersedes_it_in_the_audit_log(hub, canonical):
    hub("evaluate", "hiring", "--evaluator", "fairlearn")

    registry = hub.registry()
    version = registry.get_version("hiring", 1)
    first, again = [r for r in version.reports if r.evaluator == "fairlearn" and r.role == "canonical"]
    event = next(e for e in registry.audit_log("hiring:1") if e.details.get("report") == again.id)
    registry.close()
    assert first.key == again.key and event.details["supersedes"] == [first.id]


def test_a_dataset_holding_training_rows_is_marked_overlap_and_never_decides(hub, canonical):
    _, before = canonical

    overlapping = json.loads(hub("evaluate", "hiring", "--dataset", "hiring-more", "--json"))
    fresh = json.loads(hub("evaluate", "hiring", "--dataset", "hiring-new", "--evaluator", "fairlearn", "--json"))

    overlap = overlapping["fairlearn"]["provenance"]["overlap"]
    assert overlapping["fairlearn"]["provenance"]["role"] == "overlap"
    assert overlap["checked"] and overlap["rows"] == 4500  # exactly the training rows of hiring:1
    assert fresh["fairlearn"]["provenance"]["role"] == "additional"
    assert fresh["fairlearn"]["provenance"]["overlap"]["rows"] == 0
    assert verdicts(hub) == before
    review = json.loads(hub("review", "hiring:1", "--json"))
    assert "judged rows the model was trained on" in review["items"][-1]["detail"]


def test_bins_given_for_a_run_are_recorded_and_make_it_additional(hub, canonical):
    reports = json.loads(hub("evaluate", "hiring", "--bins", "age=30,50", "--evaluator", "fairlearn", "--json"))

    provenance = reports["fairlearn"]["provenance"]
    age = next(f for f in reports["fairlearn"]["features"] if f["feature"] == "age")
    assert provenance["bins"] == {"age": [30.0, 50.0]} and provenance["role"] == "additional"
    assert [g["group"] for g in age["groups"]] == ["under 30", "30 to under 50", "50 and over"]
    registry = hub.registry()
    stored = registry.get_version("hiring", 1).reports[-1]
    registry.close()
    assert stored.params == {"bins": {"age": [30.0, 50.0]}, "decision_threshold": 0.5}


@pytest.mark.parametrize("given, problem", [
    (["age"], "is not COLUMN=EDGE"),
    (["age=x,3"], "are not all numbers"),
    (["age=60,25"], "must increase"),
    (["age=nan"], "finite edges"),
    (["age=25", "age=30"], "names 'age' twice"),
])
def test_bins_that_are_not_increasing_numbers_are_refused(given, problem):
    with pytest.raises(EvaluationError, match=problem):
        parse_bins(given)


def test_bins_for_a_column_the_run_does_not_compare_are_refused(hub, canonical):
    refused = hub("evaluate", "hiring", "--sensitive", "male", "--bins", "age=25", expect=1)
    assert "--bins names 'age', which this evaluation does not compare groups by" in refused


def test_row_hashes_match_the_same_row_whatever_its_dtypes():
    import pandas as pd

    ints = pd.DataFrame({"age": [25, 40], "job": ["a", "b"]})
    floats = pd.DataFrame({"age": [25.0, 41.0], "job": pd.Series(["a", "b"], dtype="category")})

    first, second = row_hashes(ints), row_hashes(floats)
    assert first[0] == second[0] and first[1] != second[1]
