"""The search language: filters joined by AND and OR, with parentheses, compiled to one SQL query.

A model matches when one of its versions satisfies the whole expression. Filters::

    name:acme/*            glob on the model name (``*`` and ``?``); without a '/', on the name in any namespace
    tag:team=risk          a version tag; ``tag:team`` means the tag is set at all
    license:apache-2.0     a license in the version's concluded license (any id spelling)
    task:text-generation   framework:sklearn
    dataset:german-credit  trained on it (``hf:datasets/org/name`` matches every revision)
    created>=2025-01-31    also >, <, <=; a date or an ISO time, in UTC
    base:acme/llama        made directly from that model (``:3`` for one version, ``hf:...`` for external)
    ancestor:acme/llama    made from it at any depth: every model derived from it

A value with spaces is quoted: ``tag:owner="Ana Maria"``. ``AND`` binds tighter than ``OR``, and
filters side by side are ANDed:
``license:mit tag:team=risk OR (name:acme/* AND created>=2025-01-01)``.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import String, and_, bindparam, cast, exists, false, func, literal, or_, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from hub import licenses
from hub.errors import HubError, InvalidNameError
from hub.registry import naming
from hub.registry.lineage import DATASET, MODEL, derived_versions
from hub.registry.reading import VERSION_COLUMNS, to_version
from hub.registry.records import ModelSummary, SearchPage
from hub.registry.tables import Alias, LineageEdge, Model, ModelVersion, VersionLicense, VersionTag

models, versions, aliases = Model.__table__, ModelVersion.__table__, Alias.__table__
tags, keys, edges = VersionTag.__table__, VersionLicense.__table__, LineageEdge.__table__

TOKEN = re.compile(r'\s*(?:(?P<paren>[()])|(?P<atom>[a-z]+(?::|>=|<=|>|<)(?:[^\s()"]*"[^"]*"|[^\s()]+))|(?P<word>\S+))')
FIELDS = ("name", "tag", "license", "task", "framework", "dataset", "created", "base", "ancestor")
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


class Compiler:
    """Turns a tree into a condition on one version (``v``) and its model (``m``), table aliases of the caller's."""

    def __init__(self, v, m):
        self.v, self.m = v, m
        self.names = (f"derived_{n}" for n in itertools.count(1))

    def condition(self, node: Node) -> ColumnElement:
        if isinstance(node, Both):
            join = and_ if node.op == "and" else or_
            return join(self.condition(node.left), self.condition(node.right))
        if node.op != ":" and node.field != "created":
            raise SearchSyntaxError(f"'{node.field}' takes ':', as in {node.field}:VALUE.", SEARCH_HINT)
        compile_filter: Callable[[Filter], ColumnElement] = getattr(self, f"_{node.field}")
        return compile_filter(node)

    def narrowing(self, node: Node) -> ColumnElement | None:
        """A cheap condition every matching model meets, or None: the models with a version carrying each tag,
        license, dataset, parent or ancestor named.

        A search walks models in name order until its page is full; with this condition first, a model
        is looked into only when a rare filter names it, instead of checking every version of every
        model. The exact condition on one version still decides. The model id is written ``id + 0`` so
        that SQLite checks it against the set while walking in name order, rather than fetching every
        model in the set and sorting them all for one page.
        """
        if isinstance(node, Both):
            left, right = self.narrowing(node.left), self.narrowing(node.right)
            if node.op == "or":
                return or_(left, right) if left is not None and right is not None else None
            parts = [part for part in (left, right) if part is not None]
            return and_(*parts) if parts else None
        walked = models.c.id + 0
        if node.field == "tag":
            key, has_value, value = node.value.partition("=")
            return walked.in_(select(tags.c.model_id).where(tags.c.key == key,
                                                                 *([tags.c.value == value] if has_value else [])))
        if node.field == "license":
            return and_(*(walked.in_(select(keys.c.model_id).where(keys.c.key == key))
                          for key in licenses.parse(node.value).keys))
        if node.field == "dataset":
            return walked.in_(select(edges.c.model_id).where(edges.c.parent_kind == DATASET,
                                                                  _ref_matches(node.value)))
        if node.field == "base":
            return walked.in_(select(edges.c.model_id).where(_parent(node.value)))
        if node.field == "ancestor":
            name = next(self.names)
            owner = versions.alias(f"{name}_owner")
            derived = derived_versions(_parent(node.value), name)
            return walked.in_(select(owner.c.model_id).where(owner.c.id.in_(derived)))
        return None

    def _name(self, node: Filter) -> ColumnElement:
        if "/" in node.value:
            namespace, _, name = node.value.partition("/")
            return and_(_glob(self.m.c.namespace, namespace), _glob(self.m.c.name, name))
        return _glob(self.m.c.name, node.value)

    # Filters on what indexes a version are probes by the version's id: a page needs only a few of them,
    # where materialising every match of a common filter would read thousands of rows.
    def _tag(self, node: Filter) -> ColumnElement:
        key, has_value, value = node.value.partition("=")
        return exists().where(tags.c.version_id == self.v.c.id, tags.c.key == key,
                              *([tags.c.value == value] if has_value else []))

    def _license(self, node: Filter) -> ColumnElement:
        return and_(*(exists().where(keys.c.version_id == self.v.c.id, keys.c.key == key)
                      for key in licenses.parse(node.value).keys))

    def _task(self, node: Filter) -> ColumnElement:
        return self.v.c.task == node.value

    def _framework(self, node: Filter) -> ColumnElement:
        return self.v.c.framework == node.value

    def _dataset(self, node: Filter) -> ColumnElement:
        return exists().where(edges.c.version_id == self.v.c.id, edges.c.parent_kind == DATASET,
                              _ref_matches(node.value))

    def _created(self, node: Filter) -> ColumnElement:
        if node.op == ":":
            raise SearchSyntaxError("'created' compares, as in created>=2025-01-31.", SEARCH_HINT)
        try:
            moment = datetime.fromisoformat(node.value)
        except ValueError:
            raise SearchSyntaxError(f"'{node.value}' is not a date or time.",
                                    "Write 2025-01-31 or 2025-01-31T12:00.") from None
        moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
        column = self.v.c.created_at
        return {">": column > moment, ">=": column >= moment, "<": column < moment, "<=": column <= moment}[node.op]

    def _base(self, node: Filter) -> ColumnElement:
        return exists().where(edges.c.version_id == self.v.c.id, _parent(node.value))

    def _ancestor(self, node: Filter) -> ColumnElement:
        return self.v.c.id.in_(derived_versions(_parent(node.value), next(self.names)))


def only_names(node: Node) -> bool:
    """Whether a tree asks about model names only, so it can be answered without looking at versions."""
    if isinstance(node, Both):
        return only_names(node.left) and only_names(node.right)
    return node.field == "name"


def _parent(value: str) -> ColumnElement:
    """Edges whose parent is ``value``: an external reference, a model, or one version of it."""
    if value.startswith("hf:"):
        return and_(edges.c.parent_kind == MODEL, _ref_matches(value))
    ref = naming.parse_ref(value)
    if ref.alias:
        raise SearchSyntaxError(f"'{value}' names an alias, which can move.", "Search by model or model:version.")
    namespace, name = naming.split_name(ref.name)
    model_id = select(models.c.id).where(models.c.namespace == namespace, models.c.name == name).scalar_subquery()
    if ref.version is None:
        return edges.c.parent_model_id == model_id
    version_id = select(versions.c.id).where(versions.c.model_id == model_id,
                                             versions.c.version == ref.version).scalar_subquery()
    return edges.c.parent_version_id == version_id


def _ref_matches(value: str) -> ColumnElement:
    """A reference exactly, or without a revision every revision of it."""
    if "@" in value:
        return edges.c.parent_ref == value
    return or_(edges.c.parent_ref == value, edges.c.parent_ref.startswith(f"{value}@", autoescape=True))


def _glob(column, pattern: str) -> ColumnElement:
    """A glob over a name, as an index range on its literal prefix plus a LIKE for the rest."""
    if not pattern:
        return false()
    prefix = re.split(r"[*?]", pattern, maxsplit=1)[0]
    if prefix == pattern:
        return column == pattern
    like = re.sub(r"([%_\\])", r"\\\1", pattern).replace("*", "%").replace("?", "_")
    condition = column.like(like, escape="\\")
    if prefix:
        # Names compare bytewise (see tables.name_type), so the prefix range is exact and indexed.
        condition = and_(column >= prefix, column < prefix[:-1] + chr(ord(prefix[-1]) + 1), condition)
    return condition


def _aliases_of_model():
    """A model's aliases as one string, ``production=3,staging=4``, so a page needs no second query."""
    named, target = aliases.alias("named"), versions.alias("target")
    pair = named.c.name + literal("=") + cast(target.c.version, String)
    return (select(func.aggregate_strings(pair, ","))
            .select_from(named.join(target, target.c.id == named.c.version_id))
            .where(named.c.model_id == models.c.id).scalar_subquery())


# Models in name order with their latest version, after a cursor; filters add conditions to it.
LISTING = (
    select(*VERSION_COLUMNS, models.c.description, models.c.task.label("model_task"),
           models.c.created_at.label("model_created_at"), models.c.version_count,
           _aliases_of_model().label("model_aliases"))
    .select_from(versions.join(models, models.c.id == versions.c.model_id))
    .where(versions.c.version == models.c.version_count,
           tuple_(models.c.namespace, models.c.name) > tuple_(bindparam("after_namespace"), bindparam("after_name")))
    .order_by(models.c.namespace, models.c.name)
    .limit(bindparam("limit"))
)


def statement(expression: str, limit: int, after: str | None):
    """The query for one page, and its parameters. It fetches one model more, to tell if a next page exists."""
    namespace, name = split_cursor(after) if after else ("", "")
    return _filtered(expression.strip()), {"after_namespace": namespace, "after_name": name, "limit": limit + 1}


@functools.lru_cache(maxsize=256)
def _filtered(expression: str):
    """:data:`LISTING` narrowed by an expression; built once per expression, as people repeat their searches."""
    node = parse(expression)
    if node is None:
        return LISTING
    if only_names(node):
        return LISTING.where(Compiler(versions, models).condition(node))
    # Walk the models in name order and stop when the page is full: the quick plan for any filter
    # that is not rare, where driving from the filter would read every match before sorting them.
    version = versions.alias("v")
    compiler = Compiler(version, models)
    exact = exists().where(version.c.model_id == models.c.id, compiler.condition(node))
    narrow = compiler.narrowing(node)
    return LISTING.where(exact) if narrow is None else LISTING.where(narrow, exact)


def page(rows, limit: int, reports: dict[int, list]) -> SearchPage:
    summaries = [
        ModelSummary(
            name=naming.full_name(row.namespace, row.name), description=row.description, task=row.model_task,
            created_at=row.model_created_at, version_count=row.version_count,
            latest=to_version(row._mapping, reports.get(row.id, [])),
            aliases=_alias_map(row.model_aliases),
        )
        for row in rows[:limit]
    ]
    return SearchPage(models=summaries, next_cursor=summaries[-1].name if len(rows) > limit else None)


def _alias_map(text: str | None) -> dict[str, int]:
    pairs = (pair.partition("=") for pair in sorted(text.split(","))) if text else ()
    return {alias: int(number) for alias, _, number in pairs}


def split_cursor(cursor: str) -> tuple[str, str]:
    try:
        return naming.split_name(cursor)
    except InvalidNameError:
        raise HubError(f"'{cursor}' is not a cursor from a previous page.",
                       "Pass the next_cursor value a search printed, or leave --after out.") from None
