"""The plugin catalog: a JSON index of plugins that ``hub plugins search`` and ``install`` read.

The index is one JSON document (its schema is in ``docs/plugins.md``). ecohub ships
``plugins/index.json``, listing the first-party plugins; ``HUB_PLUGIN_INDEX`` names another, a path
or an http(s) URL, such as an organisation's own. Installing a plugin by its catalog name installs
the distribution the index lists only if its sha256 is the one the index lists.

``python -m hub.plugins.catalog plugins/ecohub-*`` rebuilds the shipped index: it builds each
plugin's wheel reproducibly (see :func:`build_wheel`) into ``plugins/dist/``, hashes it, and loads
the wheel in a fresh interpreter to record the hooks it implements and the names it provides.
``hub plugins publish`` (:func:`publish`) does the same for one plugin author's package, and
also checks the wheel ships every file of the package and passes the plugin contract installed in
a clean environment, before printing the entry to add to an index.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from email.parser import HeaderParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

from hub.errors import HubError

FORMAT = "ecohub-plugin-index/1"
REPO_INDEX = Path(__file__).resolve().parents[2] / "plugins" / "index.json"
SOURCE_DATE_EPOCH = "315532800"
"""1980-01-01, the earliest time a zip file can record: every file in a rebuilt wheel carries it."""


class PluginIndexError(HubError):
    """The plugin index cannot be read, or says something it should not."""


@dataclass(frozen=True)
class IndexEntry:
    """One plugin in the index. ``pip`` is a requirement, URL or path (relative to the index)."""

    name: str
    package: str
    version: str
    summary: str
    pip: str
    sha256: str
    hooks: list[str] = field(default_factory=list)
    provides: dict[str, list[str]] = field(default_factory=dict)
    homepage: str = ""
    license: str = ""
    plugin_api: str = ""
    verified: bool = False

    def matches(self, term: str) -> bool:
        term = term.lower()
        words = [self.name, self.package, self.summary, *self.hooks, *self.provides,
                 *(name for names in self.provides.values() for name in names)]
        return any(term in word.lower() for word in words)


REQUIRED = ("name", "package", "version", "summary", "pip", "sha256")


@dataclass(frozen=True)
class PluginIndex:
    location: str
    entries: list[IndexEntry]

    def search(self, term: str) -> list[IndexEntry]:
        return [entry for entry in self.entries if entry.matches(term)]

    def find(self, name: str) -> IndexEntry | None:
        """The entry with this plugin or package name."""
        from hub.plugins.installer import canonical

        for entry in self.entries:
            if name == entry.name or canonical(name) == canonical(entry.package):
                return entry
        return None

    def requirement(self, entry: IndexEntry) -> str:
        """What to hand pip: a relative path in the index is read relative to the index itself."""
        target = entry.pip
        if "://" in target or " @ " in target or not target.endswith((".whl", ".tar.gz", ".zip")):
            return target
        if "://" in self.location:
            return urljoin(self.location, target)
        return str((Path(self.location).parent / target).resolve())


def index_location() -> str:
    return os.environ.get("HUB_PLUGIN_INDEX") or str(REPO_INDEX)


def _read(location: str) -> str:
    if urlparse(location).scheme in ("http", "https"):
        from urllib.request import urlopen

        with urlopen(location, timeout=30) as response:
            return response.read().decode()
    return Path(location.removeprefix("file://")).read_text()


def load_index(location: str | None = None) -> PluginIndex:
    """Read and check an index; errors name the entry and the field that is wrong."""
    location = location or index_location()
    hint = "Point HUB_PLUGIN_INDEX at a path or http(s) URL of a plugin index (see docs/plugins.md)."
    try:
        document = json.loads(_read(location))
    except (OSError, ValueError) as error:
        raise PluginIndexError(f"Cannot read the plugin index {location}: {error}.", hint) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PluginIndexError(f"{location} is not a plugin index: its \"format\" is not \"{FORMAT}\".", hint)
    entries = []
    for position, raw in enumerate(document.get("plugins", [])):
        missing = [key for key in REQUIRED if not isinstance(raw, dict) or not raw.get(key)]
        if missing:
            raise PluginIndexError(f"Plugin {position + 1} in {location} lacks {', '.join(missing)}.", hint)
        known = {key: value for key, value in raw.items() if key in IndexEntry.__dataclass_fields__}
        entries.append(IndexEntry(**known))
    return PluginIndex(location, entries)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as reader:
        while chunk := reader.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def build_wheel(source: Path, dist_dir: Path) -> Path:
    """Build a plugin's wheel so that the same sources give the same bytes, hence the same sha256.

    The sources are copied without build leftovers and with ordinary permissions, and every file
    in the wheel is dated ``SOURCE_DATE_EPOCH``. The bytes still depend on the setuptools version
    (it writes its name into the wheel), which the index records as ``built_with``.
    """
    dist_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hub-wheel-") as workdir:
        copy = Path(workdir) / source.name
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns(
            "build", "dist", "*.egg-info", "__pycache__", "*.pyc", ".pytest_cache"))
        for path in copy.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        out = Path(workdir) / "out"
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
             "--wheel-dir", str(out), str(copy)],
            check=True, capture_output=True, env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH},
        )
        (wheel,) = out.glob("*.whl")
        return Path(shutil.copy2(wheel, dist_dir / wheel.name))


DESCRIBE = """
import json, sys
from importlib import metadata
from hub.plugins.selection import Selection
from hub.plugins.manager import load_plugins
dist = metadata.Distribution.at(sys.argv[1])
points = [ep for ep in dist.entry_points if ep.group == "ecohub"]
plugins = load_plugins(entry_points=points, selection=Selection())
print(json.dumps([info.as_dict() for info in plugins.infos.values()]))
"""


def describe_wheel(wheel: Path) -> dict:
    """An index entry for a wheel: its metadata, sha256, and what its plugin loads as."""
    with zipfile.ZipFile(wheel) as archive:
        info_dir = next(name.split("/")[0] for name in archive.namelist() if name.split("/")[0].endswith(".dist-info"))
        meta = HeaderParser().parsestr(archive.read(f"{info_dir}/METADATA").decode())
    with tempfile.TemporaryDirectory(prefix="hub-describe-") as workdir:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(workdir)
        result = subprocess.run(
            [sys.executable, "-c", DESCRIBE, str(Path(workdir) / info_dir)], capture_output=True, text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([workdir, os.environ.get("PYTHONPATH", "")]),
                 "HUB_STRICT_PLUGINS": "1"},
        )
    if result.returncode != 0:
        raise PluginIndexError(f"The plugin in {wheel.name} does not load:\n{result.stderr.strip()}")
    (plugin,) = json.loads(result.stdout)
    urls = dict(url.split(", ", 1) for url in meta.get_all("Project-URL") or [] if ", " in url)
    return asdict(IndexEntry(
        name=plugin["name"], package=meta["Name"], version=meta["Version"], summary=meta["Summary"] or "",
        pip=f"dist/{wheel.name}", sha256=sha256_of(wheel), hooks=plugin["hooks"], provides=plugin["provides"],
        homepage=urls.get("Homepage", meta.get("Home-page") or ""), license=meta.get("License-Expression") or "",
        plugin_api=plugin["plugin_api"], verified=True,
    ))


CONTRACT_TEST = """
import importlib
import os

from hub.testing import PluginContract

under_test = importlib.import_module({module!r})
WHEEL_SITE = os.path.realpath({site!r})
assert os.path.realpath(under_test.__file__).startswith(WHEEL_SITE), (
    f"{module} was imported from {{under_test.__file__}}, not from the wheel installed in {{WHEEL_SITE}}")


class TestContract(PluginContract):
    plugin = under_test
    name = {name!r}
"""


def publish(source: Path, dist_dir: Path, *, pip: str | None = None) -> tuple[dict, Path]:
    """Build a plugin's wheel, check it ships every file of its package and passes the plugin
    contract installed in a clean environment; return its index entry and the wheel.

    The checks run on the wheel, not the source folder: an editable install reads the folder, so a
    data file the wheel leaves out goes unnoticed until someone installs the published plugin.
    ``pip`` is what the entry tells pip to install (default ``package==version``, as after an upload
    to PyPI); the entry is unverified until an index's maintainers review the release.
    """
    source = Path(source).resolve()
    if not (source / "pyproject.toml").is_file():
        raise PluginIndexError(f"{source} has no pyproject.toml, so it is not a plugin package.",
                               "Name the folder 'hub plugins new' created, or one like it.")
    try:
        wheel = build_wheel(source, Path(dist_dir))
    except subprocess.CalledProcessError as error:
        raise PluginIndexError(f"The wheel of {source.name} does not build:\n{_tail(error.stderr)}",
                               "Fix pyproject.toml until 'pip wheel --no-deps --no-build-isolation .' succeeds.") \
            from None
    entry = describe_wheel(wheel)
    if not entry["license"]:
        raise PluginIndexError(f"{source.name} states no license, so nobody may safely install it from a catalog.",
                               'Add license = "SPDX-ID" (such as "Apache-2.0") under [project] in pyproject.toml.')
    modules = _entry_point_modules(wheel)
    left_out = _left_out(source, wheel, modules)
    if left_out:
        raise PluginIndexError(
            f"The wheel {wheel.name} leaves out files of the package: {', '.join(left_out[:10])}.",
            "List them under [tool.setuptools.package-data] in pyproject.toml (for example "
            f"{modules[0].split('.')[0]} = [\"data/*\"]), then publish again.")
    check_contract(wheel, modules[0], entry["name"])
    return {**entry, "pip": pip or f"{entry['package']}=={entry['version']}", "verified": False}, wheel


def _tail(text: bytes | str | None, lines: int = 20) -> str:
    text = text.decode(errors="replace") if isinstance(text, bytes) else (text or "")
    return "\n".join(text.strip().splitlines()[-lines:])


def _entry_point_modules(wheel: Path) -> list[str]:
    """The modules a wheel's ``ecohub`` entry points name."""
    from configparser import ConfigParser

    with zipfile.ZipFile(wheel) as archive:
        name = next((item for item in archive.namelist() if item.endswith(".dist-info/entry_points.txt")), None)
        text = archive.read(name).decode() if name else ""
    parser = ConfigParser(delimiters=("=",))
    parser.optionxform = str
    parser.read_string(text)
    if not parser.has_section("ecohub"):
        raise PluginIndexError(f"{wheel.name} declares no entry point in the 'ecohub' group, so ecohub never loads it.",
                               "Add [project.entry-points.ecohub] NAME = \"your_module\" to pyproject.toml.")
    return [value.strip().split(":")[0] for _, value in parser.items("ecohub")]


def _left_out(source: Path, wheel: Path, modules: list[str]) -> list[str]:
    """Files of the entry points' packages in the source folder (``src/`` layout too) that the wheel lacks."""
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    missing = []
    for top in sorted({module.split(".")[0] for module in modules}):
        folder = next((base / top for base in (source, source / "src") if (base / top).is_dir()), None)
        if folder is None:
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                name = path.relative_to(folder.parent).as_posix()
                if name not in shipped:
                    missing.append(name)
    return missing


def check_contract(wheel: Path, module: str, name: str) -> None:
    """Run :class:`hub.testing.PluginContract` on ``wheel`` installed alone in a fresh virtualenv.

    The environment sees ecohub and the plugins installed beside it (the contract trains with
    them), through a ``.pth`` line, but the plugin under test only as the wheel installed there:
    the test refuses to run if the module was imported from anywhere else, such as an editable
    install of its source folder.
    """
    import sysconfig

    with tempfile.TemporaryDirectory(prefix="hub-publish-") as workdir:
        root = Path(workdir)
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True,
                       capture_output=True)
        python = str(root / "venv" / "bin" / "python")
        site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
        Path(site, "ecohub-host.pth").write_text(
            f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
        env = {**os.environ, "PIP_NO_INDEX": "1", "PYTHONPATH": "", "HUB_CONFIG_DIR": str(root / "config")}
        installed = subprocess.run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet",
                                    "--no-deps", "--no-index", str(wheel)], capture_output=True, text=True, env=env)
        if installed.returncode != 0:
            raise PluginIndexError(f"{wheel.name} does not install:\n{_tail(installed.stderr)}")
        test = root / "tests" / "test_published_contract.py"
        test.parent.mkdir()
        test.write_text(CONTRACT_TEST.format(module=module, site=site, name=name))
        result = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(root),
                                 str(test)], capture_output=True, text=True, env=env, cwd=root)
    if result.returncode != 0:
        raise PluginIndexError(f"The plugin contract fails on the built wheel {wheel.name}:\n{_tail(result.stdout)}",
                               "Run 'python -m pytest' in the package with the wheel installed, fix what fails, "
                               "then publish again.")


def build_index(sources: list[Path], out: Path) -> dict:
    """Build each plugin's wheel next to the index, then write the index listing them."""
    from importlib.metadata import version

    entries = [describe_wheel(build_wheel(source, out.parent / "dist")) for source in sources]
    document = {"format": FORMAT, "built_with": f"setuptools {version('setuptools')}",
                "plugins": sorted(entries, key=lambda entry: entry["name"])}
    out.write_text(json.dumps(document, indent=2) + "\n")
    return document


if __name__ == "__main__":
    build_index([Path(arg) for arg in sys.argv[1:]], REPO_INDEX)
