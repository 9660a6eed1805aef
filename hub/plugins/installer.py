"""Installing plugins with pip into the hub's own interpreter, and remembering what was installed.

pip always runs as ``sys.executable -m pip``, so a plugin lands where the running ``hub`` will find
it. Every install writes pip's installation report; the plugin packages in it are recorded in
``plugins.lock.json`` in the hub's config directory: what was asked for, where it came from and
the sha256 of the file installed. ``hub plugins freeze`` turns the installed plugin set into a
requirements file that ``hub plugins install -r`` reproduces on another machine.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Iterable
from urllib.parse import unquote, urlparse

from hub.errors import HubError
from hub.plugins.selection import config_dir, read_json, write_json
from hub.plugins.manager import ENTRY_POINT_GROUP

LOCK_FILE = "plugins.lock.json"
HASH_MISMATCH = "DO NOT MATCH THE HASHES"


class InstallError(HubError):
    """pip could not do what was asked, or refused to."""


def canonical(name: str) -> str:
    """A package name as pip compares them: lower case, runs of ``-_.`` as one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class LockEntry:
    """One installed plugin package as the lock file records it."""

    package: str
    version: str
    requested: str
    url: str = ""
    sha256: str = ""
    editable: bool = False
    vcs_commit: str = ""
    index: str = ""
    plugins: list[str] = field(default_factory=list)
    installed_at: str = ""


def lock_path() -> Path:
    return config_dir() / LOCK_FILE


def read_lock() -> dict[str, LockEntry]:
    entries = read_json(lock_path(), {"plugins": {}}).get("plugins", {})
    return {name: LockEntry(**entry) for name, entry in entries.items()}


def _write_lock(entries: dict[str, LockEntry]) -> None:
    write_json(lock_path(), {"plugins": {name: asdict(entry) for name, entry in sorted(entries.items())}})


def pip(*args: str) -> subprocess.CompletedProcess:
    """Run pip in this interpreter; a failure raises with pip's own last words."""
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        output = (result.stderr.strip() or result.stdout.strip()).splitlines()
        raise InstallError(
            f"pip {args[0]} failed:\n" + "\n".join(output[-15:]),
            "Nothing was changed unless pip says so above. Check the name, path or URL, then try again.",
        )
    return result


def plugin_distributions() -> dict[str, metadata.Distribution]:
    """Every installed package that provides at least one ``ecohub`` entry point, by canonical name."""
    found = {}
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.dist is not None:
            found.setdefault(canonical(entry_point.dist.name), entry_point.dist)
    return found


def _plugin_names(dist: metadata.Distribution) -> list[str]:
    return sorted(ep.name for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP)


def _entry_from_report(item: dict, requested: str, index: str, sha256: str) -> LockEntry:
    info = item.get("download_info") or {}
    archive = info.get("archive_info") or {}
    return LockEntry(
        package=item["metadata"]["name"],
        version=item["metadata"]["version"],
        requested=requested,
        url=info.get("url", ""),
        sha256=sha256 or (archive.get("hashes") or {}).get("sha256", ""),
        editable=bool((info.get("dir_info") or {}).get("editable")),
        vcs_commit=(info.get("vcs_info") or {}).get("commit_id", ""),
        index=index,
        installed_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def _requested(item: dict, specs: list[str]) -> str:
    """Which of the specs the user typed brought in this report item."""
    name, url = canonical(item["metadata"]["name"]), (item.get("download_info") or {}).get("url", "")
    for spec in specs:
        path = Path(spec)
        if canonical(re.split(r"[\s\[<>=!~;@]", spec, maxsplit=1)[0]) == name or spec == url or (
                path.exists() and path.resolve().as_uri() == url):
            return spec
    return " ".join(specs)


def _pip_install(args: list[str], specs: list[str], index: str = "", sha256: str = "") -> list[LockEntry]:
    """Run ``pip install`` with a report, then record the plugin packages it installed."""
    with tempfile.TemporaryDirectory(prefix="hub-pip-") as workdir:
        report_path = Path(workdir) / "report.json"
        pip("install", "--report", str(report_path), *args)
        report = json.loads(report_path.read_text()) if report_path.exists() else {"install": []}
    importlib.invalidate_caches()  # let importlib.metadata see what pip changed
    installed = plugin_distributions()
    entries = read_lock()
    recorded = []
    for item in report.get("install", []):
        name = canonical(item["metadata"]["name"])
        if name not in installed:
            continue
        entry = _entry_from_report(item, _requested(item, specs) if item.get("requested") else name, index, sha256)
        entry.plugins = _plugin_names(installed[name])
        entries[name] = entry
        recorded.append(entry)
    _write_lock(entries)
    return recorded


def install(specs: Iterable[str], *, upgrade: bool = False, editable: bool = False,
            requirements: Iterable[str] = (), require_hashes: bool = False) -> list[LockEntry]:
    """``pip install`` names, paths, wheels, VCS URLs or requirement files; returns the plugins recorded."""
    specs, requirements = list(specs), list(requirements)
    args = ["--upgrade"] if upgrade else []
    if require_hashes:
        args.append("--require-hashes")
    for spec in specs:
        args += ["--editable", spec] if editable else [spec]
    for path in requirements:
        args += ["--requirement", path]
    try:
        return _pip_install(args, specs + [f"-r {path}" for path in requirements])
    except InstallError as error:
        if HASH_MISMATCH in error.message:
            raise InstallError(
                "Refused: a downloaded file's sha256 is not the one the requirements file pins.\n" + error.message,
                "Nothing was installed. Either the file changed since it was pinned, or the pin is wrong.",
            ) from None
        raise


def install_verified(requirement: str, sha256: str, *, index: str, requested: str, upgrade: bool = False
                     ) -> list[LockEntry]:
    """Install one distribution only if its sha256 is the expected one, then its dependencies.

    pip checks the hash as soon as the file is downloaded, before it is built or unpacked, so an
    altered file never runs. Dependencies are installed in a second step, which cannot use the
    hash-checking mode (it would demand a hash for each of them).
    """
    with tempfile.TemporaryDirectory(prefix="hub-verified-") as workdir:
        pinned = Path(workdir) / "requirements.txt"
        pinned.write_text(f"{requirement} --hash=sha256:{sha256}\n")
        args = ["--no-deps", "--require-hashes", "--requirement", str(pinned)]
        if upgrade:
            args.insert(0, "--force-reinstall")
        try:
            recorded = _pip_install(args, [requested], index=index, sha256=sha256)
        except InstallError as error:
            if HASH_MISMATCH not in error.message:
                raise
            got = re.findall(r"Got\s+([0-9a-f]{64})", error.message)
            raise InstallError(
                f"Refused to install '{requested}': its sha256 is {got[0] if got else 'different'}, "
                f"but the plugin index lists {sha256}.",
                f"Nothing was installed. The file changed after the index ({index}) was written, or the "
                "index is wrong; ask its maintainers.",
            ) from None
    for entry in recorded:
        pip("install", f"{entry.package}=={entry.version}")
    return recorded


def uninstall(names: Iterable[str]) -> list[str]:
    """Uninstall plugin packages, named by package or by plugin name; returns the packages removed."""
    installed = plugin_distributions()
    by_plugin = {plugin: package for package, dist in installed.items() for plugin in _plugin_names(dist)}
    packages = []
    for name in names:
        package = canonical(name) if canonical(name) in installed else by_plugin.get(name)
        if package is None:
            raise InstallError(
                f"'{name}' is not an installed plugin or plugin package.",
                "Run 'hub plugins list' to see the plugins and the packages they come from.",
            )
        packages.append(package)
    names = [installed[package].name for package in packages]
    pip("uninstall", "--yes", *packages)
    importlib.invalidate_caches()  # let importlib.metadata see what pip changed
    entries = read_lock()
    for package in packages:
        entries.pop(package, None)
    _write_lock(entries)
    return names


@dataclass(frozen=True)
class FrozenLine:
    """One line of ``hub plugins freeze``; ``pinned`` is False when no hash can pin it."""

    text: str
    pinned: bool = True


def direct_url(dist: metadata.Distribution) -> dict | None:
    text = dist.read_text("direct_url.json")
    return json.loads(text) if text else None


def _file_sha256(url: str) -> str:
    import hashlib

    path = Path(unquote(urlparse(url).path))
    return hashlib.sha256(path.read_bytes()).hexdigest() if url.startswith("file:") and path.is_file() else ""


def freeze_line(dist: metadata.Distribution, entry: LockEntry | None, hashes: bool) -> FrozenLine:
    """The requirement that reinstalls exactly this distribution, with its hash when asked."""
    name, version = dist.name, dist.version
    direct = direct_url(dist)
    recorded = entry.sha256 if entry and entry.version == version else ""
    if direct is None:
        line, sha256 = f"{name}=={version}", recorded
    elif (direct.get("dir_info") or {}).get("editable"):
        return FrozenLine(f"-e {unquote(urlparse(direct['url']).path)}", pinned=False)
    elif "vcs_info" in direct:
        vcs = direct["vcs_info"]
        return FrozenLine(f"{name} @ {vcs['vcs']}+{direct['url']}@{vcs['commit_id']}", pinned=False)
    elif "dir_info" in direct:
        return FrozenLine(f"{name} @ {direct['url']}", pinned=False)
    else:
        archive = direct.get("archive_info") or {}
        sha256 = (archive.get("hashes") or {}).get("sha256") or recorded or _file_sha256(direct["url"])
        line = f"{name} @ {direct['url']}"
    if not hashes:
        return FrozenLine(line)
    if not sha256:
        return FrozenLine(line, pinned=False)
    return FrozenLine(f"{line} --hash=sha256:{sha256}")


def freeze(hashes: bool = False) -> list[FrozenLine]:
    """Requirement lines for every installed plugin package, sorted by name."""
    entries = read_lock()
    return [freeze_line(dist, entries.get(name), hashes) for name, dist in sorted(plugin_distributions().items())]
