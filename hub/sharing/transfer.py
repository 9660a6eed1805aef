"""``hub push`` and ``hub pull-remote``: move a version to or from any Hugging Face-compatible hub.

Both go through ``huggingface_hub``, so they work with the public Hub and with another
``hub serve``. A push runs the publish checks and the license policy first, and uploads the
version's record with its files (:mod:`hub.sharing.record`): a card whose metadata states its
license, lineage, metrics and verdicts, and ``.ecohub/``. A pull restores that record, checked
(:mod:`hub.sharing.restore`), or reads what it can from the card of a repository without one.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

from hub.errors import HubError, LicenseError
from hub.registry import VersionRecord, audit, schema
from hub.sharing import record
from hub.sharing.folders import read_folder
from hub.sharing.importing import register_files

HUGGING_FACE_HOSTS = ("huggingface.co", "hf.co")


@dataclass(frozen=True)
class Pushed:
    """A push: where it went, whether it was marked for review, and which failures a justification overrode."""

    repo: str
    commit: str
    url: str
    review: bool = False
    overridden: list[str] = field(default_factory=list)


@contextlib.contextmanager
def lfs_transfers(endpoint: str | None) -> Iterator[None]:
    """Upload over git-LFS to hubs other than Hugging Face's: ecohub does not speak Xet.

    ``huggingface_hub`` uploads through Xet whenever ``hf_xet`` is installed, unless
    ``HF_HUB_DISABLE_XET`` is set; it reads that once, at import, so the constant is set here.
    """
    from huggingface_hub import constants

    host = urlparse(endpoint or constants.ENDPOINT).hostname or ""
    if host in HUGGING_FACE_HOSTS or host.endswith(".huggingface.co"):
        yield
        return
    before = constants.HF_HUB_DISABLE_XET
    constants.HF_HUB_DISABLE_XET = True
    try:
        yield
    finally:
        constants.HF_HUB_DISABLE_XET = before


def failing(registry, version: VersionRecord, repo: str) -> tuple[list[str], list[str]]:
    """What holds ``version`` back from leaving for ``repo``: failed publish checks, and license policy failures."""
    checks = [f"{result.check}: {result.reason}" for result in registry.hooks.publish_checks(version, "push", repo)
              if not result.passed]
    return checks, list(registry.check_license(version.ref).failures)


def _is_private(api, repo: str, private: bool | None) -> bool:
    """Whether ``repo`` is private: as the hub says, or, for a repository not yet created, as asked."""
    from huggingface_hub.errors import RepositoryNotFoundError

    try:
        return bool(api.repo_info(repo).private)
    except RepositoryNotFoundError:
        return bool(private)


def push(registry, name: str, number: int | None, repo: str, *, endpoint: str | None = None,
         token: str | None = None, private: bool | None = None, justification: str | None = None,
         actor: str | None = None) -> Pushed:
    """Upload a version's files, card and record (:mod:`hub.sharing.record`) to ``repo`` on ``endpoint`` as one commit.

    A version that fails a publish check goes only with a ``justification``, or to a private
    repository, where it is marked for review; one that fails the license policy goes only with a
    ``justification``. Either way the card and the record say what failed, and the push is in the
    audit log here and, when the hub is ecohub, there too.
    """
    from huggingface_hub import HfApi

    version = registry.get_version(name, number)
    checks, license_failures = failing(registry, version, repo)
    with lfs_transfers(endpoint):
        api = HfApi(endpoint=endpoint, token=token)
        private_repo = _is_private(api, repo, private) if checks or license_failures else bool(private)
        review = bool(checks) and not license_failures and private_repo and not justification
        if (checks or license_failures) and not justification and not review:
            _refuse(version, repo, checks, license_failures)
        push_record = {"by": audit.current_actor(actor), "private": private_repo, "review": review,
                       "justification": justification or "", "failing": [*checks, *license_failures]}
        with tempfile.TemporaryDirectory(prefix="hub-push-") as folder:
            registry.export_files(version.model, version.version, Path(folder))
            shutil.rmtree(Path(folder) / record.FOLDER, ignore_errors=True)
            for path, data in record.build(registry, version, push_record).items():
                (Path(folder) / path).parent.mkdir(parents=True, exist_ok=True)
                (Path(folder) / path).write_bytes(data)
            api.create_repo(repo, exist_ok=True, private=private)
            info = api.upload_folder(folder_path=folder, repo_id=repo,
                                     commit_message=f"{version.ref} from ecohub"
                                                    + (" (for review)" if review else ""),
                                     commit_description="; ".join(version.license_reasons))
    with schema.writing(registry.engine) as connection:
        audit.record(connection, push_record["by"], "version.push", version.ref, justification,
                     {"repo": repo, "endpoint": endpoint or "", "commit": info.oid, "private": private_repo,
                      "review": review, "overridden": push_record["failing"] if justification else []})
    return Pushed(repo=repo, commit=info.oid, url=info.commit_url, review=review,
                  overridden=push_record["failing"] if justification else [])


def _refuse(version: VersionRecord, repo: str, checks: list[str], license_failures: list[str]) -> None:
    if license_failures:
        raise LicenseError(f"{version.ref} may not be pushed: the license policy fails ({'; '.join(license_failures)}).",
                           "Register a version whose license its parents allow before sharing it, or pass "
                           "--justification TEXT to share it anyway; the override is audited and shown in its card.")
    raise HubError(f"{version.ref} may not be pushed to {repo}: {'; '.join(checks)}.",
                   "Fix what the checks name (hub plugins list shows who runs them); or push it to a private "
                   "repository (--private) for review, or pass --justification TEXT to share it anyway. Either is "
                   "audited and shown in its card.")


def pull(registry, repo: str, revision: str | None, name: str, *, endpoint: str | None = None,
         token: str | None = None) -> VersionRecord:
    """Download ``repo`` at ``revision`` and register it as the next version of ``name``.

    The snapshot's files are links into the download cache, so links may reach anywhere in the
    cache and nowhere else; the remote's ``.git`` files, if any, are left out as a folder's are.
    """
    from huggingface_hub import snapshot_download

    with tempfile.TemporaryDirectory(prefix="hub-pull-") as cache:
        folder = Path(snapshot_download(repo, revision=revision, endpoint=endpoint, token=token, cache_dir=cache))
        files = read_folder(folder, within=Path(cache))
        where = endpoint or "https://huggingface.co"
        return register_files(registry, name, files, source=f"{where.rstrip('/')}/{repo}@{folder.name}",
                              origin={"hub": where.rstrip("/"), "repo": repo, "commit": folder.name})
