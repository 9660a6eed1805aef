"""Real plugin packages written into temporary folders, and a Python environment to pip them into.

The environment is a virtualenv whose ``site-packages`` pulls in this project's own (through a
``.pth`` line that runs ``site.addsitedir``, so the editable installs there work too): ecohub and
its dependencies are importable without copying them, while pip installs into, and uninstalls
from, the temporary environment only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
from dataclasses import dataclass
from pathlib import Path

PROJECT_SITE = sysconfig.get_paths()["purelib"]


def write_package(root: Path, name: str, module: str, version: str = "0.1.0", plugin: str | None = None) -> Path:
    """A one-module plugin package ``ecohub-NAME`` with its ``ecohub`` entry point; returns its folder."""
    package = root / f"ecohub-{name}"
    module_name = f"ecohub_{name.replace('-', '_')}"
    package.mkdir(parents=True)
    (package / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "ecohub-{name}"
        version = "{version}"
        description = "Test plugin {name}"
        dependencies = ["ecohub"]

        [project.entry-points.ecohub]
        {plugin or name} = "{module_name}"

        [tool.setuptools]
        py-modules = ["{module_name}"]
        """))
    (package / f"{module_name}.py").write_text(textwrap.dedent(module))
    return package


def build_wheel(package: Path, out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(out), str(package)], check=True, capture_output=True)
    return next(out.glob(f"{package.name.replace('-', '_')}-*.whl"))


@dataclass
class HubEnvironment:
    """A virtualenv that sees the project's packages, with a hub config folder of its own."""

    root: Path

    @property
    def python(self) -> str:
        return str(self.root / "venv" / "bin" / "python")

    @property
    def env(self) -> dict[str, str]:
        # Offline and without build isolation: everything a test package needs is installed already.
        return {**os.environ, "HUB_CONFIG_DIR": str(self.root / "config"), "PIP_NO_INDEX": "1",
                "PIP_NO_BUILD_ISOLATION": "0", "PYTHONPATH": ""}

    def hub(self, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess:
        result = subprocess.run([self.python, "-m", "hub", *args], capture_output=True, text=True,
                                env={**self.env, **env}, cwd=self.root)
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def plugins(self, **env: str) -> dict[str, dict]:
        return {p["name"]: p for p in json.loads(self.hub("plugins", "list", "--json", **env).stdout)}


def hub_environment(root: Path) -> HubEnvironment:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    site = subprocess.run([str(root / "venv" / "bin" / "python"), "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "ecohub-project.pth").write_text(f"import site; site.addsitedir({PROJECT_SITE!r})\n")
    return HubEnvironment(root)
