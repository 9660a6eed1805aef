"""Malformed input, anywhere, gets a 4xx with a message from ``hub serve``: never a 500, a dropped
connection or a traceback.

Hypothesis drives every route the application has (the Hugging Face protocol's and ecohub's own,
whose parameters its OpenAPI document lists) with malformed path parameters, revisions, queries,
headers, ranges, tokens and bodies, over HTTP on 127.0.0.1; raw-HTTP cases cover what no client
library sends, on every database ecohub supports. The property test is bounded (``MAX_EXAMPLES``,
no shrinking past the first failure's report) so CI runs it in well under a minute.
"""

from __future__ import annotations

import json
import re
import socket
from urllib.parse import quote, urlsplit

import httpx2 as httpx
import pytest
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hub.access.policy import Access
from hub.registry import Registry
from hub_server import new_token, register_folder, serving, write_model

MAX_EXAMPLES = 3000
PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")
NASTY = ["", ".", "..", "../..", "%", "%00", "%2e%2e", "a/b/c", "-", "x" * 300, "é", "😀", "\x00", "\x7f", "\n",
         ".git/config", "public-model", "secret-model", "team/repo", "main", "v0", "v1", "99999999999999999999999",
         "0" * 40, "a" * 64, "²", "٣", "model.safetensors", "config.json", "null", "[]", "{}", "-1", "1e9", "true"]
QUERY_KEYS = ["cursor", "limit", "q", "after", "recursive", "blobs", "search", "author", "filter", "sort",
              "direction", "create_pr", "target", "size", "expires", "signature", "full", "cardData"]
OPERATIONS = ["header", "file", "lfsFile", "deletedFile", "deletedFolder", "copyFile", None, 7]

text = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | text,
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
                           max_leaves=12)
field_maps = st.dictionaries(st.sampled_from(["path", "oid", "size", "content", "encoding", "name", "organization",
                                              "private", "visibility", "gated", "files", "sample", "operation",
                                              "objects", "license", "base_models", "datasets", "summary",
                                              "parentCommit", "type"]), json_values, max_size=5)
ndjson_lines = st.lists(st.fixed_dictionaries({"key": st.sampled_from(OPERATIONS), "value": field_maps | json_values}),
                        max_size=4).map(lambda lines: "\n".join(json.dumps(line) for line in lines).encode())
bodies = st.one_of(st.none(), st.binary(max_size=300), json_values.map(lambda v: json.dumps(v).encode()),
                   field_maps.map(lambda v: json.dumps(v).encode()), ndjson_lines)


@pytest.fixture
def hub_with_models(tmp_path):
    registry = Registry(f"sqlite:///{tmp_path / 'registry.db'}", tmp_path / "store")
    register_folder(registry, "public-model", write_model(tmp_path / "public", weights_mb=0.01))
    register_folder(registry, "secret-model", write_model(tmp_path / "secret", weights_mb=0.01, seed=1))
    Access(registry.engine).set_private("secret-model", True, by="test")
    paths = {"url": registry.url, "store": str(tmp_path / "store")}
    tokens = {scope: new_token(paths, scope) for scope in ("read", "write", "admin")}
    yield registry, tokens, tmp_path
    registry.close()


def routes() -> list[tuple[str, str]]:
    """(method, path template) of every route, the Hub protocol's included."""
    from hub.serve import api, lfs, read_api, write_api

    return sorted({(method, route.path) for module in (api, lfs, read_api, write_api)
                   for route in module.router.routes if isinstance(route, APIRoute) for method in route.methods})


def assert_answered(response: httpx.Response, what: str) -> None:
    """A 4xx (or 2xx/3xx) with a message; the one 5xx is Xet's 501, which says to use LFS."""
    deliberate = response.headers.get("X-Error-Code") == "XetNotSupported"
    assert response.status_code < 500 or deliberate, f"{what}: {response.status_code} {response.text[:300]}"
    assert "Traceback" not in response.text, what
    if response.status_code >= 400:
        assert response.headers.get("X-Error-Message"), f"{what}: {response.status_code} without a message"


def test_every_route_answers_malformed_input_with_a_4xx_and_a_message(hub_with_models):
    registry, tokens, tmp_path = hub_with_models
    every = routes()

    with serving(registry, staging=tmp_path / "staging") as url, httpx.Client(base_url=url, timeout=30) as client:
        openapi_paths = set(client.get("/api/ecohub/openapi.json").json()["paths"])
        authorizations = st.sampled_from([None, *(f"Bearer {t}" for t in tokens.values()), "Bearer garbage",
                                          "Basic dXNlcjpwdw==", "Bearer", "bearer " + "x" * 500])
        ranges = st.one_of(st.none(), st.sampled_from(["bytes=0-", "bytes=-5", "bytes=5-1", "bytes=a-b", "bytes=-0",
                                                       "bytes=99999999999999999999-", "bytes=0-1,3-4", "items=0-1"]),
                           text)
        content_types = st.sampled_from([None, "application/json", "application/x-ndjson", "text/plain",
                                         "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                         "application/vnd.git-lfs+json"])

        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(route=st.sampled_from(every), values=st.lists(text, min_size=4, max_size=4),
               query=st.dictionaries(st.sampled_from(QUERY_KEYS), text, max_size=3), body=bodies,
               authorization=authorizations, range_=ranges, content_type=content_types)
        def probe(route, values, query, body, authorization, range_, content_type):
            method, template = route
            names = PARAMETER.findall(template)
            path = template
            for name, value in zip(names, values):
                path = re.sub(r"\{" + name + r"(?::\w+)?\}", quote(value, safe="/" if name in ("path", "repo_id")
                                                                  else ""), path, count=1)
            headers = {key: value for key, value in (("Authorization", authorization), ("Range", range_),
                                                     ("Content-Type", content_type)) if value is not None}
            headers = {key: value.strip() for key, value in headers.items()  # what an HTTP client can send
                       if value.isprintable() and value.isascii() and value.strip()}
            response = client.request(method, path, params=query, headers=headers,
                                      content=body if method not in ("GET", "HEAD") else None)
            assert_answered(response, f"{method} {path} {query} {headers} {body!r:.200}")

        probe()
    assert openapi_paths <= {re.sub(r":\w+\}", "}", path) for _, path in every}


def raw(url: str, request: bytes) -> bytes:
    host, port = urlsplit(url).hostname, urlsplit(url).port
    with socket.create_connection((host, port), timeout=20) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def get(target: str, *headers: str) -> bytes:
    return (f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + "".join(h + "\r\n" for h in headers)
            + "\r\n").encode()


def post(target: str, body: bytes, *headers: str) -> bytes:
    return (f"POST {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {len(body)}\r\n"
            + "".join(h + "\r\n" for h in headers) + "\r\n").encode() + body


RAW_CASES = {
    "nul in a repository": get("/api/models/%00/revision/main"),
    "nul in a namespaced repository": get("/api/models/a%00/b/tree/main"),
    "nul in a revision": get("/api/models/public-model/revision/ma%00in"),
    "nul in a search": get("/api/ecohub/models?q=name:%00"),
    "nul in a file path": get("/public-model/resolve/main/config%00.json"),
    "deep search parentheses": get("/api/ecohub/models?q=" + "(" * 900 + "license:mit" + ")" * 900),
    "a search too long": get("/api/ecohub/models?q=" + "a" * 5000),
    "a negative page": get("/api/models/public-model/tree/main?cursor=-1"),
    "a page past any number": get("/api/models/public-model/tree/main?limit=" + "9" * 40),
    "a cursor that is not one": get("/api/ecohub/models?after=..%2F.."),
    "a huge range": get("/public-model/resolve/main/config.json", "Range: bytes=99999999999999999999999-"),
    "a backwards range": get("/public-model/resolve/main/config.json", "Range: bytes=9-3"),
    "a traversal in resolve": get("/public-model/resolve/main/..%2F..%2F..%2Fetc%2Fpasswd"),
    "a traversal in a repository": get("/api/models/..%2F..%2Fetc/revision/main"),
    "a report id past 64 bits": get("/api/ecohub/models/public-model/versions/main/reports/" + "9" * 30),
    "not HTTP": b"GARBAGE\r\n\r\n",
    "a bad percent escape": get("/api/models/%ZZ/revision/main"),
    "a content length that is not a number": post("/api/validate-yaml", b"{}").replace(b"Content-Length: 2",
                                                                                        b"Content-Length: abc"),
    "a negative content length": post("/api/validate-yaml", b"").replace(b"Content-Length: 0", b"Content-Length: -1"),
    "broken chunked encoding": (b"POST /api/validate-yaml HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                b"Connection: close\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n"),
    "a request line over the header limit": get("/api/models/" + "a" * (70 << 10)),
    "invalid JSON": post("/api/validate-yaml", b"{", "Content-Type: application/json"),
    "deeply nested JSON": post("/api/ecohub/license-check", b"[" * 100000 + b"]" * 100000,
                               "Content-Type: application/json"),
    "JSON of the wrong shape": post("/api/repos/create", b"[]", "Content-Type: application/json"),
    "an Authorization header of non-ASCII bytes": get("/api/models/public-model") [:-2] + b"Authorization: Bearer \xff\xfe\r\n\r\n",
    "an empty bearer": get("/api/whoami-v2", "Authorization: Bearer"),
    "an unknown route": get("/no/such/route/at/all"),
    "a method the route does not take": b"DELETE /api/ecohub/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
}
WITH_TOKEN = {
    "deeply nested commit line": lambda: b"[" * 100000 + b"]" * 100000,
    "a commit of invalid UTF-8": lambda: b"\xff\xfe{\"key\": 1}",
    "a commit line that is a list": lambda: b"[1, 2, 3]",
    "a commit path with NUL": lambda: json.dumps({"key": "file", "value": {"path": "a\u0000b", "content": ""}}).encode(),
    "a commit file that is a folder of another": lambda: b"\n".join(json.dumps(line).encode() for line in [
        {"key": "file", "value": {"path": "a", "content": ""}},
        {"key": "file", "value": {"path": "a/b", "content": ""}}]),
    "a commit with an oid of the wrong type": lambda: json.dumps(
        {"key": "lfsFile", "value": {"path": "w.bin", "oid": 5, "size": 1}}).encode(),
}


@pytest.fixture
def raw_server(registry_url, tmp_path):
    registry = Registry(registry_url, tmp_path / "store")
    register_folder(registry, "public-model", write_model(tmp_path / "public", weights_mb=0.01))
    token = new_token({"url": registry_url, "store": str(tmp_path / "store")}, "write")
    with serving(registry, staging=tmp_path / "staging") as url:
        yield url, token
    registry.close()


def test_raw_http_malformed_requests_get_a_4xx(raw_server):
    url, token = raw_server
    cases = dict(RAW_CASES)
    cases.update({name: post("/api/models/team/repo/commit/main", body(), f"Authorization: Bearer {token}",
                             "Content-Type: application/x-ndjson") for name, body in WITH_TOKEN.items()})
    httpx.post(f"{url}/api/repos/create", json={"name": "repo", "organization": "team"},
               headers={"Authorization": f"Bearer {token}"}).raise_for_status()

    answers = {name: raw(url, request) for name, request in cases.items()}

    wrong = {name: answer[:200] for name, answer in answers.items() if not re.match(rb"HTTP/1\.1 4\d\d ", answer)}
    assert wrong == {}
    untold = [name for name, answer in answers.items()
              if b"x-error-message" not in answer.lower() and not answer.split(b"\r\n\r\n", 1)[-1].strip()]
    assert untold == []
