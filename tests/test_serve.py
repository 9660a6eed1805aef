"""``hub serve`` read path, driven by the real huggingface_hub client on 127.0.0.1."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx2 as httpx
import pytest
from huggingface_hub import HfApi, hf_hub_download, snapshot_download
from huggingface_hub.errors import EntryNotFoundError, RepositoryNotFoundError, RevisionNotFoundError

from hub_server import hf_offline_safe, register_folder, serving, write_model
from hub.registry import Registry


@pytest.fixture
def hf_home(tmp_path, monkeypatch):
    hf_offline_safe(monkeypatch, tmp_path / "hf")
    return tmp_path / "hf"


@pytest.fixture
def registry(tmp_path):
    registry = Registry(f"sqlite:///{tmp_path / 'registry.db'}", tmp_path / "store")
    yield registry
    registry.close()


@pytest.fixture
def model(registry, tmp_path):
    """``encoder`` with two versions; the second has bigger weights."""
    first = register_folder(registry, "encoder", write_model(tmp_path / "v1", seed=1))
    second = register_folder(registry, "encoder", write_model(tmp_path / "v2", seed=2, weights_mb=20))
    return first, second


@pytest.fixture
def url(registry, model, hf_home):
    with serving(registry) as url:
        yield url


def sha256(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_model_info_has_commit_siblings_card_and_tags(url, model):
    info = HfApi(endpoint=url).model_info("encoder", files_metadata=True)

    assert re.fullmatch(r"[0-9a-f]{40}", info.sha)
    assert sorted(s.rfilename for s in info.siblings) == [
        ".ecohub/config.json", ".ecohub/record.json", "README.md", "config.json", "model.safetensors",
        "tokenizer/vocab.txt"]
    weights = next(s for s in info.siblings if s.rfilename == "model.safetensors")
    assert weights.lfs.sha256 == next(f.sha256 for f in model[1].files if f.path == "model.safetensors")
    assert info.card_data.license == "apache-2.0"
    assert "license:apache-2.0" in info.tags and "dataset:wikitext" in info.tags
    assert info.private is False


def test_revisions_map_to_versions_and_commits(url, model):
    api = HfApi(endpoint=url)
    latest, first = api.model_info("encoder"), api.model_info("encoder", revision="v1")

    assert api.model_info("encoder", revision="main").sha == latest.sha
    assert api.model_info("encoder", revision="v2").sha == latest.sha
    assert first.sha != latest.sha
    assert api.model_info("encoder", revision=first.sha).sha == first.sha
    with pytest.raises(RevisionNotFoundError):
        api.model_info("encoder", revision="v9")
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("no-such-model")


def test_hf_hub_download_gets_each_version_byte_for_byte(url, model, hf_home):
    for version, revision in ((model[0], "v1"), (model[1], "main")):
        path = hf_hub_download("encoder", "model.safetensors", revision=revision, endpoint=url)
        assert sha256(path) == next(f.sha256 for f in version.files if f.path == "model.safetensors")


def test_missing_file_is_entry_not_found_with_the_commit(url, model):
    with pytest.raises(EntryNotFoundError):
        hf_hub_download("encoder", "generation_config.json", endpoint=url)
    head = httpx.head(f"{url}/encoder/resolve/main/generation_config.json")
    assert head.status_code == 404 and head.headers["X-Error-Code"] == "EntryNotFound"
    assert re.fullmatch(r"[0-9a-f]{40}", head.headers["X-Repo-Commit"])


def test_head_carries_what_the_client_needs(url, model):
    head = httpx.head(f"{url}/encoder/resolve/main/model.safetensors")
    weights = next(f for f in model[1].files if f.path == "model.safetensors")

    assert head.status_code == 200
    assert head.headers["ETag"] == f'"{weights.sha256}"'
    assert int(head.headers["Content-Length"]) == weights.size
    assert head.headers["Accept-Ranges"] == "bytes"


def test_snapshot_download_gets_every_file(url, model, hf_home):
    folder = snapshot_download("encoder", endpoint=url)

    for file in model[1].files:
        assert sha256(f"{folder}/{file.path}") == file.sha256


def test_tree_is_recursive_and_paginated(url, model):
    entries = list(HfApi(endpoint=url).list_repo_tree("encoder", recursive=True))
    assert [(e.path, type(e).__name__) for e in entries] == [
        (".ecohub", "RepoFolder"), (".ecohub/config.json", "RepoFile"), (".ecohub/record.json", "RepoFile"),
        ("README.md", "RepoFile"), ("config.json", "RepoFile"), ("model.safetensors", "RepoFile"),
        ("tokenizer", "RepoFolder"), ("tokenizer/vocab.txt", "RepoFile")]
    assert [e.path for e in HfApi(endpoint=url).list_repo_tree("encoder")] == [
        ".ecohub", "README.md", "config.json", "model.safetensors", "tokenizer"]

    pages, next_url = [], f"{url}/api/models/encoder/tree/main?recursive=true&limit=2"
    while next_url:
        response = httpx.get(next_url)
        pages.append([entry["path"] for entry in response.json()])
        next_url = response.links.get("next", {}).get("url")
    assert [len(page) for page in pages] == [2, 2, 2, 2]
    assert httpx.get(f"{url}/api/models/encoder/tree/main/nowhere").headers["X-Error-Code"] == "EntryNotFound"


def test_range_requests_resume_to_identical_bytes(url, model):
    from huggingface_hub.file_download import http_get

    weights = next(f for f in model[1].files if f.path == "model.safetensors")
    file_url = f"{url}/encoder/resolve/main/model.safetensors"
    partial = httpx.get(file_url, headers={"Range": "bytes=1000-1999"})
    assert partial.status_code == 206
    assert partial.headers["Content-Range"] == f"bytes 1000-1999/{weights.size}"

    first = httpx.get(file_url, headers={"Range": f"bytes=0-{weights.size // 3}"}).content
    rest = io.BytesIO(first)
    rest.seek(len(first))
    http_get(file_url, rest, resume_size=len(first), expected_size=weights.size)
    assert hashlib.sha256(rest.getvalue()).hexdigest() == weights.sha256
    assert httpx.get(file_url, headers={"Range": f"bytes={weights.size}-"}).status_code == 416


def test_a_corrupt_blob_is_never_served(url, model, registry):
    config = next(f for f in model[1].files if f.path == "config.json")
    stored = registry.store.path(config.sha256)
    stored.write_bytes(stored.read_bytes().replace(b"bert", b"gpt2"))

    response = httpx.get(f"{url}/encoder/resolve/main/config.json")

    assert response.status_code == 500
    assert "corrupt" in response.headers["X-Error-Message"]
    assert b"gpt2" not in response.content


def test_a_corrupt_file_read_off_the_event_loop_is_never_served(url, registry, tmp_path):
    """Files between READ_INLINE_LIMIT and CHECK_FIRST_LIMIT are read and checked in a worker thread."""
    medium = register_folder(registry, "medium", write_model(tmp_path / "medium", weights_mb=4))
    weights = next(f for f in medium.files if f.path == "model.safetensors")
    tensor = next(p for p in registry.store.objects.root.rglob("*") if p.is_file() and p.stat().st_size == 4 << 20)
    data = bytearray(tensor.read_bytes())
    data[-1] ^= 0xFF
    tensor.write_bytes(bytes(data))

    response = httpx.get(f"{url}/medium/resolve/main/model.safetensors")

    assert 1024 * 1024 < weights.size < 16 * 1024 * 1024
    assert response.status_code == 500
    assert "corrupt" in response.headers["X-Error-Message"]


def test_a_corrupt_large_file_is_cut_short_never_completed(url, model, registry):
    weights = next(f for f in model[1].files if f.path == "model.safetensors")
    largest = max((p for p in (registry.store.objects.root).rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    data = bytearray(largest.read_bytes())
    data[len(data) // 2] ^= 0xFF
    largest.write_bytes(bytes(data))

    assert httpx.head(f"{url}/encoder/resolve/main/model.safetensors").status_code == 200
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{url}/encoder/resolve/main/model.safetensors")
    assert weights.size > 16 * 1024 * 1024


def test_list_models_searches_and_filters(url, model, registry, tmp_path):
    register_folder(registry, "classifier", write_model(tmp_path / "c", license="mit", datasets=("imdb",)))
    api = HfApi(endpoint=url)

    assert sorted(m.id for m in api.list_models()) == ["classifier", "encoder"]
    assert [m.id for m in api.list_models(search="class")] == ["classifier"]
    assert [m.id for m in api.list_models(filter="license:mit")] == ["classifier"]
    assert [m.id for m in api.list_models(trained_dataset="wikitext")] == ["encoder"]
    assert all(re.fullmatch(r"[0-9a-f]{40}", m.sha) for m in api.list_models())


def test_sixteen_concurrent_downloads_all_verify(url, model, tmp_path):
    weights = next(f for f in model[1].files if f.path == "model.safetensors")

    def download(index: int) -> str:
        path = hf_hub_download("encoder", "model.safetensors", endpoint=url, cache_dir=tmp_path / f"cache{index}")
        return sha256(path)

    with ThreadPoolExecutor(max_workers=16) as pool:
        digests = list(pool.map(download, range(16)))

    assert digests == [weights.sha256] * 16


def test_ecohub_api_has_an_openapi_document_lineage_and_license_checks(url, model, registry):
    report = registry.add_report("encoder", 2, evaluator="probe", kind="summary", plugin="test", dataset="wikitext",
                                 body={"accuracy": 0.9})
    detail = httpx.get(f"{url}/api/ecohub/models/encoder").json()
    body = httpx.get(f"{url}/api/ecohub/models/encoder/versions/v2/reports/{report.id}").json()
    document = httpx.get(f"{url}/api/ecohub/openapi.json").json()
    lineage = httpx.get(f"{url}/api/ecohub/models/encoder/versions/main/lineage").json()
    check = httpx.get(f"{url}/api/ecohub/models/encoder/versions/v1/license-check").json()
    search = httpx.get(f"{url}/api/ecohub/models", params={"q": "name:enc* AND license:apache-2.0"}).json()

    assert "/api/ecohub/models/{name}/versions/{revision}/lineage" in document["paths"]
    assert lineage["version"] == "encoder:2" and lineage["datasets"] == ["wikitext"]
    assert check["version"] == "encoder:1" and check["verdict"] == "warn"
    assert check["steps"][0]["parent"] == "hf:datasets/wikitext"
    assert [m["name"] for m in search["models"]] == ["encoder"]
    assert [r["evaluator"] for r in detail["versions"][1]["reports"]] == ["probe"] and body == {"accuracy": 0.9}


@pytest.mark.parametrize("command", ["serve", "token", "push", "pull-remote"])
def test_sharing_commands_import_no_server_or_client_library_for_help(command):
    probe = ("import sys\nfrom hub.cli import cli\ntry:\n    cli(args=[sys.argv[1], '--help'], prog_name='hub')\n"
             "except SystemExit:\n    pass\nprint([m for m in ('fastapi', 'uvicorn', 'huggingface_hub') if m in sys.modules],"
             " file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", probe, command], capture_output=True, text=True, check=True)

    assert "Usage: hub" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "[]"
