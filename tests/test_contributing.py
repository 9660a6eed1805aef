"""The example plugin in CONTRIBUTING.md installs with real pip and shows up in the hub."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

CONTRIBUTING = Path(__file__).resolve().parents[1] / "CONTRIBUTING.md"
FILE_BLOCK = re.compile(r"^`(?P<name>[\w.]+)`:\n\n```\w*\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def installed_example(tmp_path_factory):
    """The example package written out from CONTRIBUTING.md and pip-installed into its own folder."""
    root = tmp_path_factory.mktemp("contributing")
    package = root / "ecohub-breast-cancer"
    package.mkdir()
    files = {match["name"]: match["body"] for match in FILE_BLOCK.finditer(CONTRIBUTING.read_text())}
    assert set(files) == {"pyproject.toml", "ecohub_breast_cancer.py", "test_ecohub_breast_cancer.py"}
    for name, body in files.items():
        (package / name).write_text(body)
    site = root / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(site), str(package)],
        check=True, capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    return package, env


def hub(env, *args):
    result = subprocess.run([sys.executable, "-m", "hub", *args], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_example_plugin_is_listed_and_provides_its_dataset(installed_example):
    _, env = installed_example
    plugins = {p["name"]: p for p in json.loads(hub(env, "plugins", "list", "--json"))}
    assert plugins["breast-cancer"]["status"] == "ok"
    assert plugins["breast-cancer"]["package"] == "ecohub-breast-cancer"
    datasets = {d["name"]: d for d in json.loads(hub(env, "datasets", "list", "--json"))}
    assert datasets["breast-cancer"]["plugin"] == "breast-cancer"


def test_example_plugin_test_passes(installed_example):
    package, env = installed_example
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package)],
        env=env, cwd=package, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_example_dataset_trains_through_the_hub(installed_example, tmp_path):
    _, env = installed_example
    registry = ["--registry", f"sqlite:///{tmp_path / 'registry.db'}"]
    hub(env, *registry, "train", "--dataset", "breast-cancer", "--model", "logistic-regression",
        "--register", "tumours")
    version = json.loads(hub(env, *registry, "models", "show", "tumours", "--json"))["versions"][0]
    assert version["license"] == "cc-by-4.0"
    assert version["metrics"]["test"]["roc_auc"] > 0.95
