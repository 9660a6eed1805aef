"""Tokens and visibility for ``hub serve``: private models stay invisible, writes need a write token."""

from __future__ import annotations

import json

import httpx2 as httpx
import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

from hub.access.policy import Access
from hub_server import hf_offline_safe, hub_cli, new_token, register_folder, serving, write_model


@pytest.fixture
def paths(registry_url, tmp_path):
    """A registry on each database ecohub supports: tokens and visibility live in its tables."""
    return {"url": registry_url, "store": str(tmp_path / "store")}


@pytest.fixture
def url(registry, paths, tmp_path, monkeypatch):
    hf_offline_safe(monkeypatch, tmp_path / "hf")
    register_folder(registry, "public-model", write_model(tmp_path / "public"))
    register_folder(registry, "secret-model", write_model(tmp_path / "secret"))
    Access(registry.engine).set_private("secret-model", True, by="test")
    with serving(registry) as url:
        yield url


def test_tokens_are_created_listed_and_revoked_and_stored_hashed(paths, registry):
    secret = new_token(paths, "read", "--name", "ci", "--model", "team/*", "--expires", "30d")
    listed = json.loads(hub_cli(paths, "token", "list", "--json"))

    assert [(t["name"], t["scope"], t["model_pattern"], t["active"]) for t in listed] == [("ci", "read", "team/*", True)]
    with registry.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT secret_hash FROM access_token").scalar_one()
    assert secret not in stored and len(stored) == 64

    hub_cli(paths, "token", "revoke", "ci")
    assert json.loads(hub_cli(paths, "token", "list", "--json"))[0]["active"] is False
    assert Access(registry.engine).caller(secret).rejected


def test_a_private_model_is_invisible_without_a_token(url, paths):
    anonymous = HfApi(endpoint=url)

    with pytest.raises(RepositoryNotFoundError):
        anonymous.model_info("secret-model")
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("secret-model", "config.json", endpoint=url)
    assert [m.id for m in anonymous.list_models()] == ["public-model"]

    reader = HfApi(endpoint=url, token=new_token(paths, "read"))
    assert reader.model_info("secret-model").private is True
    assert sorted(m.id for m in reader.list_models()) == ["public-model", "secret-model"]


def test_a_commit_already_served_to_a_reader_stays_hidden_and_audited_for_others(url, paths, registry):
    reader = new_token(paths, "read")
    commit = HfApi(endpoint=url, token=reader).model_info("secret-model").sha
    assert hf_hub_download("secret-model", "config.json", revision=commit, endpoint=url, token=reader)

    for method in ("HEAD", "GET"):
        response = httpx.request(method, f"{url}/secret-model/resolve/{commit}/config.json")
        assert (response.status_code, response.headers["X-Error-Code"]) == (404, "RepoNotFound")
    refused = [e for e in Access(registry.engine).events("secret-model") if not e.allowed]
    assert [(e.actor, e.action, e.detail) for e in refused] == [("anonymous", "read", "private model")] * 2


def test_a_token_reads_only_the_models_its_pattern_covers(url, paths):
    other = HfApi(endpoint=url, token=new_token(paths, "read", "--model", "public-*"))

    with pytest.raises(RepositoryNotFoundError):
        other.model_info("secret-model")


def test_a_write_without_a_token_is_refused_and_audited(url, paths, registry, tmp_path):
    anonymous = HfApi(endpoint=url)
    with pytest.raises(HfHubHTTPError):
        anonymous.create_repo("new-model")
    with pytest.raises(HfHubHTTPError):
        anonymous.upload_folder(folder_path=write_model(tmp_path / "upload"), repo_id="public-model")

    reader = HfApi(endpoint=url, token=new_token(paths, "read"))
    with pytest.raises(HfHubHTTPError) as refused:
        reader.create_repo("new-model")
    assert refused.value.response.status_code == 403

    assert registry.get_version("public-model").version == 1
    events = [(e.actor, e.action, e.target, e.allowed) for e in Access(registry.engine).events()]
    assert ("anonymous", "create", "new-model", False) in events
    assert ("anonymous", "upload", "public-model", False) in events
    assert any(e[1:] == ("create", "new-model", False) and e[0] != "anonymous" for e in events)


def test_an_invalid_token_is_refused_not_served_anonymously(url):
    response = httpx.get(f"{url}/api/models/public-model", headers={"Authorization": "Bearer ecohub_wrong"})

    assert response.status_code == 401
    with pytest.raises(HfHubHTTPError):
        HfApi(endpoint=url, token="ecohub_wrong").whoami()


def test_whoami_names_the_token(url, paths):
    me = HfApi(endpoint=url, token=new_token(paths, "write", "--name", "pusher")).whoami()

    assert me["name"] == "pusher" and me["auth"]["accessToken"]["role"] == "write"


def test_the_audit_trail_needs_an_admin_token(url, paths):
    assert httpx.get(f"{url}/api/ecohub/audit").status_code == 403
    admin = new_token(paths, "admin")
    response = httpx.get(f"{url}/api/ecohub/audit", headers={"Authorization": f"Bearer {admin}"})
    assert response.status_code == 200


def test_a_gated_model_shows_its_card_but_not_its_files_without_a_token(url, paths):
    HfApi(endpoint=url, token=new_token(paths, "admin")).update_repo_settings("public-model", gated="manual")
    anonymous = HfApi(endpoint=url)

    assert anonymous.model_info("public-model").gated == "manual"
    with pytest.raises(GatedRepoError):
        hf_hub_download("public-model", "config.json", endpoint=url)
    assert hf_hub_download("public-model", "config.json", endpoint=url, token=new_token(paths, "read"))


def test_settings_make_a_model_private(url, paths):
    HfApi(endpoint=url, token=new_token(paths, "admin")).update_repo_settings("public-model", private=True)

    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=url).model_info("public-model")
