"""``hub push`` and ``hub pull-remote``: move a version to or from any Hugging Face-compatible hub.

Both go through ``huggingface_hub``, so they work with the public Hub and with another
``hub serve``. A push runs the publish checks and the license policy first, and writes a card
whose metadata states the version's license and lineage; a pull reads them back from the card.
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

from hub.errors import HubError, LicenseError
from hub.registry import VersionRecord
from hub.sharing import export
from hub.sharing.folders import read_folder
from hub.sharing.importing import register_files

HUGGING_FACE_HOSTS = ("huggingface.co", "hf.co")


@dataclass(frozen=True)
class Pushed:
    repo: str
    commit: str
    url: str


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


def check_publishable(registry, version: VersionRecord, repo: str) -> None:
    """Raise unless every publish check and the license policy allow ``version`` to leave."""
    refused = [result for result in registry.hooks.publish_checks(version, "push", repo) if not result.passed]
    if refused:
        reasons = "; ".join(f"{result.check}: {result.reason}" for result in refused)
        raise HubError(f"{version.ref} may not be pushed to {repo}: {reasons}.",
                       "Fix what the checks name (hub plugins list shows who runs them), then push again.")
    failures = registry.check_license(version.ref).failures
    if failures:
        raise LicenseError(f"{version.ref} may not be pushed: the license policy fails ({'; '.join(failures)}).",
                           "Register a version whose license its parents allow before sharing it.")


def push(registry, name: str, number: int | None, repo: str, *, endpoint: str | None = None,
         token: str | None = None, private: bool | None = None) -> Pushed:
    """Upload a version's files and card to ``repo`` on ``endpoint`` as one commit."""
    from huggingface_hub import HfApi

    version = registry.get_version(name, number)
    check_publishable(registry, version, repo)
    with tempfile.TemporaryDirectory(prefix="hub-push-") as folder:
        registry.export_files(version.model, version.version, Path(folder))
        (Path(folder) / export.CARD).write_text(export.card_text(registry, version), encoding="utf-8")
        with lfs_transfers(endpoint):
            api = HfApi(endpoint=endpoint, token=token)
            api.create_repo(repo, exist_ok=True, private=private)
            info = api.upload_folder(folder_path=folder, repo_id=repo,
                                     commit_message=f"{version.ref} from ecohub",
                                     commit_description="; ".join(version.license_reasons))
    return Pushed(repo=repo, commit=info.oid, url=info.commit_url)


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
        return register_files(registry, name, files, source=f"{where.rstrip('/')}/{repo}@{folder.name}")
