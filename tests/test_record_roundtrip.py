"""A trained, evaluated version travels registry A → ``hub serve`` B → ``pull-remote`` into C and keeps its record.

Real registries on disk, a real ``hub serve`` on loopback and the real ``huggingface_hub`` client:
the reports, metrics, lineage (to the same dataset, with its license), model type, trainer and
license verdict that C shows are the ones A has, and C can evaluate the pulled version again.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from huggingface_hub import HfApi, hf_hub_download

from hub.jobs.evaluation import evaluate
from hub.jobs.training import train
from hub.plugins.manager import installed_plugins
from hub.registry import Registry
from hub.sharing import record, restore
from hub.sharing.importing import register_files
from hub.sharing.restore import RecordError
from hub.sharing.transfer import pull
from hub_server import folder_files, hf_offline_safe, serving
from test_sharing import Hub


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Registry A: a logistic regression on a slice of german-credit, with its declared (canonical) SHAP and
    fairness reports."""
    root = tmp_path_factory.mktemp("source")
    location = {"url": f"sqlite:///{root / 'registry.db'}", "store": str(root / "store")}
    registry, plugins = Registry(location["url"], location["store"]), installed_plugins()
    version = train(plugins, registry, dataset="german-credit", model_type="logistic-regression", name="credit",
                    max_rows=300)
    evaluate(plugins, registry, version.model, version.version)
    registry.close()
    return location


@pytest.fixture
def hubs(trained, tmp_path, monkeypatch):
    hf_offline_safe(monkeypatch, tmp_path / "hf")
    monkeypatch.setenv("HUB_DISABLE_PLUGINS", "review")
    installed_plugins.cache_clear()
    a = Hub.__new__(Hub)
    a.paths, a.registry = trained, Registry(trained["url"], trained["store"])
    made = {"A": a, "B": Hub(tmp_path / "B"), "C": Hub(tmp_path / "C")}
    yield made
    for hub in made.values():
        hub.registry.close()
    installed_plugins.cache_clear()


def facts(registry, ref: str) -> dict:
    """What a reviewer compares between two hubs: everything but where and when the version was registered."""
    version = registry.resolve(ref)
    check = registry.check_license(ref)
    return {
        "license": version.license, "declared_license": version.declared_license,
        "framework": version.framework, "model_type": version.model_type, "trainer": version.trainer,
        "task": version.task, "metrics": version.metrics, "datasets": [use.as_dict() for use in version.datasets],
        "lineage": [(edge.parent, edge.relation, edge.kind, edge.license, edge.internal) for edge in version.lineage],
        "license_verdict": check.verdict,
        "config": {key: value for key, value in version.config.items() if key != record.IMPORTED},
        "reports": sorted((report.evaluator, report.kind, report.plugin, report.dataset, report.sha256, report.key,
                           report.rows_sha256, tuple(report.sensitive), json.dumps(report.params, sort_keys=True))
                          for report in version.reports),
        "report_bodies": sorted(json.dumps(registry.read_report(report), sort_keys=True)
                                for report in version.reports),
    }


@pytest.mark.slow
def test_a_version_keeps_its_record_from_a_through_a_served_hub_into_c(hubs, tmp_path):
    a, b, c = hubs["A"], hubs["B"], hubs["C"]
    with serving(b.registry) as url:
        token = b.token()
        pushed = json.loads(a.cli("push", "credit", "team/credit", "--endpoint", url, "--token", token, "--json"))
        served_card = HfApi(endpoint=url).model_info("team/credit").card_data
        record_file = hf_hub_download("team/credit", record.RECORD, endpoint=url, cache_dir=tmp_path / "dl")
        pulled = json.loads(c.cli("pull-remote", "team/credit", "--as", "copies/credit", "--endpoint", url,
                                  "--json"))

    source = facts(a.registry, "credit:1")
    assert source["reports"] and source["metrics"]["test"] and source["license_verdict"] == "pass"
    assert facts(b.registry, "team/credit:1") == source
    assert facts(c.registry, "copies/credit:1") == source
    assert pulled["trainer"] == "sklearn" and pulled["datasets"][0]["dataset"] == "german-credit"

    on_c = c.registry.resolve("copies/credit:1")
    assert {report.role for report in on_c.reports} == {"imported"}
    origin = record.origin_of(on_c, on_c.reports[0])
    assert origin["hub"] == url and origin["repo"] == "team/credit" and origin["role"] == "canonical"
    assert origin["source"]["model"] == "team/credit"
    assert origin["via"]["repo"] == "team/credit" and origin["via"]["commit"] == a.registry.resolve("credit:1").commit
    assert served_card["ecohub"]["verdicts"]["license"] == "pass"
    assert {(result.metric_type, result.metric_value) for result in served_card.eval_results} == set(
        source["metrics"]["test"].items())
    assert served_card["datasets"] == ["german-credit"]
    assert json.loads(Path(record_file).read_text())["source"]["model"] == "team/credit"
    assert pushed["commit"] == b.registry.resolve("team/credit:1").commit
    imports = [event for event in c.registry.audit_log("copies/credit") if event.action == "version.import"]
    assert imports and imports[0].details["from"]["repo"] == "team/credit"


@pytest.mark.slow
def test_imported_verdicts_count_only_where_the_gate_policy_accepts_them_and_the_pull_evaluates_again(hubs):
    a, c = hubs["A"], hubs["C"]
    with serving(a.registry) as url:
        pull(c.registry, "credit", None, "credit", endpoint=url)
    version = c.registry.resolve("credit:1")

    assert c.registry.canonical_reports(version) == {}
    refused = [result for result in c.registry.gate(version, "alias", "production") if result.status != "pass"]
    assert refused and all("hub evaluate credit:1" in result.detail for result in refused)
    policy = {"imported": "accept", "gates": [{"name": "production", "when": {"alias": ["production"]},
                                               "require": [{"canonical": "fairness"}]}]}
    c.registry.set_gate_policy(policy)
    assert {report.sha256 for report in c.registry.canonical_reports(version).values()} == {
        report.sha256 for report in version.reports}
    assert {result.status for result in c.registry.gate(version, "alias", "production")} == {"pass"}

    results = evaluate(installed_plugins(), c.registry, "credit", 1)
    again = c.registry.resolve("credit:1")
    assert {result.evaluator for result in results} and len(again.reports) == 2 * len(results)
    fresh = [report for report in again.reports if report.role != "imported"]
    assert {report.rows_sha256 for report in fresh} == {report.rows_sha256 for report in version.reports}


def repository(registry, folder: Path) -> Path:
    """What a push of credit:1 uploads, written into ``folder``."""
    version = registry.resolve("credit:1")
    registry.export_files(version.model, version.version, folder)
    for path, data in record.build(registry, version).items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    return folder


def edit_manifest(folder: Path, change) -> None:
    manifest = json.loads((folder / record.RECORD).read_text())
    change(manifest)
    (folder / record.RECORD).write_text(json.dumps(manifest))


def test_a_tampered_record_is_refused_and_registers_nothing(hubs, tmp_path):
    folder = repository(hubs["A"].registry, tmp_path / "repo")
    config = folder / record.CONFIG
    config.write_text(config.read_text().replace('"seed": 0', '"seed": 1'))

    with pytest.raises(RecordError, match="does not match the size and sha256"):
        register_files(hubs["C"].registry, "tampered", folder_files(folder), source="test")
    assert hubs["C"].registry.list_models() == []


def _set(path: str, value):
    def change(manifest):
        *parents, last = path.split(".")
        target = manifest
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[last] = value
    return change


@pytest.mark.parametrize("change, message", [
    (_set("format", "ecohub-record/9"), "is not an ecohub record of format"),
    (_set("metrics.test.accuracy", "high"), "'metrics.test.accuracy' in .ecohub/record.json must be a finite number"),
    (_set("lineage.0.relation", "stolen"), "has kind 'dataset' and relation 'stolen'"),
    (_set("lineage.0.license", "not-a-license"), "'lineage[0].license'"),
    (_set("license.declared", "not-a-license"), "'license.declared'"),
    (_set("source.model", "../../etc"), "'source.model'"),
    (_set("trainer", "sk learn; rm -rf"), "'trainer' in .ecohub/record.json must be a name"),
    (_set("reports.0.role", "canonical-please"), "'reports[0].role'"),
    (_set("reports.0.path", "../../outside.json"), "must name a file under .ecohub/reports/"),
    (_set("reports.0.sha256", "0" * 64), "is not the report .ecohub/record.json describes"),
    (_set("model_files", {}), "not in the record: model.skops"),
    (_set("reasons", None), None),
])
def test_every_field_of_a_record_is_checked_before_it_reaches_the_registry(hubs, tmp_path, change, message):
    folder = repository(hubs["A"].registry, tmp_path / "repo")
    edit_manifest(folder, change)

    if message is None:  # an unknown key is ignored: records may grow
        assert register_files(hubs["C"].registry, "fine", folder_files(folder), source="test").version == 1
        return
    with pytest.raises(RecordError, match=re.escape(message)):
        register_files(hubs["C"].registry, "refused", folder_files(folder), source="test")
    assert hubs["C"].registry.list_models() == []


def test_a_record_is_bounded_in_size_and_vouches_only_for_the_files_it_lists(hubs, tmp_path):
    folder = repository(hubs["A"].registry, tmp_path / "repo")
    (folder / record.FOLDER / "extra.json").write_text("{}")
    with pytest.raises(RecordError, match="not listed in .ecohub/record.json"):
        register_files(hubs["C"].registry, "refused", folder_files(folder), source="test")

    (folder / record.FOLDER / "extra.json").unlink()
    edit_manifest(folder, _set("padding", "x" * (restore.MAX_RECORD_BYTES + 1)))
    with pytest.raises(RecordError, match="larger than the 1048576 bytes ecohub reads"):
        register_files(hubs["C"].registry, "refused", folder_files(folder), source="test")
    assert hubs["C"].registry.list_models() == []
