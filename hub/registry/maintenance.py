"""Checking and tidying a registry's store: what ``hub verify`` and ``hub gc`` do.

``verify`` reads every file a version or report refers to through the store's checks, so a
missing or corrupted blob, chunk or manifest is found before anyone pulls it, and is reported by
the files it breaks (``model:version/path``). ``collect_garbage`` deletes what nothing refers to,
but only after a grace period, which is what keeps a registration still in flight (objects
written, database row not yet committed) from losing its objects; ``BlobStore.collect`` explains.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from hub.errors import IntegrityError
from hub.registry.records import Record
from hub.registry.registry import Registry
from hub.registry.store import Collection

# Far longer than any registration takes between writing its first object and committing.
DEFAULT_GRACE_SECONDS = 3600


@dataclass(frozen=True)
class Problem(Record):
    """A stored file that is missing or corrupt, with every registered file that uses it."""

    sha256: str
    files: list[str]
    message: str


@dataclass(frozen=True)
class Verification(Record):
    """The outcome of ``verify``: ``checked`` stored files re-hashed, and what was wrong.

    ``without_digest`` counts sound files stored before BLAKE3 digests were recorded: reads check
    them against their sha256, four times slower, until ``verify(..., record_digests=True)``.
    """

    checked: int
    problems: list[Problem]
    unreferenced: int
    without_digest: int

    @property
    def ok(self) -> bool:
        return not self.problems


def stored_names(registry: Registry) -> dict[str, list[str]]:
    """Every sha256 the registry refers to, with the names of the files and reports using it."""
    names: dict[str, list[str]] = defaultdict(list)
    for model in registry.list_models():
        for version in model.versions:
            for file in version.files:
                names[file.sha256].append(f"{version.ref}/{file.path}")
            for report in version.reports:
                names[report.sha256].append(f"{version.ref} report {report.evaluator} #{report.id}")
    return dict(names)


def verify(registry: Registry, *, record_digests: bool = False) -> Verification:
    """Re-hash every stored file the registry refers to, each once however many versions share it,
    recording the digest of any sound one stored without it when ``record_digests``."""
    names = stored_names(registry)
    # The same set gc keeps, so verify checks everything gc would protect, named where it can be.
    referenced = {sha256: names.get(sha256, [f"blob {sha256}"])
                  for sha256 in registry.referenced_blobs() | set(names)}
    problems, without_digest = [], 0
    for sha256, files in sorted(referenced.items(), key=lambda item: item[1]):
        try:
            without_digest += not registry.store.verify(sha256, files[0], record_missing=record_digests)
        except IntegrityError as error:
            problems.append(Problem(sha256=sha256, files=files, message=error.message))
    unreferenced = sum(1 for sha256 in registry.store.blobs() if sha256 not in referenced)
    return Verification(checked=len(referenced), problems=problems, unreferenced=unreferenced,
                        without_digest=without_digest)


def collect_garbage(
    registry: Registry, grace: float = DEFAULT_GRACE_SECONDS, *, dry_run: bool = False
) -> Collection:
    """Delete stored files, chunks and leftover uploads that nothing refers to, once older than ``grace`` seconds."""
    return registry.store.collect(registry.referenced_blobs(), grace, dry_run=dry_run)
