"""hub.testing, the authoring kit: its fixtures, and the contract tests run the way an author runs them."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from click.testing import CliRunner

from hub import hookimpl
from hub.cli import cli
from hub.plugins.selection import config_dir
from hub.specs import DatasetSpec

GOOD_PLUGIN = '''
from hub import hookimpl
from hub.specs import DatasetSpec, EvaluatorSpec

HUB_PLUGIN_API = ">=1,<2"


def load():
    from hub.testing import sample_frame

    return sample_frame()


@hookimpl
def hub_datasets():
    return [DatasetSpec(name="kit-loans", description="Loans", load=load, target="approved", positive_label="yes",
                        license="cc0-1.0", sensitive_features=("sex",))]


@hookimpl
def hub_evaluators():
    return [EvaluatorSpec(name="kit-rate", kind="summary", description="Share positive",
                          evaluate=lambda inputs: {"rate": float(inputs.y_pred.mean())},
                          summarize=lambda report: f"{report['rate']:.0%}")]
'''

BAD_PLUGIN = '''
import pandas
from hub import hookimpl
from hub.specs import DatasetSpec, EvaluatorSpec


@hookimpl
def hub_datasets():
    frame = pandas.DataFrame({"income": [1, 2], "approved": ["yes", "no"]})
    return [DatasetSpec(name="kit-bad", description="Loans", load=lambda: frame, target="approved",
                        positive_label="yes", license="cc0-1.0", sensitive_features=("sex",))]


@hookimpl
def hub_evaluators():
    return [EvaluatorSpec(name="kit-nan", kind="summary", description="NaN", evaluate=lambda inputs: {"x": float("nan")},
                          summarize=str)]
'''

AUTHOR_TESTS = '''
import {module}
from hub.testing import PluginContract


class TestContract(PluginContract):
    plugin = {module}
    name = "kit"
'''


def run_pytest(tmp_path, module: str, source: str) -> subprocess.CompletedProcess:
    """An author's folder: their plugin module and a test file, run by pytest with no conftest."""
    folder = tmp_path / module
    folder.mkdir()
    (folder / f"{module}.py").write_text(textwrap.dedent(source))
    (folder / f"test_{module}.py").write_text(AUTHOR_TESTS.format(module=module))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(folder)],
                          cwd=folder, capture_output=True, text=True, env={"PYTHONPATH": str(folder), "PATH": ""})


def test_contract_passes_for_a_well_made_plugin(tmp_path):
    result = run_pytest(tmp_path, "kit_good", GOOD_PLUGIN)

    assert result.returncode == 0, result.stdout + result.stderr
    # A dataset-and-evaluator plugin: the model-type and command checks do not apply to it.
    assert "4 passed, 2 deselected" in result.stdout


def test_contract_names_what_a_badly_made_plugin_gets_wrong(tmp_path):
    result = run_pytest(tmp_path, "kit_bad", BAD_PLUGIN)

    assert result.returncode == 1
    assert "declare the plugin API range you support" in result.stdout
    assert "import heavy libraries inside the callables that use them" in result.stdout
    assert "kit-bad lacks {'sex'}" in result.stdout
    assert "ValueError: Out of range float values are not JSON compliant" in result.stdout


def test_hub_config_points_at_a_folder_of_the_test_session():
    assert config_dir().name.startswith("hub-test-config-")


class Toy:
    @hookimpl
    def hub_datasets(self):
        return [DatasetSpec(name="toy", description="Toy rows", load=lambda: None, target="y", positive_label=1,
                            license="cc0-1.0")]


def test_hub_plugins_starts_empty_and_takes_plugin_objects(hub_plugins):
    hub_plugins.register(Toy(), "toy")

    assert list(hub_plugins.infos) == ["toy"]
    assert hub_plugins.get("datasets", "toy").plugin == "toy"


def test_hub_registry_is_empty_and_wired_to_hub_plugins(hub_registry, hub_plugins):
    assert hub_registry.list_models() == []
    assert hub_registry.hooks.plugins is hub_plugins


def test_register_plugin_shows_a_plugin_to_the_command_line_for_one_test(register_plugin):
    register_plugin(Toy(), "toy")

    result = CliRunner().invoke(cli, ["datasets", "list", "--json"])

    assert '"name": "toy"' in result.stdout and '"name": "german-credit"' in result.stdout


def test_hub_config_dir_is_fresh_for_one_test(hub_config_dir):
    from hub.plugins.selection import disabled_plugins, set_disabled

    set_disabled("shap", True)

    assert disabled_plugins() == {"shap"}
    assert (hub_config_dir / "config.json").exists()
