"""``hub plugins new``: every kind of package installs with ``hub plugins install -e`` and passes its tests."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from plugin_samples.packages import hub_environment

KINDS = {
    "dataset": ("ready-data", {"dataset": ["ready-data"]}),
    "model": ("ready-model", {"model type": ["ready-model"]}),
    "trainer": ("ready-trainer", {"model type": ["ready-trainer-centroid"], "trainer": ["ready-trainer"]}),
    "evaluator": ("ready-evaluator", {"evaluator": ["ready-evaluator"]}),
}


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory):
    """One package of each kind, created by 'hub plugins new' and installed with 'hub plugins install -e'."""
    environment = hub_environment(tmp_path_factory.mktemp("scaffold"))
    for kind, (name, _) in KINDS.items():
        environment.hub("plugins", "new", name, "--kind", kind, "--directory", str(environment.root / "src"))
    folders = [str(environment.root / "src" / f"ecohub-{name}") for name, _ in KINDS.values()]
    environment.hub("plugins", "install", "-e", *folders)
    return environment


def test_new_package_holds_an_entry_point_an_example_a_test_and_a_readme(scaffolded):
    root = scaffolded.root / "src" / "ecohub-ready-data"

    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and "egg-info" not in str(p)) == [
        "README.md", "ecohub_ready_data/__init__.py", "ecohub_ready_data/data/rows.csv", "pyproject.toml",
        "tests/test_ecohub_ready_data.py"]
    assert '[tool.setuptools.package-data]\necohub_ready_data = ["data/*"]' in (root / "pyproject.toml").read_text()
    assert '[project.entry-points.ecohub]\nready-data = "ecohub_ready_data"' in (root / "pyproject.toml").read_text()
    assert 'HUB_PLUGIN_API = ">=1,<2"' in (root / "ecohub_ready_data" / "__init__.py").read_text()


def test_installed_packages_load_and_provide_their_examples(scaffolded):
    plugins = scaffolded.plugins()

    for name, provides in KINDS.values():
        assert (plugins[name]["status"], plugins[name]["provides"]) == ("ok", provides)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_package_tests_pass_inside_it(scaffolded, kind):
    root = scaffolded.root / "src" / f"ecohub-{KINDS[kind][0]}"

    result = subprocess.run([scaffolded.python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=root,
                            capture_output=True, text=True, env=scaffolded.env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout


@pytest.mark.slow
def test_the_package_test_fails_when_the_wheel_would_leave_its_data_out(scaffolded, tmp_path):
    """What an editable install hides: without package-data the wheel has no rows.csv, and the test says so."""
    root = tmp_path / "ecohub-ready-data"
    shutil.copytree(scaffolded.root / "src" / "ecohub-ready-data", root,
                    ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('ecohub_ready_data = ["data/*"]', ""))

    result = subprocess.run([scaffolded.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "wheel"],
                            cwd=root, capture_output=True, text=True, env=scaffolded.env)

    assert result.returncode == 1
    assert "add these to [tool.setuptools.package-data]" in result.stdout
    assert "ecohub_ready_data/data/rows.csv" in result.stdout


def test_new_refuses_a_name_that_cannot_be_a_package(scaffolded):
    result = scaffolded.hub("plugins", "new", "My Plugin", check=False)

    assert result.returncode == 1
    assert "'My Plugin' is not a valid plugin name." in result.stderr
