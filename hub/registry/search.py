"""Searching: a tree from :mod:`hub.registry.filters` compiled to one SQL query that returns a page of models.

Models are walked in name order (an index) until the page is full, each with its latest version
and its aliases in the same row; pages continue after the last name (keyset pagination), so page
one hundred costs what page one does. Filters on what indexes a version (tags, licenses, lineage)
are index probes per model; a tree that needs one version to meet several conditions at once is
checked on that model's versions. Statements are reused for expressions of the same shape.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import String, and_, bindparam, cast, exists, false, func, literal, or_, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from hub.registry import licenses
from hub.errors import HubError, InvalidNameError
from hub.registry import naming
from hub.registry.filters import SEARCH_HINT, Both, Filter, Node, SearchSyntaxError, parse
from hub.registry.lineage import DATASET, MODEL, derived_versions
from hub.registry.reading import VERSION_COLUMNS, to_version
from hub.registry.records import ModelSummary, SearchPage
from hub.registry.tables import Alias, LineageEdge, Model, ModelVersion, VersionLicense, VersionTag

models, versions, aliases = Model.__table__, ModelVersion.__table__, Alias.__table__
tags, keys, edges = VersionTag.__table__, VersionLicense.__table__, LineageEdge.__table__


class Compiler:
    """Turns a tree into a condition on one version (``v``) and its model (``m``), table aliases of the caller's.

    Every value is a bound parameter, and every choice that shapes the SQL is noted in ``shape``:
    two expressions of one shape compile to the same statement with different ``values``, so the
    statement, and SQLAlchemy's work on it, is reused when only the values change.
    """

    def __init__(self, v, m):
        self.v, self.m = v, m
        self.names = (f"derived_{n}" for n in itertools.count(1))
        self.values: dict[str, Any] = {}
        self.shape: list[Any] = []

    def bind(self, value, type_=None):
        name = f"v{len(self.values)}"
        self.values[name] = value
        return bindparam(name, value, type_=type_)

    def condition(self, node: Node) -> ColumnElement:
        self.shape.append(node.op if isinstance(node, Both) else (node.field, node.op))
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

        A search walks models in name order until its page is full. Each of these conditions is one
        probe of an index that leads with the filter's value and ends with the model, so a model is
        looked into only when the filter names it, instead of checking every version of every model;
        the exact condition on one version still decides where it must.
        """
        if isinstance(node, Both):
            left, right = self.narrowing(node.left), self.narrowing(node.right)
            if node.op == "or":
                return or_(left, right) if left is not None and right is not None else None
            parts = [part for part in (left, right) if part is not None]
            return and_(*parts) if parts else None
        if node.field == "tag":
            return exists().where(tags.c.model_id == models.c.id, *self._tag_is(node.value))
        if node.field == "license":
            return and_(*(exists().where(keys.c.model_id == models.c.id, keys.c.key == key)
                          for key in self._license_keys(node.value)))
        if node.field == "dataset":
            return exists().where(edges.c.model_id == models.c.id, edges.c.parent_kind == DATASET,
                                  self._ref_matches(node.value))
        if node.field == "alias":
            return exists().where(aliases.c.model_id == models.c.id, aliases.c.name == self.bind(node.value))
        if node.field == "base":
            return exists().where(edges.c.model_id == models.c.id, self._parent(node.value))
        if node.field == "ancestor":
            # The descendants are computed once; the model id is written ``id + 0`` so that SQLite checks it
            # against them while walking in name order, instead of fetching every descendant's model and sorting.
            name = next(self.names)
            owner = versions.alias(f"{name}_owner")
            derived = derived_versions(self._parent(node.value), name)
            return (models.c.id + 0).in_(select(owner.c.model_id).where(owner.c.id.in_(derived)))
        return None

    def on_models(self, node: Node) -> ColumnElement:
        """The tree as a condition on models alone; for trees :func:`decided_by_model` accepts."""
        if isinstance(node, Both):
            self.shape.append(node.op)
            join = and_ if node.op == "and" else or_
            return join(self.on_models(node.left), self.on_models(node.right))
        if node.field == "name":
            return self.condition(node)
        self.shape.append((node.field, node.op))
        return self.narrowing(node)

    def _name(self, node: Filter) -> ColumnElement:
        self.shape.append("/" in node.value)
        if "/" in node.value:
            namespace, _, name = node.value.partition("/")
            return and_(self._glob(self.m.c.namespace, namespace), self._glob(self.m.c.name, name))
        return self._glob(self.m.c.name, node.value)

    # Filters on what indexes a version are probes by the version's id: a page needs only a few of them,
    # where materialising every match of a common filter would read thousands of rows.
    def _tag(self, node: Filter) -> ColumnElement:
        return exists().where(tags.c.version_id == self.v.c.id, *self._tag_is(node.value))

    def _tag_is(self, value: str) -> list[ColumnElement]:
        key, has_value, wanted = value.partition("=")
        self.shape.append(bool(has_value))
        return [tags.c.key == self.bind(key), *([tags.c.value == self.bind(wanted)] if has_value else [])]

    def _license(self, node: Filter) -> ColumnElement:
        return and_(*(exists().where(keys.c.version_id == self.v.c.id, keys.c.key == key)
                      for key in self._license_keys(node.value)))

    def _license_keys(self, value: str) -> list:
        found = licenses.parse(value).keys
        self.shape.append(len(found))
        return [self.bind(key) for key in found]

    def _task(self, node: Filter) -> ColumnElement:
        return self.v.c.task == self.bind(node.value)

    def _framework(self, node: Filter) -> ColumnElement:
        return self.v.c.framework == self.bind(node.value)

    def _dataset(self, node: Filter) -> ColumnElement:
        return exists().where(edges.c.version_id == self.v.c.id, edges.c.parent_kind == DATASET,
                              self._ref_matches(node.value))

    def _created(self, node: Filter) -> ColumnElement:
        if node.op == ":":
            raise SearchSyntaxError("'created' compares, as in created>=2025-01-31.", SEARCH_HINT)
        try:
            moment = datetime.fromisoformat(node.value)
        except ValueError:
            raise SearchSyntaxError(f"'{node.value}' is not a date or time.",
                                    "Write 2025-01-31 or 2025-01-31T12:00.") from None
        column = self.v.c.created_at
        moment = self.bind(moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment, column.type)
        return {">": column > moment, ">=": column >= moment, "<": column < moment, "<=": column <= moment}[node.op]

    def _alias(self, node: Filter) -> ColumnElement:
        return exists().where(aliases.c.version_id == self.v.c.id, aliases.c.name == self.bind(node.value))

    def _base(self, node: Filter) -> ColumnElement:
        return exists().where(edges.c.version_id == self.v.c.id, self._parent(node.value))

    def _ancestor(self, node: Filter) -> ColumnElement:
        return self.v.c.id.in_(derived_versions(self._parent(node.value), next(self.names)))

    def _parent(self, value: str) -> ColumnElement:
        """Edges whose parent is ``value``: an external reference, a model, or one version of it."""
        external = value.startswith("hf:")
        ref = None if external else naming.parse_ref(value)
        self.shape.append("hf" if external else ref.version is None)
        if external:
            return and_(edges.c.parent_kind == MODEL, self._ref_matches(value))
        if ref.alias:
            raise SearchSyntaxError(f"'{value}' names an alias, which can move.", "Search by model or model:version.")
        namespace, name = naming.split_name(ref.name)
        model_id = select(models.c.id).where(models.c.namespace == self.bind(namespace),
                                             models.c.name == self.bind(name)).scalar_subquery()
        if ref.version is None:
            return edges.c.parent_model_id == model_id
        version_id = select(versions.c.id).where(versions.c.model_id == model_id,
                                                 versions.c.version == self.bind(ref.version)).scalar_subquery()
        return edges.c.parent_version_id == version_id

    def _ref_matches(self, value: str) -> ColumnElement:
        """A reference exactly, or without a revision every revision of it."""
        self.shape.append("@" in value)
        if "@" in value:
            return edges.c.parent_ref == self.bind(value)
        revisions = re.sub(r"([%_\\])", r"\\\1", value) + "@%"
        return or_(edges.c.parent_ref == self.bind(value), edges.c.parent_ref.like(self.bind(revisions), escape="\\"))

    def _glob(self, column, pattern: str) -> ColumnElement:
        """A glob over a name, as an index range on its literal prefix plus a LIKE for the rest."""
        prefix = re.split(r"[*?]", pattern, maxsplit=1)[0]
        self.shape.append((bool(pattern), prefix == pattern, bool(prefix)))
        if not pattern:
            return false()
        if prefix == pattern:
            return column == self.bind(pattern)
        like = re.sub(r"([%_\\])", r"\\\1", pattern).replace("*", "%").replace("?", "_")
        condition = column.like(self.bind(like), escape="\\")
        if prefix:
            # Names compare bytewise (see tables.name_type), so the prefix range is exact and indexed.
            upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            condition = and_(column >= self.bind(prefix), column < self.bind(upper), condition)
        return condition


NARROWED = ("tag", "license", "dataset", "base", "ancestor", "alias")


def decided_by_model(node: Node) -> bool:
    """Whether "some version satisfies the tree" can be decided model by model, from the narrowing sets alone.

    It can unless an AND joins two conditions on versions (one version must meet both), or one
    license filter names several licenses (again one version must carry them all).
    """
    if isinstance(node, Both):
        both = decided_by_model(node.left) and decided_by_model(node.right)
        return both and (node.op == "or" or _names_only(node.left) or _names_only(node.right))
    if node.field == "license":
        return len(licenses.parse(node.value).keys) == 1
    return node.field == "name" or node.field in NARROWED


def _names_only(node: Node) -> bool:
    if isinstance(node, Both):
        return _names_only(node.left) and _names_only(node.right)
    return node.field == "name"


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
    query, values = _filtered(expression)
    return query, {**values, "after_namespace": namespace, "after_name": name, "limit": limit + 1}


_SHAPES: dict[tuple, Any] = {}
SHAPES_KEPT = 256


def _filtered(expression: str) -> tuple[Any, dict[str, Any]]:
    """:data:`LISTING` narrowed by an expression, with its values; a statement of the same shape is reused."""
    node = parse(expression)
    if node is None:
        return LISTING, {}
    if decided_by_model(node):
        compiler = Compiler(versions, models)
        query = LISTING.where(compiler.on_models(node))
    else:
        # Walk the models in name order and stop when the page is full: the quick plan for any filter
        # that is not rare, where driving from the filter would read every match before sorting them.
        version = versions.alias("v")
        compiler = Compiler(version, models)
        exact = exists().where(version.c.model_id == models.c.id, compiler.condition(node))
        narrow = compiler.narrowing(node)
        query = LISTING.where(exact) if narrow is None else LISTING.where(narrow, exact)
    shape = (decided_by_model(node), tuple(compiler.shape), len(compiler.values))
    if shape not in _SHAPES and len(_SHAPES) >= SHAPES_KEPT:
        _SHAPES.clear()
    return _SHAPES.setdefault(shape, query), compiler.values


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
