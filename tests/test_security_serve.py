"""Issue 9, tried as an attacker would: real ``huggingface_hub`` clients and raw HTTP against ``hub serve`` on 127.0.0.1.

Each test names the finding it keeps fixed. The attacker holds a write token for its own
namespace (``team/*``); ``secret-model`` is private, licensed CC BY-NC 4.0, and holds a file whose
sha256 the attacker is assumed to know.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest
from huggingface_hub import HfApi, snapshot_download
from huggingface_hub.errors import RepositoryNotFoundError

from hub.access.policy import Access
from hub.registry import naming
from hub.serve.staging import Staging
from hub_server import hf_offline_safe, hub_cli, new_token, register_folder, serving, write_model

NDJSON = {"Content-Type": "application/x-ndjson"}


@pytest.fixture
def paths(registry_url, tmp_path):
    return {"url": registry_url, "store": str(tmp_path / "store")}


@pytest.fixture
def secret(registry, tmp_path):
    """The private model's version."""
    version = register_folder(registry, "secret-model", write_model(tmp_path / "secret", license="cc-by-nc-4.0", seed=7))
    Access(registry.engine).set_private("secret-model", True, by="test")
    return version


@pytest.fixture
def served(registry, secret, paths, tmp_path, monkeypatch):
    """(url, the attacker's team/* write token), with an empty team/repo created."""
    hf_offline_safe(monkeypatch, tmp_path / "hf")
    register_folder(registry, "public-model", write_model(tmp_path / "public"))
    with serving(registry, staging=tmp_path / "staging") as url:
        token = new_token(paths, "write", "--model", "team/*", "--name", "attacker")
        HfApi(endpoint=url, token=token).create_repo("team/repo")
        yield url, token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def commit(url: str, token: str, *operations: dict, repo: str = "team/repo") -> httpx.Response:
    lines = [{"key": "header", "value": {"summary": "attack"}}, *operations]
    return httpx.post(f"{url}/api/models/{repo}/commit/main", content="\n".join(json.dumps(line) for line in lines),
                      headers={**bearer(token), **NDJSON})


def inline(path: str, content: bytes = b"x") -> dict:
    return {"key": "file", "value": {"path": path, "content": base64.b64encode(content).decode(), "encoding": "base64"}}


def has_version(registry, name: str) -> bool:
    return any(model.name == name for model in registry.list_models())


def events(registry, **wanted) -> list:
    return [event for event in Access(registry.engine).events()
            if all(getattr(event, key) == value for key, value in wanted.items())]


# -- 1: a commit's LFS oid names an object in the staging area, nothing else -------------------

def test_1_a_commit_cannot_read_or_delete_a_server_file_through_its_lfs_oid(served, registry, tmp_path):
    url, token = served
    victim = tmp_path / "server-secret.txt"
    victim.write_text("the server's own file")
    staging = tmp_path / "staging"

    for oid in (str(victim), f"../../../../../../..{victim}", "../" * 3 + "server-secret.txt", "A" * 64,
                "0" * 63, {"not": "a string"}):
        response = commit(url, token, {"key": "lfsFile", "value": {"path": "x.txt", "oid": oid, "size": 21}})
        assert response.status_code == 400, (oid, response.text)
        assert "oid" in response.headers["X-Error-Message"]

    assert victim.read_text() == "the server's own file"
    assert not has_version(registry, "team/repo")
    assert staging.is_dir()
    never_uploaded = commit(url, token, {"key": "lfsFile", "value": {"path": "x.txt", "oid": "a" * 64, "size": 1}})
    assert never_uploaded.status_code == 422


# -- 2: nothing under .git or .cache on any write path -----------------------------------------

RESERVED = [".git/config", ".GIT/config", "sub/.git/hooks/pre-commit", ".git./config", "git~1/config",
            ".cache/huggingface/download/model.safetensors.metadata", ".g\u200cit/config", "./.git/config",
            "a//b", "../escape", "/etc/passwd", "c:/windows", "a\\b"]


@pytest.mark.parametrize("path", RESERVED)
def test_2_a_commit_may_not_add_a_file_no_folder_may_receive(served, registry, path):
    url, token = served

    response = commit(url, token, inline(path, b"[core]\n\tfsmonitor = touch /tmp/pwned\n"))
    planned = httpx.post(f"{url}/api/models/team/repo/preupload/main", headers=bearer(token),
                         json={"files": [{"path": path, "size": 10, "sample": ""}]})

    assert response.status_code == 400 and "not a valid path" in response.headers["X-Error-Message"]
    assert planned.status_code == 400
    assert not has_version(registry, "team/repo")


def test_2_a_git_file_an_older_server_stored_is_never_served(served, registry, tmp_path, monkeypatch):
    url, _ = served
    folder = write_model(tmp_path / "old")
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("[core]\n\tfsmonitor = touch /tmp/pwned\n")
    with monkeypatch.context() as unchecked:
        unchecked.setattr(naming, "validate_file_path", lambda path: path)
        registry.register_version("old-model", files={".git/config": folder / ".git" / "config",
                                                      "config.json": folder / "config.json"}, license="mit")

    local = tmp_path / "checkout"
    snapshot_download("old-model", endpoint=url, local_dir=local)

    assert (local / "config.json").is_file() and not (local / ".git").exists()
    assert httpx.get(f"{url}/old-model/resolve/main/.git/config").status_code == 404


# -- 3: settings need an admin token -----------------------------------------------------------

def test_3_a_write_token_cannot_make_a_private_model_public(served, registry, paths):
    url, _ = served
    writer = new_token(paths, "write", "--name", "writer")

    refused = httpx.put(f"{url}/api/models/secret-model/settings", headers=bearer(writer), json={"private": False})

    assert refused.status_code == 403
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=url).model_info("secret-model")
    HfApi(endpoint=url, token=new_token(paths, "admin", "--name", "boss")).update_repo_settings(
        "secret-model", private=False)
    assert HfApi(endpoint=url).model_info("secret-model").private is False
    assert [(e.actor, e.allowed) for e in events(registry, action="settings")] == [("writer", False), ("boss", True)]


# -- 5: a private model answers as one that does not exist ---------------------------------------

def as_missing(response: httpx.Response, name: str) -> tuple[int, str]:
    return response.status_code, response.text.replace(name, "NAME")


@pytest.mark.parametrize("token", [None, "attacker"])
def test_5_license_checks_answer_for_a_private_model_as_for_a_missing_one(served, paths, token):
    url, attacker = served
    headers = bearer(attacker) if token else {}

    def check(base: str) -> httpx.Response:
        return httpx.post(f"{url}/api/ecohub/license-check", headers=headers,
                          json={"license": "apache-2.0", "base_models": [base]})

    def validate(base: str) -> httpx.Response:
        text = f"---\nlicense: apache-2.0\nbase_model: {base}\n---\n# card\n"
        return httpx.post(f"{url}/api/validate-yaml", headers=headers, json={"content": text, "repoType": "model"})

    for ask in (check, validate):
        assert as_missing(ask("secret-model"), "secret-model") == as_missing(ask("nosuch-model"), "nosuch-model")
        assert "NonCommercial" not in ask("secret-model").text
    reader = bearer(new_token(paths, "read"))
    allowed = httpx.post(f"{url}/api/ecohub/license-check", headers=reader,
                         json={"license": "apache-2.0", "base_models": ["secret-model"]}).json()
    assert allowed["verdict"] == "fail"


def test_5_a_commit_cannot_tie_a_model_to_a_private_one(served, registry):
    url, token = served
    card = b"---\nlicense: apache-2.0\nbase_model: secret-model\n---\n# derived\n"

    assert commit(url, token, inline("README.md", card)).status_code == 200

    version = registry.get_version("team/repo")
    assert [edge.parent for edge in version.lineage] == ["hf:secret-model"]
    assert version.license == "apache-2.0"


def test_5_writes_to_a_private_model_are_refused_as_to_a_missing_one(served, paths):
    url, token = served
    reader = new_token(paths, "read", "--model", "public-*")

    for headers in ({}, bearer(token), bearer(reader)):
        for path, body in (("api/models/{}/commit/main", {}), ("api/models/{}/preupload/main", {"files": []}),
                           ("{}.git/info/lfs/objects/batch", {"operation": "upload", "objects": []}),
                           ("api/models/{}/settings", {"private": False})):
            method = httpx.put if path.endswith("settings") else httpx.post
            private = method(f"{url}/{path.format('secret-model')}", headers=headers, json=body)
            missing = method(f"{url}/{path.format('nosuch-model')}", headers=headers, json=body)
            assert as_missing(private, "secret-model") == as_missing(missing, "nosuch-model"), path


def test_5_search_pages_and_cursors_never_tell_of_a_private_model(served, registry, tmp_path):
    url, _ = served
    for name in ("a-public", "b-private", "c-public"):
        register_folder(registry, name, write_model(tmp_path / name))
    Access(registry.engine).set_private("b-private", True, by="test")

    first = httpx.get(f"{url}/api/ecohub/models", params={"q": "name:?-*", "limit": 2}).json()

    assert [m["name"] for m in first["models"]] == ["a-public", "c-public"]
    assert first["next_cursor"] is None
    cut = httpx.get(f"{url}/api/ecohub/models", params={"q": "name:?-*", "limit": 1}).json()
    assert cut["next_cursor"] == "a-public"
    rest = httpx.get(f"{url}/api/ecohub/models", params={"q": "name:?-*", "limit": 1, "after": "a-public"}).json()
    assert [m["name"] for m in rest["models"]] == ["c-public"] and rest["next_cursor"] is None


# -- 6: knowing a private file's sha256 copies nothing ---------------------------------------------

def test_6_a_private_object_is_not_already_there_for_a_writer_who_cannot_read_it(served, secret, paths):
    url, token = served
    weights = next(file for file in secret.files if file.path == "model.safetensors")
    batch = lambda who, repo: httpx.post(  # noqa: E731
        f"{url}/{repo}.git/info/lfs/objects/batch", headers=bearer(who),
        json={"operation": "upload", "objects": [{"oid": weights.sha256, "size": weights.size}]}).json()["objects"][0]

    assert "upload" in batch(token, "team/repo")["actions"]
    refused = commit(url, token, {"key": "lfsFile", "value": {"path": "stolen.safetensors", "oid": weights.sha256,
                                                              "size": weights.size}})
    assert refused.status_code == 422
    reader_writer = new_token(paths, "write")  # covers secret-model: may read it, so deduplication holds
    assert "actions" not in batch(reader_writer, "team/repo")


def test_6_an_upload_to_one_repository_is_not_there_for_another(served):
    url, token = served
    HfApi(endpoint=url, token=token).create_repo("team/other")
    data = b"\x00weights" * 1000
    oid = hashlib.sha256(data).hexdigest()
    answer = httpx.post(f"{url}/team/repo.git/info/lfs/objects/batch", headers=bearer(token),
                        json={"operation": "upload", "objects": [{"oid": oid, "size": len(data)}]}).json()
    assert httpx.put(answer["objects"][0]["actions"]["upload"]["href"], content=data).status_code == 200

    lfs = {"key": "lfsFile", "value": {"path": "w.bin", "oid": oid, "size": len(data)}}
    assert commit(url, token, lfs, repo="team/other").status_code == 422
    assert commit(url, token, lfs, repo="team/repo").status_code == 200


# -- 7: limits --------------------------------------------------------------------------------------

def raw(url: str, request: bytes, body_chunks=(), read_timeout: float = 10) -> bytes:
    """Send ``request`` (and chunks, stopping once the server answers) over a socket; the response's start."""
    host, port = urlsplit(url).hostname, urlsplit(url).port
    with socket.create_connection((host, port), timeout=read_timeout) as sock:
        sock.sendall(request)
        for chunk in body_chunks:
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sock.setblocking(False)
            try:
                early = sock.recv(65536)
            except BlockingIOError:
                early = b""
            finally:
                sock.setblocking(True)
            if early:
                return early
        return sock.recv(65536)


def test_7_request_headers_stop_at_64_kib_and_other_requests_go_on(served):
    url, _ = served

    refused = raw(url, b"GET /api/models/public-model HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (70 << 10) + b"\r\n\r\n")
    huge = raw(url, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ", body_chunks=[b"a" * (1 << 20)] * 128)

    assert refused.startswith(b"HTTP/1.1 431") and b"HUB_SERVE_MAX_HEADER_BYTES" in refused
    assert huge.startswith(b"HTTP/1.1 431")
    fits = httpx.get(f"{url}/api/models/public-model", headers={"X-Big": "a" * (60 << 10)})
    assert fits.status_code == 200


def test_7_json_bodies_stop_at_the_body_limit(served, paths):
    url, _ = served
    big = {"content": "a" * (5 << 20)}

    declared = httpx.post(f"{url}/api/validate-yaml", json=big)
    streamed = httpx.post(f"{url}/api/validate-yaml", content=iter([json.dumps(big).encode()[i:i + 65536]
                                                                    for i in range(0, (5 << 20) + 20, 65536)]),
                          headers={"Content-Type": "application/json"})
    license_check = httpx.post(f"{url}/api/ecohub/license-check",
                               json={"license": "mit", "base_models": ["x"] * (1 << 20)})

    for response in (declared, streamed, license_check):
        assert response.status_code == 413 and "HUB_SERVE_MAX_BODY_BYTES" in response.headers["X-Error-Message"]


def test_7_body_limit_is_configurable_and_a_commit_is_bounded_per_line(registry, secret, paths, tmp_path,
                                                                         monkeypatch):
    hf_offline_safe(monkeypatch, tmp_path / "hf")
    monkeypatch.setenv("HUB_SERVE_MAX_BODY_BYTES", "64KiB")
    with serving(registry, staging=tmp_path / "staging") as url:
        token = new_token(paths, "write")
        HfApi(endpoint=url, token=token).create_repo("team/repo")
        small = [inline(f"notes/{i}.txt", b"n" * (20 << 10)) for i in range(8)]

        assert httpx.post(f"{url}/api/validate-yaml", json={"content": "a" * (70 << 10)}).status_code == 413
        assert commit(url, token, *small).status_code == 200
        assert commit(url, token, inline("big.txt", b"b" * (60 << 10))).status_code == 413
        plan = httpx.post(f"{url}/api/models/team/repo/preupload/main", headers=bearer(token),
                          json={"files": [{"path": "big.txt", "size": 60 << 10, "sample": ""}]}).json()
        assert plan["files"][0]["uploadMode"] == "lfs"
        folder = tmp_path / "text"
        folder.mkdir()
        (folder / "tokenizer.json").write_text("t" * (100 << 10))
        HfApi(endpoint=url, token=token).upload_folder(folder_path=folder, repo_id="team/repo")
    assert len(registry.get_version("team/repo").files) == 9


def test_7_an_upload_stops_at_its_signed_size(served, tmp_path):
    url, token = served
    oid = hashlib.sha256(b"x").hexdigest()
    answer = httpx.post(f"{url}/team/repo.git/info/lfs/objects/batch", headers=bearer(token),
                        json={"operation": "upload", "objects": [{"oid": oid, "size": 1}]}).json()
    target = urlsplit(answer["objects"][0]["actions"]["upload"]["href"])
    line = f"PUT {target.path}?{target.query} HTTP/1.1\r\nHost: x\r\n".encode()

    declared = raw(url, line + b"Content-Length: 1073741824\r\n\r\n", body_chunks=[b"\0" * (1 << 20)] * 64)
    chunked = raw(url, line + b"Transfer-Encoding: chunked\r\n\r\n",
                  body_chunks=[b"100000\r\n" + b"\0" * (1 << 20) + b"\r\n"] * 64)

    for response in (declared, chunked):
        assert response.startswith(b"HTTP/1.1 413") and b"signed" in response
    assert not [p for p in (tmp_path / "staging").rglob("*") if p.is_file() and p.stat().st_size > 1 << 20]


def test_7_staging_left_by_a_killed_server_is_removed_at_start_and_a_running_one_is_kept(tmp_path):
    root = tmp_path / "staging"
    running = Staging(root)
    (running.path / ".upload-in-progress").write_bytes(b"live")
    killed = root / "4242-deadbeef"
    (killed / "team+repo").mkdir(parents=True)
    (killed / "team+repo" / ("a" * 64)).write_bytes(b"left behind")
    (root / "4242-deadbeef.lock").touch()

    starting = Staging(root)

    assert not killed.exists() and not (root / "4242-deadbeef.lock").exists()
    assert (running.path / ".upload-in-progress").read_bytes() == b"live"
    starting.close()
    running.close()
    assert list(root.iterdir()) == []


# -- 9: an audit trail that can be read in an incident ----------------------------------------------

def test_9_refused_tokens_are_audited_with_their_id_and_why_never_their_secret(served, registry, paths):
    url, _ = served
    expired = new_token(paths, "read", "--name", "old", "--expires", "2000-01-01")
    revoked = new_token(paths, "read", "--name", "gone")
    hub_cli(paths, "token", "revoke", "gone")
    ids = {token["name"]: token["id"] for token in json.loads(hub_cli(paths, "token", "list", "--json"))}
    unknown = "ecohub_" + "A" * 43

    for secret_ in (expired, revoked, unknown, "garbage"):
        assert httpx.get(f"{url}/api/models/public-model", headers=bearer(secret_)).status_code == 401
    assert httpx.get(f"{url}/api/models/public-model", headers={"Authorization": "Basic dXNlcjpwdw=="}).status_code == 401

    refused = [(e.actor, e.detail, e.token) for e in events(registry, action="authenticate")]
    assert refused == [("old", "expired token", ids["old"]), ("gone", "revoked token", ids["gone"]),
                       ("anonymous", "unknown token", None), ("anonymous", "malformed token", None),
                       ("anonymous", "malformed token", None)]
    with registry.engine.connect() as connection:
        logged = json.dumps([list(row) for row in connection.exec_driver_sql("SELECT * FROM audit_event")],
                            default=str)
    assert not any(s in logged for s in (expired, revoked, unknown, expired[7:20]))


def test_9_refused_audit_reads_and_rejected_commits_are_audited_and_hub_audit_shows_the_outcome(served, registry,
                                                                                                 paths):
    url, token = served

    assert httpx.get(f"{url}/api/ecohub/audit", headers=bearer(token)).status_code == 403
    assert commit(url, token, inline(".git/config")).status_code == 400

    assert [(e.actor, e.allowed) for e in events(registry, action="audit.read")] == [("attacker", False)]
    rejected = events(registry, action="commit", allowed=False)
    assert len(rejected) == 1 and ".git" in rejected[0].detail and rejected[0].token is not None
    table = hub_cli(paths, "audit", "team/repo")
    assert "outcome" in table and "refused" in table and "allowed" in table
    as_json = json.loads(hub_cli(paths, "audit", "team/repo", "--json"))
    assert [e["allowed"] for e in as_json if e["action"] == "commit"] == [False]


def test_9_an_admin_token_reads_the_trail_of_the_models_it_covers_only(served, registry, paths):
    url, token = served
    commit(url, token, inline(".git/config"))
    httpx.get(f"{url}/api/models/secret-model")

    team_admin = new_token(paths, "admin", "--model", "team/*")
    shown = httpx.get(f"{url}/api/ecohub/audit", headers=bearer(team_admin)).json()

    assert {event["target"] for event in shown} == {"team/repo"}
    assert all("token" in event for event in shown)
