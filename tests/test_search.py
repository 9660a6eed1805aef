"""Searching the registry: the filter language, lineage filters, and keyset pages, on both databases."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from hub.errors import InvalidNameError
from hub.registry import DatasetUse, Parent
from hub.registry import search
from hub.registry.filters import Both, Filter, SearchSyntaxError, parse


@pytest.fixture
def zoo(registry, weights):
    """A small family of models: a base, its fine-tunes and their descendants, and a few strangers."""

    def add(name, license="apache-2.0", **fields):
        return registry.register_version(name, files=weights, license=license, **fields)

    add("acme/base", tags={"team": "nlp", "size": "7b"}, task="text-generation", framework="transformers")
    add("acme/base", tags={"team": "nlp", "size": "8b"}, task="text-generation", framework="transformers")
    add("acme/chat", lineage=[Parent("acme/base:1")], tags={"team": "chat"}, task="text-generation",
        framework="transformers")
    add("acme/chat-q4", lineage=[Parent("acme/chat", relation="quantized")], framework="gguf")
    add("acme/chat-q4-lora", lineage=[Parent("acme/chat-q4", relation="adapter")], framework="peft")
    add("acme/coder", license="bigcode-openrail-m", lineage=[Parent("acme/base:2")], tags={"team": "code"})
    add("beta/llama-ft", license="llama3.1",
        lineage=[Parent("hf:meta-llama/Llama-3.1-8B@0e9e39f", license="llama3.1")], tags={"team": "nlp"})
    add("credit-risk", license="cc-by-4.0", task="tabular-classification", framework="sklearn",
        datasets=[DatasetUse("german-credit", "datasets", "cc-by-4.0", "train", 1000, "a" * 64)])
    add("credit-risk", license="cc-by-4.0", task="tabular-classification", framework="sklearn",
        lineage=[Parent("hf:datasets/acme/loans@1f2e", kind="dataset", relation="trained_on", license="cc-by-4.0")])
    return registry


def names(registry, expression: str) -> list[str]:
    return [model.name for model in registry.search(expression).models]


@pytest.mark.parametrize("expression, expected", [
    ("", ["credit-risk", "acme/base", "acme/chat", "acme/chat-q4", "acme/chat-q4-lora", "acme/coder",
          "beta/llama-ft"]),
    ("name:acme/chat*", ["acme/chat", "acme/chat-q4", "acme/chat-q4-lora"]),
    ("name:chat-q?", ["acme/chat-q4"]),
    ("name:*/*-ft", ["beta/llama-ft"]),
    ("name:credit-risk", ["credit-risk"]),
    ("name:CREDIT*", []),
    ("tag:team=nlp", ["acme/base", "beta/llama-ft"]),
    ("tag:size", ["acme/base"]),
    ("license:mit", []),
    ("license:llama3.1", ["beta/llama-ft"]),
    ("license:bigcode-openrail-m", ["acme/coder"]),
    ("task:text-generation", ["acme/base", "acme/chat"]),
    ("framework:gguf", ["acme/chat-q4"]),
    ("dataset:german-credit", ["credit-risk"]),
    ("dataset:hf:datasets/acme/loans", ["credit-risk"]),
    ("dataset:hf:datasets/acme/loans@1f2e", ["credit-risk"]),
    ("base:acme/base", ["acme/chat", "acme/coder"]),
    ("base:acme/base:2", ["acme/coder"]),
    ("base:hf:meta-llama/Llama-3.1-8B", ["beta/llama-ft"]),
    ("ancestor:acme/base", ["acme/chat", "acme/chat-q4", "acme/chat-q4-lora", "acme/coder"]),
    ("ancestor:acme/base:1", ["acme/chat", "acme/chat-q4", "acme/chat-q4-lora"]),
    ("ancestor:acme/chat", ["acme/chat-q4", "acme/chat-q4-lora"]),
    ("ancestor:hf:meta-llama/Llama-3.1-8B", ["beta/llama-ft"]),
    ("tag:team=nlp OR framework:peft", ["acme/base", "acme/chat-q4-lora", "beta/llama-ft"]),
    ("tag:team=nlp AND name:beta/*", ["beta/llama-ft"]),
    ("tag:team=nlp name:beta/*", ["beta/llama-ft"]),
    ("name:acme/* AND (tag:team=code OR framework:gguf)", ["acme/chat-q4", "acme/coder"]),
    ("framework:peft OR tag:team=code AND license:bigcode-openrail-m", ["acme/chat-q4-lora", "acme/coder"]),
    ("ancestor:acme/base AND NOT_A_FILTER:x", None),
], ids=lambda value: value if isinstance(value, str) else None)
def test_filters(zoo, expression, expected):
    if expected is None:
        with pytest.raises(SearchSyntaxError):
            names(zoo, expression)
        return
    assert names(zoo, expression) == expected


def test_one_version_must_satisfy_the_whole_expression(zoo, registry, weights):
    # acme/base:1 has size=7b and acme/base:2 has size=8b; no single version has both.
    registry.register_version("acme/dual", files=weights, license="mit")
    registry.register_version("acme/dual", files=weights, license="cc-by-4.0")

    assert names(zoo, "tag:size=7b AND tag:size=8b") == []
    assert names(zoo, "tag:size=7b OR tag:size=8b") == ["acme/base"]
    assert names(zoo, "tag:size=7b AND name:acme/*") == ["acme/base"]
    assert names(zoo, "license:'mit AND cc-by-4.0'".replace("'", '"')) == []
    assert names(zoo, "license:mit OR license:cc-by-4.0") == ["credit-risk", "acme/dual"]


def test_created_time_compares_in_utc(zoo):
    now = datetime.now(timezone.utc)
    later = (now + timedelta(days=1)).date().isoformat()

    assert names(zoo, f"created>={later}") == []
    assert len(names(zoo, f"created<{later}")) == 7
    assert names(zoo, f"created>{(now - timedelta(hours=1)).isoformat()} AND name:credit*") == ["credit-risk"]


def test_results_carry_the_latest_version_and_the_aliases(zoo):
    zoo.set_alias("acme/base", "staging", 1)
    zoo.set_alias("acme/base", "canary", 2)

    (base,) = zoo.search("name:acme/base").models

    assert (base.version_count, base.latest.version, base.latest.tags) == (2, 2, {"team": "nlp", "size": "8b"})
    assert base.aliases == {"canary": 2, "staging": 1}
    assert base.latest.aliases == ["canary"]


def test_pages_follow_each_other_without_gaps_or_repeats(zoo):
    seen, cursor, pages = [], None, 0
    while True:
        page = zoo.search("", limit=3, after=cursor)
        seen += [model.name for model in page.models]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert seen == names(zoo, "") and pages == 3


def test_a_page_that_ends_exactly_has_no_next_cursor(zoo):
    assert zoo.search("name:acme/chat*", limit=3).next_cursor is None


def test_a_bad_cursor_is_named(zoo):
    with pytest.raises(Exception, match="not a cursor"):
        zoo.search("", after="not a/valid/cursor")


@pytest.mark.parametrize("expression, message", [
    ("colour:red", "Unknown search field 'colour'"),
    ("(tag:team=nlp", "never closed"),
    ("tag:team=nlp)", "Unexpected ')'"),
    ("tag:team=nlp OR", "ends where a filter was expected"),
    ("fast", "'fast' is not a filter"),
    ("created:2025-01-01", "'created' compares"),
    ("created>=yesterday", "'yesterday' is not a date"),
    ("name>=x", "'name' takes ':'"),
    ("base:acme/base@production", "names an alias"),
])
def test_syntax_errors_say_what_is_wrong(zoo, expression, message):
    with pytest.raises(InvalidNameError, match=re.escape(message)) as error:
        zoo.search(expression)

    assert error.value.hint


def test_and_binds_tighter_than_or():
    assert parse("name:a OR tag:b task:c") == Both(
        "or", Filter("name", ":", "a"), Both("and", Filter("tag", ":", "b"), Filter("task", ":", "c")))


def test_quoted_values_keep_their_spaces():
    assert parse('tag:owner="ana maria"') == Filter("tag", ":", "owner=ana maria")


@pytest.mark.parametrize("first, second", [
    (("tag:team=nlp", ["acme/base", "beta/llama-ft"]), ("tag:team=code", ["acme/coder"])),
    (("base:acme/base:1", ["acme/chat"]), ("base:acme/base:2", ["acme/coder"])),
    (("name:acme/chat*", ["acme/chat", "acme/chat-q4", "acme/chat-q4-lora"]), ("name:beta/llama*", ["beta/llama-ft"])),
    (("ancestor:acme/chat", ["acme/chat-q4", "acme/chat-q4-lora"]), ("ancestor:acme/chat-q4", ["acme/chat-q4-lora"])),
], ids=["tag", "base", "name", "ancestor"])
def test_expressions_of_one_shape_share_a_statement_but_not_their_values(zoo, first, second):
    assert search._filtered(first[0])[0] is search._filtered(second[0])[0]
    assert names(zoo, first[0]) == first[1]
    assert names(zoo, second[0]) == second[1]
