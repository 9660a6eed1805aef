"""Where the registry and its store live: explicit choice, then environment, then the default."""

from __future__ import annotations

import pytest

from hub import config


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A working directory with no registry settings in the environment."""
    monkeypatch.delenv("HUB_REGISTRY_URL", raising=False)
    monkeypatch.delenv("HUB_STORE", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_default_is_registry_db_in_the_working_directory(workdir):
    location = config.resolve()

    assert location == config.Location(url=f"sqlite:///{workdir / 'registry.db'}", store=str(workdir / "hub-store"))


def test_environment_url_replaces_the_default(workdir, monkeypatch):
    monkeypatch.setenv("HUB_REGISTRY_URL", "sqlite:///shared/team.db")

    location = config.resolve()

    assert location.url == f"sqlite:///{workdir / 'shared' / 'team.db'}"
    assert location.store == str(workdir / "shared" / "hub-store")


def test_explicit_url_wins_over_the_environment(workdir, monkeypatch):
    monkeypatch.setenv("HUB_REGISTRY_URL", "sqlite:///from-env.db")

    location = config.resolve("sqlite:////srv/hub/registry.db")

    assert location.url == "sqlite:////srv/hub/registry.db"
    assert location.store == "/srv/hub/hub-store"


def test_relative_sqlite_path_is_pinned_against_a_later_chdir(workdir, monkeypatch):
    location = config.resolve("sqlite:///registry.db")
    monkeypatch.chdir("/")

    assert config.resolve(location.url, location.store) == location


def test_server_database_keeps_its_store_in_the_working_directory(workdir):
    location = config.resolve("postgresql://hub@db.internal/hub")

    assert location == config.Location(url="postgresql://hub@db.internal/hub", store=str(workdir / "hub-store"))


def test_environment_store_replaces_the_default(workdir, monkeypatch):
    monkeypatch.setenv("HUB_STORE", "blobs")

    assert config.resolve().store == str(workdir / "blobs")


def test_explicit_store_wins_over_the_environment(workdir, monkeypatch):
    monkeypatch.setenv("HUB_STORE", "from-env")

    assert config.resolve(store="/srv/hub/blobs").store == "/srv/hub/blobs"


def test_in_memory_sqlite_keeps_its_store_in_the_working_directory(workdir):
    location = config.resolve("sqlite:///:memory:")

    assert location == config.Location(url="sqlite:///:memory:", store=str(workdir / "hub-store"))


def test_empty_environment_variables_count_as_unset(workdir, monkeypatch):
    monkeypatch.setenv("HUB_REGISTRY_URL", "")
    monkeypatch.setenv("HUB_STORE", "")

    location = config.resolve()

    assert location == config.Location(url=f"sqlite:///{workdir / 'registry.db'}", store=str(workdir / "hub-store"))


def test_a_store_uri_is_kept_as_written(workdir):
    assert config.resolve(store="s3://models/hub").store == "s3://models/hub"
