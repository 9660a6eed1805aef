"""Derived versions: a deriver plugin makes the files, the core registers, judges and compares."""

from __future__ import annotations

import json
import shutil

import ecohub_sklearn
import pytest
from click.testing import CliRunner
from ecohub_sklearn import artifacts
from ecohub_sklearn.models import build_logistic_regression

from hub import hookimpl
from hub.cli import cli
from hub.errors import HubError, UnknownNameError
from hub.jobs.deriving import derive
from hub.jobs.evaluation import evaluate
from hub.jobs.training import train
from hub.plugins.events import open_registry
from hub.plugins.manager import register_objects
from hub.specs import Derived, DeriverSpec, EvaluatorSpec
from hub.testing import sample_dataset


def distill(request):
    """Fit a logistic regression to the parent's own decisions on its training rows."""
    rows = request.training_rows()
    student = build_logistic_regression({"C": request.params["C"], "max_iter": 1000})
    student.fit(rows.X, request.model.predict(rows.X))
    artifacts.save(student, request.output)
    return Derived(trainer="sklearn", framework="sklearn", model_type="logistic-regression",
                   details={"teacher_rows": len(rows.X)})


def copy(request):
    """The parent's files unchanged, as the exported folder holds them."""
    for path in request.directory.iterdir():
        shutil.copy(path, request.output / path.name)
    return Derived(trainer=request.parent.trainer, framework=request.parent.framework,
                   model_type=request.parent.model_type, details={"copied": sorted(p.name for p in request.output.iterdir())})


class Derivers:
    @hookimpl
    def hub_derivers(self):
        return [
            DeriverSpec(name="distill", description="Distil into a logistic regression", relation="distilled",
                        derive=distill, frameworks=("sklearn",), default_params={"C": 1.0}),
            DeriverSpec(name="copy", description="Copy the parent", relation="quantized", derive=copy),
            DeriverSpec(name="torch-only", description="Only for torch", relation="quantized", derive=copy,
                        frameworks=("torch",)),
            DeriverSpec(name="sideways", description="An unknown relation", relation="sideways", derive=copy),
        ]


def gap(inputs):
    """The difference in positive rate between the groups of each sensitive column."""
    features = []
    for column in inputs.sensitive.columns:
        rates = [float(inputs.y_pred[(inputs.sensitive[column] == group).to_numpy()].mean())
                 for group in sorted(inputs.sensitive[column].unique())]
        features.append({"feature": column, "rate_gap": max(rates) - min(rates), "groups": len(rates)})
    return {"features": features, "rows": len(inputs.y_pred)}


class Gap:
    @hookimpl
    def hub_evaluators(self):
        return [EvaluatorSpec(name="gap", kind="fairness", description="Positive-rate gap", evaluate=gap,
                              summarize=lambda report: str(report["features"]))]


class Loans:
    @hookimpl
    def hub_datasets(self):
        return [sample_dataset()]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("derive")
    plugins = register_objects(("loans", Loans()), ("sklearn", ecohub_sklearn), ("gap", Gap()),
                               ("derivers", Derivers()))
    registry = open_registry(f"sqlite:///{root / 'registry.db'}", str(root / "store"), plugins)
    train(plugins, registry, dataset="contract-sample", model_type="gradient-boosting", name="loans",
          params={"n_estimators": 60})
    (parent_report,) = evaluate(plugins, registry, "loans", 1)
    result = derive(plugins, registry, "loans:1", "distill", params={"C": 0.5})
    yield plugins, registry, parent_report, result
    registry.close()


def test_the_derived_version_has_lineage_to_its_exact_parent(setup):
    _, registry, _, result = setup
    version = result.version
    assert version.ref == "loans:2"
    assert [(e.relation, e.parent) for e in version.lineage] == [("distilled", "loans:1"),
                                                                 ("trained_on", "contract-sample")]
    assert version.config["derived"]["from"] == "loans:1"
    assert version.config["derived"]["commit"] == registry.get_version("loans", 1).commit
    assert version.config["derived"]["params"] == {"C": 0.5}
    assert version.config["derived"]["details"] == {"teacher_rows": 180}
    assert version.license == registry.get_version("loans", 1).license
    assert (version.model_type, version.trainer) == ("logistic-regression", "sklearn")


def test_it_is_judged_on_its_parents_held_out_rows_with_its_parents_evaluators(setup):
    _, registry, parent_report, result = setup
    (report,) = result.reports
    assert report.evaluator == "gap"
    assert report.body["provenance"]["rows_sha256"] == parent_report.body["provenance"]["rows_sha256"]
    assert report.body["provenance"]["version"] == 2
    assert [r.evaluator for r in registry.get_version("loans", 2).reports] == ["gap"]


def test_the_deltas_compare_size_latency_metrics_and_reports(setup):
    _, registry, parent_report, result = setup
    deltas = result.version.config["deltas"]
    assert deltas == result.deltas and deltas["rows"] == 60
    size = deltas["size_bytes"]
    assert size["parent"] == sum(f.size for f in registry.get_version("loans", 1).files)
    assert size["derived"] < size["parent"] and size["ratio"] == pytest.approx(size["derived"] / size["parent"])
    latency = deltas["latency_ms_per_row"]
    assert latency["parent"] > 0 and latency["ratio"] == pytest.approx(latency["derived"] / latency["parent"])
    assert set(deltas["metrics"]) == set(result.version.metrics["test"])
    accuracy = deltas["metrics"]["accuracy"]
    assert accuracy["parent"] == pytest.approx(registry.get_version("loans", 1).metrics["test"]["accuracy"])
    assert accuracy["derived"] == result.version.metrics["test"]["accuracy"]
    assert accuracy["delta"] == pytest.approx(accuracy["derived"] - accuracy["parent"])
    # A fairness report's numbers per sensitive column; its other numbers (row counts) are not compared.
    assert set(deltas["reports"]["gap"]) == {"sex.rate_gap", "sex.groups"}
    rate = deltas["reports"]["gap"]["sex.rate_gap"]
    assert rate["parent"] == parent_report.body["features"][0]["rate_gap"]
    assert rate["derived"] == result.reports[0].body["features"][0]["rate_gap"]


def test_the_card_shows_the_deltas(setup):
    _, registry, _, _ = setup
    card = registry.card("loans:2")
    assert "## Compared with its parent" in card
    assert "distilled from `loans:1` by `distill`, judged on the parent's 60 held-out rows" in card
    assert "| size (bytes) |" in card and "| gap: sex.rate_gap |" in card


def test_a_deriver_that_learns_nothing_gets_no_dataset_edge_and_can_register_elsewhere(setup):
    plugins, registry, _, _ = setup
    result = derive(plugins, registry, "loans:1", "copy", name="loans-copy")
    assert result.version.ref == "loans-copy:1"
    assert [(e.relation, e.parent) for e in result.version.lineage] == [("quantized", "loans:1")]
    assert result.version.config["derived"]["details"] == {"copied": ["model.skops"]}
    assert result.deltas["size_bytes"]["ratio"] == 1.0
    assert all(v["delta"] == 0 for v in result.deltas["metrics"].values())


def test_derivers_that_do_not_apply_are_refused_before_running(setup):
    plugins, registry, _, _ = setup
    with pytest.raises(HubError, match="'torch-only' does not handle sklearn models"):
        derive(plugins, registry, "loans:1", "torch-only")
    with pytest.raises(HubError, match="declares the lineage relation 'sideways'"):
        derive(plugins, registry, "loans:1", "sideways")
    with pytest.raises(UnknownNameError, match="No deriver named 'prune'"):
        derive(plugins, registry, "loans:1", "prune")


def test_derive_command_prints_the_comparison(register_plugin, tmp_path):
    register_plugin(Loans(), "loans")
    register_plugin(Derivers(), "derivers")
    hub = ["--registry", f"sqlite:///{tmp_path / 'registry.db'}", "--store", str(tmp_path / "store")]
    runner = CliRunner()
    trained = runner.invoke(cli, [*hub, "train", "--dataset", "contract-sample", "--model", "logistic-regression",
                                  "--register", "loans"])
    assert trained.exit_code == 0, trained.output

    shown = runner.invoke(cli, [*hub, "derive", "loans", "--with", "distill", "--param", "C=0.1"])
    as_json = runner.invoke(cli, [*hub, "derive", "loans:1", "--with", "copy", "--as", "copied", "--json"])
    models_show = runner.invoke(cli, [*hub, "models", "show", "loans"])

    assert shown.exit_code == 0, shown.output
    assert "Registered loans:2: distilled from loans:1" in shown.stdout
    assert "size (bytes)" in shown.stdout and "latency (ms/row)" in shown.stdout
    assert json.loads(as_json.stdout)["version"]["lineage"][0]["parent"] == "loans:1"
    assert "Derived: distilled from loans:1 with distill" in models_show.stdout
