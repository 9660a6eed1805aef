"""The search language: filters joined by AND and OR, with parentheses, parsed into a small tree.

A model matches when one of its versions satisfies the whole expression. Filters::

    name:acme/*            glob on the model name (``*`` and ``?``); without a '/', on the name in any namespace
    tag:team=risk          a version tag; ``tag:team`` means the tag is set at all
    license:apache-2.0     a license in the version's concluded license (any id spelling)
    task:text-generation   framework:sklearn
    dataset:german-credit  trained on it (``hf:datasets/org/name`` matches every revision)
    created>=2025-01-31    also >, <, <=; a date or an ISO time, in UTC
    base:acme/llama        made directly from that model (``:3`` for one version, ``hf:...`` for external)
    ancestor:acme/llama    made from it at any depth: every model derived from it
    alias:production       the version an alias points at

A value with spaces is quoted: ``tag:owner="Ana Maria"``. ``AND`` binds tighter than ``OR``, and
filters side by side are ANDed:
``license:mit tag:team=risk OR (name:acme/* AND created>=2025-01-01)``.
:mod:`hub.registry.search` turns the tree into SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.errors import InvalidNameError

TOKEN = re.compile(r'\s*(?:(?P<paren>[()])|(?P<atom>[a-z]+(?::|>=|<=|>|<)(?:[^\s()"]*"[^"]*"|[^\s()]+))|(?P<word>\S+))')
FIELDS = ("name", "tag", "license", "task", "framework", "dataset", "created", "base", "ancestor", "alias")
SEARCH_HINT = ("Write filters such as name:acme/* tag:team=risk license:mit created>=2025-01-01, "
               "joined by AND, OR and parentheses; 'hub models search --help' lists them all.")


class SearchSyntaxError(InvalidNameError):
    """A search expression that cannot be parsed."""


@dataclass(frozen=True)
class Filter:
    field: str
    op: str
    value: str


@dataclass(frozen=True)
class Both:
    op: str  # "and" or "or"
    left: "Node"
    right: "Node"


Node = Filter | Both


def parse(text: str) -> Node | None:
    """The expression's tree; None for an empty expression, which matches every model."""
    tokens = _tokens(text)
    if not tokens:
        return None
    node, rest = _or(tokens)
    if rest:
        raise SearchSyntaxError(f"Unexpected '{rest[0]}' in the search '{text}'.", SEARCH_HINT)
    return node


def _tokens(text: str) -> list:
    found, position = [], 0
    text = text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        position = match.end()
        if match["paren"]:
            found.append(match["paren"])
        elif match["atom"]:
            field, op, value = re.fullmatch(r"([a-z]+)(:|>=|<=|>|<)(.*)", match["atom"]).groups()
            if field not in FIELDS:
                raise SearchSyntaxError(f"Unknown search field '{field}'.", f"Fields: {', '.join(FIELDS)}.")
            found.append(Filter(field, op, value.replace('"', "")))
        elif match["word"].upper() in ("AND", "OR"):
            found.append(match["word"].upper())
        else:
            raise SearchSyntaxError(f"'{match['word']}' is not a filter.", SEARCH_HINT)
    return found


def _or(tokens: list) -> tuple[Node, list]:
    node, rest = _and(tokens)
    while rest and rest[0] == "OR":
        right, rest = _and(rest[1:])
        node = Both("or", node, right)
    return node, rest


def _and(tokens: list) -> tuple[Node, list]:
    node, rest = _primary(tokens)
    while rest and rest[0] != "OR" and rest[0] != ")":
        if rest[0] == "AND":
            rest = rest[1:]
        right, rest = _primary(rest)
        node = Both("and", node, right)
    return node, rest


def _primary(tokens: list) -> tuple[Node, list]:
    if not tokens:
        raise SearchSyntaxError("The search ends where a filter was expected.", SEARCH_HINT)
    head, rest = tokens[0], tokens[1:]
    if head == "(":
        node, rest = _or(rest)
        if not rest or rest[0] != ")":
            raise SearchSyntaxError("A '(' in the search is never closed.", SEARCH_HINT)
        return node, rest[1:]
    if isinstance(head, Filter):
        return head, rest
    raise SearchSyntaxError(f"Unexpected '{head}' in the search.", SEARCH_HINT)
