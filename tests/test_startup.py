"""Start-up stays light: the commands people run most import no heavy library."""

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "transformers", "shap", "fairlearn", "sklearn", "streamlit", "pandas")

PROBE = """
import json, sys
from hub.cli import cli
try:
    cli(args=sys.argv[1:], prog_name="hub")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["plugins", "list"], ["plugins", "list", "--json"],
                                  ["plugins", "info", "review"], ["review", "--help"]])
def test_command_imports_no_heavy_library(args):
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        capture_output=True, text=True, check=True,
    )
    imported = json.loads(result.stderr.strip().splitlines()[-1])
    assert imported == []


def test_plugins_list_sees_the_first_party_plugins():
    result = subprocess.run(
        [sys.executable, "-m", "hub", "plugins", "list", "--json"], capture_output=True, text=True, check=True
    )
    plugins = {plugin["name"]: plugin for plugin in json.loads(result.stdout)}
    assert {"datasets", "sklearn", "shap", "fairlearn", "review"} <= set(plugins)
    assert all(plugin["status"] == "ok" for plugin in plugins.values())
    assert plugins["datasets"]["provides"]["dataset"] == ["german-credit", "adult", "compas", "sms-spam",
                                                          "mlma-hate-speech", "mlma-hostility"]


def test_help_lists_the_commands_plugins_add():
    result = subprocess.run([sys.executable, "-m", "hub", "--help"], capture_output=True, text=True, check=True)
    listed = result.stdout.split("Commands from plugins:")[1]
    assert "review" in listed and "[plugin review]" in listed
