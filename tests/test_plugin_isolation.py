"""A plugin cannot hang a command or corrupt its output (security issue, finding 8).

Real packages pip-installed into a throwaway environment, and the real ``hub`` in a subprocess: a
plugin that sleeps at import or in a listing hook, and one that prints at import, in a hook and
inside the model it provides.
"""

from __future__ import annotations

import json
import time

import pytest

from plugin_samples.packages import hub_environment, write_package

LIMIT = "2"

SLEEPY_IMPORT = "import time\ntime.sleep(600)\n"

SLEEPY_HOOK = '''
import time
from hub import hookimpl

@hookimpl
def hub_models():
    time.sleep(600)
    return []
'''

CHATTY = '''
import sys
from hub import hookimpl
from hub.specs import DatasetSpec

print("chatty: hello from import")

def load():
    print("chatty: loading")
    import pandas as pd
    return pd.DataFrame({"x": [1, 2, 3, 4], "y": ["a", "b", "a", "b"]})

@hookimpl
def hub_datasets():
    print("chatty: listing datasets")
    sys.stdout.write("chatty: writing directly\\n")
    return [DatasetSpec(name="chatter", description="Noise", load=load, target="y",
                        positive_label="a", license="cc0-1.0")]
'''


@pytest.fixture(scope="module")
def isolated(tmp_path_factory):
    env = hub_environment(tmp_path_factory.mktemp("isolation"))
    root = tmp_path_factory.mktemp("isolation-packages")
    packages = [write_package(root, name, module) for name, module in
                {"sleepy-import": SLEEPY_IMPORT, "sleepy-hook": SLEEPY_HOOK, "chatty": CHATTY}.items()]
    env.hub("plugins", "install", *map(str, packages), HUB_PLUGIN_TIMEOUT=LIMIT)
    return env


def test_a_plugin_that_hangs_at_import_or_in_a_hook_is_reported_and_the_command_goes_on(isolated):
    started = time.monotonic()
    plugins = isolated.plugins(HUB_PLUGIN_TIMEOUT=LIMIT)
    elapsed = time.monotonic() - started

    assert plugins["sleepy-import"]["status"] == "failed"
    assert plugins["sleepy-import"]["errors"] == [f"importing ecohub_sleepy_import did not finish within {LIMIT} s "
                                                  "(HUB_PLUGIN_TIMEOUT)"]
    assert plugins["sleepy-hook"]["status"] == "failed"
    assert plugins["sleepy-hook"]["errors"] == [f"hub_models did not finish within {LIMIT} s (HUB_PLUGIN_TIMEOUT)"]
    assert plugins["datasets"]["status"] == "ok"
    assert elapsed < 30


def test_help_answers_despite_a_plugin_that_never_finishes_importing(isolated):
    result = isolated.hub("--help", HUB_PLUGIN_TIMEOUT=LIMIT)

    assert "Commands:" in result.stdout


def test_plugin_output_never_reaches_stdout(isolated):
    result = isolated.hub("datasets", "list", "--json", HUB_PLUGIN_TIMEOUT=LIMIT)

    names = {dataset["name"] for dataset in json.loads(result.stdout)}
    assert "chatter" in names and "german-credit" in names
    assert "chatty: hello from import" in result.stderr
    assert "chatty: listing datasets" in result.stderr and "chatty: writing directly" in result.stderr


def test_a_bad_time_limit_is_a_clear_error(isolated):
    result = isolated.hub("plugins", "list", check=False, HUB_PLUGIN_TIMEOUT="soon")

    assert result.returncode == 1
    assert "HUB_PLUGIN_TIMEOUT='soon' is not a number of seconds." in result.stderr
