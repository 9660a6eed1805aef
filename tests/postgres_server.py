"""A throwaway PostgreSQL server for the tests.

``initdb`` makes a cluster in a temporary directory and ``pg_ctl`` serves it on a free loopback
port, with its unix socket in that same directory, so nothing outside the test run can reach it
or is touched by it. initdb refuses to run as root, so under root the server binaries run as the
``postgres`` system user that Debian's package creates.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

BINARIES = ("initdb", "pg_ctl")
SERVICE_USER = "postgres"
DATABASE = "ecohub"
# Production servers often keep local time; a zone other than UTC keeps timestamp handling honest.
SERVER_TIMEZONE = "America/New_York"
# Durability is not under test here, and skipping it makes the server much quicker.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "timezone": SERVER_TIMEZONE,
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
PORT_ATTEMPTS = 5


class PostgresUnavailable(RuntimeError):
    """The server binaries, or the user to run them as, are missing."""


def find_bindir() -> Path:
    """The directory holding initdb and pg_ctl: on PATH, else Debian's newest versioned one."""
    on_path = [shutil.which(name) for name in BINARIES]
    if all(on_path):
        return Path(os.path.realpath(on_path[0])).parent
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_major_version, reverse=True):
        if all((Path(bindir) / name).exists() for name in BINARIES):
            return Path(bindir)
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under "
        "/usr/lib/postgresql/*/bin. `make test` installs them: its system-deps target "
        "apt-installs the postgresql package."
    )


def _major_version(bindir: str) -> int:
    version = Path(bindir).parent.name
    return int(version) if version.isdigit() else 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """One cluster for the whole test session; every test gets an empty schema of its own."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.run_as = self._run_as()
        self.root = Path(tempfile.mkdtemp(prefix="ecohub-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self._schemas = itertools.count(1)

    @staticmethod
    def _run_as() -> list[str]:
        if os.geteuid() != 0:
            return []
        try:
            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            raise PostgresUnavailable(
                f"The tests run as root, which initdb refuses, and there is no '{SERVICE_USER}' user "
                "to run it as. `make test` installs the postgresql package, which creates that user."
            ) from None
        return ["runuser", "-u", SERVICE_USER, "--"]

    def _run(self, binary: str, *args: str) -> None:
        command = [*self.run_as, str(self.bindir / binary), *args]
        # cwd: the service user may not be allowed into the caller's working directory.
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}{log}")

    def start(self) -> None:
        if self.run_as:
            user = pwd.getpwnam(SERVICE_USER)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._run("initdb", "--pgdata", str(self.data), "--username", "postgres", "--auth", "trust",
                  "--encoding", "UTF8", "--no-locale", "--no-sync")
        # A port found free can be taken by someone else before the server binds it.
        for attempt in range(1, PORT_ATTEMPTS + 1):
            self.port = _free_port()
            settings = {**SERVER_SETTINGS, "port": self.port, "unix_socket_directories": self.root}
            options = " ".join(f"-c {key}={value}" for key, value in settings.items())
            try:
                self._run("pg_ctl", "start", "--pgdata", str(self.data), "--log", str(self.log),
                          "--wait", "--options", options)
                break
            except RuntimeError:
                if attempt == PORT_ATTEMPTS:
                    raise
        with self._connect("postgres") as admin:
            admin.execute(f'CREATE DATABASE "{DATABASE}"')

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "--pgdata", str(self.data), "--mode", "immediate", "--wait")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _connect(self, database: str = DATABASE) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database,
                               autocommit=True)

    def create_schema(self) -> str:
        """A new, empty schema: as clean as a new database, and many times quicker to make."""
        schema = f"test_{next(self._schemas)}"
        with self._connect() as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        return schema

    def drop_schema(self, schema: str) -> None:
        with self._connect() as connection:
            # A connection the test left open would make this wait for ever; fail instead.
            connection.execute("SET lock_timeout = '10s'")
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')

    def url(self, schema: str) -> str:
        """A SQLAlchemy URL whose unqualified table names all land in ``schema``."""
        return (
            f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{DATABASE}"
            f"?options=-csearch_path%3D{schema}"
        )
