"""Every hookspec is documented, exemplified, implemented in-tree and tested, so none can drift.

For each hook: a ``### hub_...`` heading in ``docs/plugins.md``, a docstring whose example defines
a valid implementation of it, an implementation in a first-party plugin, and a test named
``test_hook_<hook>``.
"""

from __future__ import annotations

import inspect
import re
import textwrap
import types
from pathlib import Path

import pytest

from hub.plugins import hookspecs
from hub.plugins.manager import EVENTS, PROVISIONS, _new_manager, validation_problems

ROOT = Path(__file__).resolve().parents[1]
HOOKS = sorted(name for name, value in vars(hookspecs).items()
               if name.startswith("hub_") and inspect.isfunction(value))
DOCS = (ROOT / "docs" / "plugins.md").read_text()
FIRST_PARTY_SOURCES = [p for p in ROOT.glob("plugins/*/*/**/*.py") if "tests" not in p.parts]
TEST_SOURCES = [*ROOT.glob("tests/**/*.py"), *ROOT.glob("plugins/*/tests/*.py")]


def example_of(hook: str) -> str:
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    _, found, example = doc.partition("Example::\n")
    assert found, f"{hook}'s docstring has no 'Example::' block"
    return textwrap.dedent(example)


def test_every_hook_is_either_a_provider_or_an_event():
    assert sorted([p.hook for p in PROVISIONS.values()] + list(EVENTS)) == HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_heading_in_the_docs(hook):
    assert re.search(rf"^### {hook}$", DOCS, re.MULTILINE), f"docs/plugins.md needs a '### {hook}' section"


def test_docs_describe_no_hook_that_does_not_exist():
    assert sorted(re.findall(r"^### (hub_\w+)$", DOCS, re.MULTILINE)) == HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_example_is_a_valid_implementation(hook):
    module = types.ModuleType(f"example_{hook}")
    exec(compile(example_of(hook), f"<{hook} example>", "exec"), module.__dict__)

    assert isinstance(getattr(module, hook, None), types.FunctionType), f"the example must define {hook}()"
    assert validation_problems(_new_manager(), module) == []


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_an_in_tree_implementation(hook):
    implementing = [p for p in FIRST_PARTY_SOURCES if re.search(rf"def {hook}\(", p.read_text())]
    assert implementing, f"no first-party plugin in plugins/ implements {hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test_named_after_it(hook):
    tested = [p for p in TEST_SOURCES if re.search(rf"def test_hook_{hook}\b", p.read_text())]
    assert tested, f"add a test named test_hook_{hook}"
