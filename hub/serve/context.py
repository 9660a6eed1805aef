"""The served registry: repositories, revisions and who may see them.

Revisions map onto the registry: ``main`` is the latest version, ``v3`` (or ``3``) a version, an
alias name the version it points to, and a 40-hex id the version with that commit. A version's
files and commit never change, so each version is read from the database once and kept for
serving them; its reports, aliases and card can change, so whatever shows those reads afresh.
A file whose path no folder may receive (``.git/config``, stored by an older server or another
tool) is left out of what is kept, so it is never listed, served, or carried into a new commit.
"""

from __future__ import annotations

import dataclasses
import re
import threading

from hub.access.policy import Access, Caller
from hub.errors import HubError, InvalidNameError, UnknownNameError
from hub.registry import VersionRecord
from hub.registry.naming import validate_file_path
from hub.serve.errors import HubHTTPError, repo_not_found, revision_not_found
from hub.serve.staging import Staging
from hub.sharing import record
from hub.sharing.gitids import empty_commit_id, is_commit_id

MAIN = "main"
VERSION_REVISION = re.compile(r"v?(\d+)")


class Served:
    def __init__(self, registry, staging: Staging):
        self.registry = registry
        self.access = Access(registry.engine)
        self.staging = staging
        self._versions: dict[tuple[str, int], VersionRecord] = {}
        self._commits: dict[str, VersionRecord] = {}
        self._lock = threading.Lock()

    # -- repositories ----------------------------------------------------------------------

    def latest(self, name: str) -> VersionRecord | None:
        """The newest version, or None for a repository created empty; raises when there is none."""
        try:
            return self._keep(self.registry.get_version(name))
        except UnknownNameError:
            if name in self.access.declared_names():
                return None
            raise

    def exists(self, name: str) -> bool:
        try:
            self.latest(name)
        except HubError:
            return False
        return True

    def readable(self, caller: Caller, name: str) -> VersionRecord | None:
        """The latest version of a repository the caller may read; RepoNotFound otherwise."""
        self._check(caller, name, contents=False)
        try:
            return self.latest(name)
        except HubError:
            raise repo_not_found(name) from None

    def at(self, caller: Caller, name: str, revision: str, *, contents: bool = False) -> VersionRecord | None:
        """The version ``revision`` names, in a repository the caller may read (and, for ``contents``,
        download). A commit id already served is answered without asking the database for versions:
        that is every request of a ``snapshot_download`` after its first."""
        self._check(caller, name, contents=contents)
        kept = self._kept(name, revision)
        if kept is not None:
            return kept
        try:
            latest = self.latest(name)
        except HubError:
            raise repo_not_found(name) from None
        return self.resolve(name, latest, revision)

    def served_before(self, caller: Caller, name: str, revision: str) -> VersionRecord | None:
        """What ``at`` gives for a commit id already served and a caller who may download it; None
        otherwise. It reads the repository's settings and writes nothing, so it may run on the event
        loop; a None sends the request through ``at``, which answers the rest and records refusals."""
        kept = self._kept(name, revision)
        if kept is None or self._refusal(caller, name, contents=True) is not None:
            return None
        return kept

    def _kept(self, name: str, revision: str) -> VersionRecord | None:
        with self._lock:
            kept = self._commits.get(revision)
        return kept if kept is not None and kept.model == name else None

    def _check(self, caller: Caller, name: str, *, contents: bool) -> None:
        """Refuse, and record, a caller who may not see the repository (or, for ``contents``, its files)."""
        refusal = self._refusal(caller, name, contents=contents)
        if refusal is not None:
            action, detail, error = refusal
            self.access.record(caller, action, name, allowed=False, detail=detail)
            raise error

    def _refusal(self, caller: Caller, name: str, *, contents: bool) -> tuple[str, str, HubHTTPError] | None:
        """Why the caller may not see the repository (or its files): the audited action, the reason,
        and the error to answer with; None when it may."""
        settings = self.access.settings(name)
        if settings is None or caller.has("read", name):
            return None
        if settings.private:
            return "read", "private model", repo_not_found(name)
        if contents and settings.gated:
            return "download", "gated model", HubHTTPError(
                403, f"'{name}' is gated: its files need a read token ('hub token create --scope read'); ask its "
                     "owners for one.", "GatedRepo")
        return None

    def commit(self, name: str, version: VersionRecord | None) -> str:
        return version.commit if version is not None else empty_commit_id(name)

    # -- revisions -------------------------------------------------------------------------

    def version(self, name: str, number: int) -> VersionRecord:
        with self._lock:
            kept = self._versions.get((name, number))
        return kept or self._keep(self.registry.get_version(name, number))

    def _keep(self, record: VersionRecord) -> VersionRecord:
        servable = [file for file in record.files if _servable(file.path)]
        if len(servable) < len(record.files):
            record = dataclasses.replace(record, files=servable)
        with self._lock:
            self._versions[(record.model, record.version)] = record
            self._commits[record.commit] = record
        return record

    def resolve(self, name: str, latest: VersionRecord | None, revision: str) -> VersionRecord | None:
        """The version a revision names; RevisionNotFound when it names none."""
        if revision == MAIN:
            return latest
        if latest is None:
            raise revision_not_found(name, revision)
        match = VERSION_REVISION.fullmatch(revision)
        if match and 1 <= int(match.group(1)) <= latest.version:
            return self.version(name, int(match.group(1)))
        if is_commit_id(revision):
            for number in range(latest.version, 0, -1):
                candidate = self.version(name, number)
                if candidate.commit == revision:
                    return candidate
            raise revision_not_found(name, revision)
        number = alias_version(self.registry, name, revision)
        if number is None:
            raise revision_not_found(name, revision)
        return self.version(name, number)

    def card(self, version: VersionRecord) -> dict:
        """The card metadata a version shows, with the registry's license, lineage and verdicts."""
        return record.card_metadata(self.registry, version)

    def shown(self, version: VersionRecord | None) -> tuple[list, dict[str, bytes]]:
        """A version's files as served, its record (card, ``.ecohub/``) built afresh, and that record's bytes."""
        return record.served(self.registry, version) if version is not None else ([], {})

    def versions(self, latest: VersionRecord | None) -> list[VersionRecord]:
        if latest is None:
            return []
        return [self.version(latest.model, number) for number in range(1, latest.version + 1)]


def _servable(path: str) -> bool:
    try:
        validate_file_path(path)
    except InvalidNameError:
        return False
    return True


def alias_version(registry, name: str, alias: str) -> int | None:
    """The version an alias of ``name`` points to, or None."""
    try:
        return registry.resolve(f"{name}@{alias}").version
    except HubError:
        return None
