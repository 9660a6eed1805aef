"""Fixtures shared by the core tests: a registry on every database ecohub supports.

Helper modules (the PostgreSQL server, the plugin samples, code run in other processes) live
beside the tests. Under ``--import-mode=importlib`` they are importable only once this directory
is on ``sys.path``; processes started with ``spawn`` inherit it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS_DIR = str(Path(__file__).resolve().parent)
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

from postgres_server import PostgresServer, PostgresUnavailable  # noqa: E402

from hub.registry import Registry  # noqa: E402

DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of our own, started once per test session and deleted after it."""
    try:
        server = PostgresServer()
    except PostgresUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server):
    """A SQLAlchemy URL to an empty PostgreSQL database (a schema of its own), dropped after."""
    schema = postgres_server.create_schema()
    yield postgres_server.url(schema)
    postgres_server.drop_schema(schema)


@pytest.fixture(params=DATABASES)
def registry_url(request, tmp_path):
    """The URL of an empty registry database, once per supported database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store_dir(tmp_path):
    return tmp_path / "store"


@pytest.fixture
def registry(registry_url, store_dir):
    """An empty registry with its own blob store."""
    registry = Registry(registry_url, store_dir)
    yield registry
    registry.close()


@pytest.fixture
def weights(tmp_path):
    """The smallest valid safetensors file (an empty header), as ``register_version`` takes files."""
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    return {"model.safetensors": path}


@pytest.fixture
def hub(registry, store_dir):
    """Run ``hub`` in-process against the test registry, without plugins; returns (exit code, output)."""
    from click.testing import CliRunner

    from hub.cli import cli

    def run(*args: str):
        result = CliRunner().invoke(cli, ["--no-plugins", "--registry", registry.url, "--store", str(store_dir), *args])
        return result.exit_code, result.output

    return run
